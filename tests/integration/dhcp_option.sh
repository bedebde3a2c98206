#!/bin/bash
# dhcp_option.sh - `phoneboot dhcp-option` says how to send option 150 and 66: the value in
# hex and on the wire, the key line for each of ISC dhcpd, Kea, dnsmasq, pfSense, MikroTik,
# Cisco IOS and Windows (cisco-facts.md 8.3), the usual mistake (the address typed as text
# reads as 49.57.50.46, 8.4), only the server --for names, and exit status 2 with a message
# for what it cannot encode. dnsmasq checks its line for real (`dnsmasq --test`), and so
# does ISC dhcpd (`dhcpd -t`) when it is installed. No daemon is started.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# dopt ARG...: `phoneboot dhcp-option ARG...`; stdout in $T/out, stderr in $T/err, status in $RC
dopt() {
    "$PHONEBOOT" dhcp-option "$@" >"$T/out" 2>"$T/err"
    RC=$?
}

# has_line NAME LINE: a line of the output is LINE, leading blanks aside
has_line() {
    if sed 's/^[[:space:]]*//' "$T/out" | grep -qxF -- "$2"; then
        ok "$1"
    else
        notok "$1" "no line '$2'; nearest: '$(grep -m1 -F -- "${2:0:18}" "$T/out")'"
    fi
}

# lacks NAME ERE: no line of the output matches
lacks() {
    if grep -qE -- "$2" "$T/out"; then
        notok "$1" "unexpected: $(grep -m1 -E -- "$2" "$T/out")"
    else
        ok "$1"
    fi
}

# ran_ok NAME: exit status 0 and nothing on stderr
ran_ok() {
    expect_eq "$1: exit status 0" "$RC" 0
    check "$1: nothing on stderr" test ! -s "$T/err"
}

# refused NAME ARG...: exit status 2, a message naming the command, nothing on stdout
refused() {
    local name=$1
    shift
    dopt "$@"
    expect_eq "$name: exit status 2" "$RC" 2
    expect_match "$name: says why" "$(head -1 "$T/err")" '^phoneboot dhcp-option: .+'
    check "$name: nothing on stdout" test ! -s "$T/out"
}

# kea_checks NAME CODE DATA: the option-def/option-data lines, wrapped in braces, are JSON
# that says what Kea needs (for 150: an ipv4-address array of that name; 66: its own name)
kea_checks() {
    local verdict rest
    { echo "{"; grep -E '^[[:space:]]*"option-(def|data)"' "$T/out"; echo "}"; } >"$T/kea.json"
    while read -r verdict rest; do
        case $verdict in
        PASS) ok "$rest" ;;
        FAIL) notok "${rest%%: *}" "${rest#*: }" ;;
        *) notok "$1: kea checks" "unexpected output: $verdict $rest" ;;
        esac
    done < <(python3 - "$T/kea.json" "$1" "$2" "$3" 2>&1 <<'EOF'
import json, sys
path, name, code, data = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
def check(what, cond, why=""):
    print(("PASS " if cond else "FAIL ") + name + ": Kea " + what + ("" if cond else ": " + why))
try:
    j = json.load(open(path))
except Exception as e:
    check("lines parse as JSON", False, "%s in %r" % (e, open(path).read())); sys.exit()
check("lines parse as JSON", True)
od = j.get("option-data", [])
check("one option-data", len(od) == 1, repr(od))
if not od:
    sys.exit()
check("option-data carries " + data, od[0].get("data") == data, repr(od[0]))
if code == 150:
    defs = j.get("option-def", [])
    d = defs[0] if defs else {}
    check("option-def for code 150", len(defs) == 1 and d.get("code") == 150, repr(defs))
    check("option-def type ipv4-address, array", d.get("type") == "ipv4-address" and d.get("array") is True
          and d.get("space") == "dhcp4", repr(d))
    check("option-data names the defined option", od[0].get("name") == d.get("name"), repr(j))
else:
    check("no option-def for a standard option", "option-def" not in j, repr(j))
    check("option-data names tftp-server-name", od[0].get("name") == "tftp-server-name", repr(od[0]))
EOF
    )
}

# dnsmasq_accepts NAME: the dhcp-option-force line printed passes `dnsmasq --test`
dnsmasq_accepts() {
    if ! command -v dnsmasq >/dev/null; then
        ok "$1: dnsmasq --test # SKIP dnsmasq not installed"
        return
    fi
    sed -n 's/^[[:space:]]*\(dhcp-option-force=.*\)/\1/p' "$T/out" >"$T/dnsmasq.conf"
    local out
    if [ ! -s "$T/dnsmasq.conf" ]; then
        notok "$1: dnsmasq --test" "no dhcp-option-force line"
    elif out=$(dnsmasq --test --conf-file="$T/dnsmasq.conf" 2>&1); then
        ok "$1: dnsmasq --test accepts $(cat "$T/dnsmasq.conf")"
    else
        notok "$1: dnsmasq --test" "$(tr '\n' ' ' <<<"$out")for $(cat "$T/dnsmasq.conf")"
    fi
}

# dhcpd_accepts NAME: the ISC lines pass `dhcpd -t` (skipped where dhcpd is not installed)
dhcpd_accepts() {
    local dhcpd
    dhcpd=$(command -v dhcpd || ls /usr/sbin/dhcpd 2>/dev/null)
    if [ -z "$dhcpd" ]; then
        ok "$1: dhcpd -t # SKIP ISC dhcpd not installed"
        return
    fi
    sed -n '/^ISC dhcpd/,/^[^[:space:]]/s/^[[:space:]]\{1,\}//p' "$T/out" >"$T/dhcpd.conf"
    local out
    if out=$("$dhcpd" -4 -t -cf "$T/dhcpd.conf" 2>&1); then
        ok "$1: dhcpd -t accepts the ISC lines"
    else
        notok "$1: dhcpd -t" "$(tail -3 <<<"$out" | tr '\n' ' ')"
    fi
}

# ---- 150 with one address ----
dopt 150 192.168.0.195
ran_ok "150 one address"
expect_match "150: value in hex" "$(grep -E 'C0A800C3$' "$T/out")" '(^|[ :])C0A800C3$'
expect_match "150: the option on the wire" "$(grep -E '96 04' "$T/out")" '(^|[ :])96 04 C0 A8 00 C3$'
expect_eq "150: a section for each of the 7 servers" \
    "$(grep -cE '^(ISC dhcpd|Kea|dnsmasq|pfSense|MikroTik|Cisco IOS|Windows Server)' "$T/out")" 7
has_line "150: ISC declares an array of ip-address" \
    "option cisco-tftp-servers code 150 = array of ip-address;"
has_line "150: ISC value" "option cisco-tftp-servers 192.168.0.195;"
kea_checks "150" 150 192.168.0.195
has_line "150: dnsmasq" "dhcp-option-force=150,192.168.0.195"
dnsmasq_accepts "150"
expect_match "150: pfSense names 150, the address type and the hex" \
    "$(sed -n '/^pfSense/,/^[^[:space:]]/p' "$T/out" | tr '\n' ' ')" \
    'number 150, type: the IP address type.*C0A800C3'
has_line "150: MikroTik, the address quoted as an IP" \
    "/ip dhcp-server option add name=cisco-tftp code=150 value=\"'192.168.0.195'\""
has_line "150: MikroTik, or the hex" "(or value=0xC0A800C3)"
has_line "150: MikroTik attaches it to the network" "/ip dhcp-server network set [find] dhcp-option=cisco-tftp"
has_line "150: IOS pool" "ip dhcp pool VOICE"
check "150: IOS option line, indented under the pool" grep -qxF " option 150 ip 192.168.0.195" \
    <(sed 's/^ */ /' "$T/out")
has_line "150: Windows defines an IPv4 array" \
    'Add-DhcpServerv4OptionDefinition -OptionId 150 -Name "Cisco TFTP" -Type IPv4Address -MultiValued'
has_line "150: Windows sets the value" \
    "Set-DhcpServerv4OptionValue -ScopeId SCOPE -OptionId 150 -Value 192.168.0.195"
has_line "150: netsh as an IPADDRESS array" 'netsh dhcp server add optiondef 150 "Cisco TFTP" IPADDRESS 1'
expect_match "150: the usual mistake reads as 49.57.50.46" "$(tr '\n' ' ' <"$T/out")" \
    'usual mistake.*13 ASCII bytes \(31 39 32 2E \.\.\.\).*49\.57\.50\.46'
dhcpd_accepts "150"

# ---- 150 with two addresses ----
dopt 150 192.168.0.195,192.168.0.196
ran_ok "150 two addresses"
expect_match "150 x2: the option on the wire" "$(grep -E '96 08' "$T/out")" \
    '(^|[ :])96 08 C0 A8 00 C3 C0 A8 00 C4$'
expect_match "150 x2: value in hex" "$(grep -E 'C0A800C3C0A800C4$' "$T/out")" '(^|[ :])C0A800C3C0A800C4$'
has_line "150 x2: ISC value, a comma list" "option cisco-tftp-servers 192.168.0.195,192.168.0.196;"
kea_checks "150 x2" 150 192.168.0.195,192.168.0.196
has_line "150 x2: dnsmasq" "dhcp-option-force=150,192.168.0.195,192.168.0.196"
dnsmasq_accepts "150 x2"
has_line "150 x2: MikroTik, both addresses as IPs" \
    "/ip dhcp-server option add name=cisco-tftp code=150 value=\"'192.168.0.195''192.168.0.196'\""
has_line "150 x2: IOS" "option 150 ip 192.168.0.195 192.168.0.196"
has_line "150 x2: Windows" "Set-DhcpServerv4OptionValue -ScopeId SCOPE -OptionId 150 -Value 192.168.0.195,192.168.0.196"
dhcpd_accepts "150 x2"

# ---- 150 with ", " between the addresses: the encoder takes it, every line must too ----
dopt 150 "192.168.0.195, 192.168.0.196"
ran_ok "150 comma-space"
expect_match "150 comma-space: the option on the wire" "$(grep -E '96 08' "$T/out")" \
    '(^|[ :])96 08 C0 A8 00 C3 C0 A8 00 C4$'
has_line "150 comma-space: dnsmasq, one comma between addresses" \
    "dhcp-option-force=150,192.168.0.195,192.168.0.196"
dnsmasq_accepts "150 comma-space"
kea_checks "150 comma-space" 150 192.168.0.195,192.168.0.196
has_line "150 comma-space: IOS" "option 150 ip 192.168.0.195 192.168.0.196"

# ---- 150 with blanks between the addresses: ISC needs its commas ----
dopt 150 "192.168.0.195 192.168.0.196"
ran_ok "150 blank-separated"
expect_match "150 blank-separated: ISC value, a comma list" \
    "$(sed -n 's/^[[:space:]]*\(option cisco-tftp-servers [0-9].*\)/\1/p' "$T/out")" \
    '^option cisco-tftp-servers 192\.168\.0\.195, ?192\.168\.0\.196;$'
has_line "150 blank-separated: dnsmasq" "dhcp-option-force=150,192.168.0.195,192.168.0.196"
dnsmasq_accepts "150 blank-separated"
dhcpd_accepts "150 blank-separated"

# ---- --for one server ----
dopt 150 192.168.0.195 --for ios
ran_ok "150 --for ios"
has_line "--for ios: the IOS line" "option 150 ip 192.168.0.195"
has_line "--for ios: the IOS pool" "ip dhcp pool VOICE"
expect_eq "--for ios: one server section" \
    "$(grep -cE '^(ISC dhcpd|Kea|dnsmasq|pfSense|MikroTik|Cisco IOS|Windows)' "$T/out")" 1
lacks "--for ios: no other server's lines" \
    'cisco-tftp-servers|option-d(ef|ata)|dhcp-option-force|number 150|/ip dhcp-server|DhcpServerv4|netsh'
expect_match "--for ios: still the wire bytes" "$(grep -E '96 04' "$T/out")" '96 04 C0 A8 00 C3$'
dopt --for dnsmasq 150 192.168.0.195
ran_ok "--for before the arguments"
has_line "--for dnsmasq first: the dnsmasq line" "dhcp-option-force=150,192.168.0.195"
lacks "--for dnsmasq first: only dnsmasq" 'option 150 ip|cisco-tftp-servers|/ip dhcp-server'

# ---- 66 with an address and with a name ----
dopt 66 192.168.0.195
ran_ok "66 address"
expect_match "66 address: the text in hex" "$(grep -E '3139322E3136382E302E313935$' "$T/out")" \
    '(^|[ :])3139322E3136382E302E313935$'
expect_match "66 address: on the wire" "$(grep -E '^.*42 0D' "$T/out")" \
    '(^|[ :])42 0D 31 39 32 2E 31 36 38 2E 30 2E 31 39 35$'
has_line "66 address: ISC" 'option tftp-server-name "192.168.0.195";'
kea_checks "66 address" 66 192.168.0.195
has_line "66 address: dnsmasq, quoted so it stays text" 'dhcp-option-force=66,"192.168.0.195"'
dnsmasq_accepts "66 address"
has_line "66 address: MikroTik s'...' (an address sent as a string)" \
    "/ip dhcp-server option add name=tftp-name code=66 value=\"s'192.168.0.195'\""
has_line "66 address: IOS ascii" "option 66 ascii 192.168.0.195"
has_line "66 address: Windows" 'Set-DhcpServerv4OptionValue -ScopeId SCOPE -OptionId 66 -Value "192.168.0.195"'
lacks "66 address: nothing about code 150 lines" 'code 150|option 150 ip'
dhcpd_accepts "66 address"

dopt 66 tftp.example.com
ran_ok "66 name"
has_line "66 name: MikroTik 'name' without s" \
    "/ip dhcp-server option add name=tftp-name code=66 value=\"'tftp.example.com'\""
has_line "66 name: IOS ascii" "option 66 ascii tftp.example.com"
has_line "66 name: ISC" 'option tftp-server-name "tftp.example.com";'
has_line "66 name: dnsmasq" 'dhcp-option-force=66,"tftp.example.com"'
dnsmasq_accepts "66 name"
kea_checks "66 name" 66 tftp.example.com

# ---- the dnsmasq check can fail: a line dnsmasq refuses ----
if command -v dnsmasq >/dev/null; then
    echo "dhcp-option-force=150,192.168.0.195,,192.168.0.196" >"$T/bad.conf"
    check "dnsmasq --test refuses an empty address (the check has teeth)" \
        bash -c "! dnsmasq --test --conf-file='$T/bad.conf' >/dev/null 2>&1"
fi

# ---- refused ----
refused "150 with a host name" 150 tftp.example.com
expect_match "150 with a host name: asks for addresses" "$(cat "$T/err")" 'IPv4'
refused "150 with 192.168.0.256" 150 192.168.0.256
refused "150 with one good, one bad address" 150 192.168.0.195,192.168.0.300
refused "option 67" 67 term06.default.loads
refused "--for nonsense" 150 192.168.0.195 --for nonsense
expect_match "--for nonsense: lists the servers" "$(cat "$T/err")" 'isc.*kea.*dnsmasq.*ios.*windows'
refused "150 without a value" 150
refused "66 without a value" 66
refused "66 with empty text" 66 ""
refused "no arguments at all"
refused "--for without a server" 150 192.168.0.195 --for
refused "an extra argument" 150 192.168.0.195 192.168.0.196

finish
