#!/bin/bash
# dhcp_server.sh - the DHCP server ([dhcp], issue 5) against real clients in two network
# namespaces of this script's own (veth between them, 10.91.0.0/16, nothing on a real
# interface): busybox udhcpc, ISC dhclient (option 150 declared as an array of ip-address)
# and dhcpcd when installed, each with a hook script and lease file of the test's own (their
# default hooks rewrite the host's resolv.conf even inside a namespace), plus dhcpraw.py for
# raw messages (relay agent with giaddr and option 82, a 200-client burst, INIT-REBOOT).
# Covers: lease in the range, options 1/3/6/15/42/51/150/66 decoded, 150 with one and two
# addresses, 66 by name, renew keeps the address, release frees it, phones_only, NAK, INFORM,
# DECLINE, reservations, relayed subnets, `dhcp leases` (text and JSON), refusals at start,
# kill -9 during a burst then restart (every ACK seen on the wire is still a lease), and the
# warning about another DHCP server on the segment (dnsmasq).
# Needs root (namespaces); prints "ok - # SKIP" otherwise.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
    ok "# SKIP dhcp server: needs root for network namespaces"
    finish
fi
for tool in ip busybox; do
    command -v $tool >/dev/null || { notok "setup" "$tool missing (scripts/deps.sh test)"; finish; }
done

DRAW="$HERE/dhcpraw.py"
NS_S=pbd$$s NS_C=pbd$$c IF_S=pbd$$s0 IF_C=pbd$$c0
SRV=10.91.0.1 CLI=10.91.0.2 RELAY=10.88.0.1
# a copy, so a rebuild while this runs cannot swap the binary under a restart
mkdir -p "$T/bin" && cp "$PHONEBOOT" "$T/bin/phoneboot" || { notok "setup" "cannot copy $PHONEBOOT"; finish; }
PB=$T/bin/phoneboot
CPIDS=""     # client processes started in the background, by PID
DM_PID=""    # dnsmasq
T0=$(date +%s)

# shellcheck disable=SC2317 # called by the trap
dcleanup() {
    local p
    for p in $CPIDS $DM_PID; do
        kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
    if [ -n "$PB_PID" ] && kill -0 "$PB_PID" 2>/dev/null; then
        kill -KILL "$PB_PID" 2>/dev/null
        wait "$PB_PID" 2>/dev/null
    fi
    PB_PID=""
    netns_teardown "$NS_C" "$NS_S"
    cleanup
}
trap dcleanup EXIT

# --- the segment ---
ip netns add "$NS_S" && ip netns add "$NS_C" || { notok "setup" "ip netns add failed"; finish; }
ip link add "$IF_S" netns "$NS_S" type veth peer name "$IF_C" netns "$NS_C" || { notok "setup" "veth"; finish; }
ip -n "$NS_S" addr add $SRV/16 dev "$IF_S"
for n in $NS_S $NS_C; do ip -n "$n" link set lo up; done
ip -n "$NS_S" link set "$IF_S" up
ip -n "$NS_S" route add 10.88.0.0/24 via $CLI dev "$IF_S" 2>/dev/null || true

# reset_client [MAC]: the client side back to its static addresses (10.91.0.2, and the relay
# agent's 10.88.0.1) and, when given, a new MAC; the server forgets the old neighbour
reset_client() {
    ip -n "$NS_C" link set "$IF_C" down
    [ -n "${1:-}" ] && ip -n "$NS_C" link set dev "$IF_C" address "$1"
    ip -n "$NS_C" addr flush dev "$IF_C"
    ip -n "$NS_C" link set "$IF_C" up
    ip -n "$NS_C" addr add $CLI/16 dev "$IF_C"
    ip -n "$NS_C" addr add $RELAY/24 dev "$IF_C"
    ip -n "$NS_S" neigh flush dev "$IF_S" 2>/dev/null
    # the link needs a moment before the first broadcast leaves
    local _
    for _ in $(seq 1 30); do
        ip -n "$NS_C" -o link show "$IF_C" | grep -q 'LOWER_UP' && break
        sleep 0.1
    done
}
reset_client 02:00:00:00:c0:01

# --- hooks of our own: they print, and touch nothing outside the client namespace ---
cat >"$T/udhcpc.hook" <<'EOF'
#!/bin/sh
echo "EVENT $1"
case $1 in
bound|renew)
    env | grep -E '^(ip|subnet|mask|router|serverid|lease|tftp|opt[0-9]+|dns|domain|hostname|siaddr|ntpsrv)=' | sort
    # the renew test needs the address on the interface (udhcpc renews from it)
    [ -n "${PBD_ADDIP:-}" ] && ip addr add "$ip/$mask" dev "$interface"
    ;;
esac
exit 0
EOF
cat >"$T/dhclient.hook" <<'EOF'
#!/bin/sh
echo "REASON $reason"
case "$reason" in BOUND|RENEW|REBOOT|REBIND) env | grep -E '^new_' | sort ;; esac
exit 0
EOF
cat >"$T/dhcpcd.hook" <<'EOF'
#!/bin/sh
echo "REASON $reason"
case "$reason" in BOUND|RENEW|REBOOT|REBIND) env | grep -E '^new_' | sort ;; esac
exit 0
EOF
chmod +x "$T/udhcpc.hook" "$T/dhclient.hook" "$T/dhcpcd.hook"
cat >"$T/dhclient.conf" <<'EOF'
option cisco-tftp code 150 = array of ip-address;
request subnet-mask, routers, domain-name-servers, domain-name, tftp-server-name, cisco-tftp;
EOF

VCI="Cisco Systems, Inc. IP Phone CP-7906G"

# udhcpc OUT [ARGS...]: busybox udhcpc in the client namespace, bounded; stdout+stderr in
# OUT, status in RC
udhcpc_run() {
    local out=$1
    shift
    timeout 20 ip netns exec "$NS_C" busybox udhcpc -i "$IF_C" -f -q -n -t 3 -T 1 -s "$T/udhcpc.hook" "$@" \
        >"$out" 2>&1
    RC=$?
}

# val FILE KEY: the last KEY=value of FILE
val() {
    sed -n "s/^$2=//p" "$1" | tail -1
}

# hex2ips HEX: 0a5b0001 -> 10.91.0.1 (4 bytes each, comma-separated); odd lengths show as such
hex2ips() {
    local h=$1 out="" i
    if [ $(( ${#h} % 8 )) != 0 ] || [ -z "$h" ]; then
        echo "not-a-multiple-of-4-bytes:$h"
        return
    fi
    for ((i = 0; i < ${#h}; i += 8)); do
        out="$out,$((16#${h:i:2})).$((16#${h:i+2:2})).$((16#${h:i+4:2})).$((16#${h:i+6:2}))"
    done
    echo "${out#,}"
}

# in_range IP FIRST LAST
ip2n() {
    local a b c d
    IFS=. read -r a b c d <<<"$1"
    echo $(( (a << 24) | (b << 16) | (c << 8) | d ))
}
in_range() {
    [[ $1 =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]] || return 1
    local n
    n=$(ip2n "$1")
    [ "$n" -ge "$(ip2n "$2")" ] && [ "$n" -le "$(ip2n "$3")" ]
}
expect_in_range() {
    if in_range "$2" "$3" "$4"; then ok "$1"; else notok "$1" "got '$2', want an address in $3-$4"; fi
}

# raw ARGS...: dhcpraw.py in the client namespace (bounded by its --wait; timeout as a net)
raw() {
    timeout 30 ip netns exec "$NS_C" python3 "$DRAW" "$@"
}

# conf FILE LINE...: a config with the TFTP server on the server's address, [dhcp] on IF_S
conf() {
    local f=$1
    shift
    mkdir -p "$T/root" "$T/state"
    {
        echo "[server]"
        echo "state_dir = $T/state"
        echo "user = root"
        echo "[tftp]"
        echo "listen = $SRV:69"
        echo "root = $T/root"
        local l
        for l in "$@"; do printf '%s\n' "$l"; done
    } >"$f"
}

# start_ns CONF: the daemon in the server namespace, by PID; returns once it has logged its
# start line (at most 10 s)
start_ns() {
    PB_LOG=$T/daemon.$((++PB_STARTS)).log
    ip netns exec "$NS_S" "$PB" -c "$1" serve >"$PB_LOG" 2>&1 &
    PB_PID=$!
    START_RC=""
    local _
    for _ in $(seq 1 100); do
        grep -qE 'phoneboot .*: TFTP on' "$PB_LOG" && return 0
        kill -0 "$PB_PID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$PB_PID" 2>/dev/null; then
        echo "# daemon did not log its start within 10 s"
    else
        wait "$PB_PID"
        START_RC=$?
        echo "# daemon exited at start with status $START_RC"
        PB_PID=""
    fi
    sed 's/^/#   /' "$PB_LOG" | tail -20
    return 1
}

# leases CONF: `dhcp leases --json` into $T/leases.json (status in LRC)
leases() {
    "$PB" -c "$1" dhcp leases --json >"$T/leases.json" 2>"$T/leases.err"
    LRC=$?
}
# lease MAC IP FIELD: that lease's field from $T/leases.json, "MISSING" without the lease
lease() {
    python3 - "$T/leases.json" "$1" "$2" "$3" <<'EOF'
import json, sys
try:
    ls = json.load(open(sys.argv[1]))
except Exception as e:
    print("BADJSON"); sys.exit()
for l in ls:
    if l.get("mac") == sys.argv[2] and l.get("ip") == sys.argv[3]:
        v = l.get(sys.argv[4], "NOKEY")
        print("null" if v is None else v)
        break
else:
    print("MISSING")
EOF
}

##############################################################################
# 1. refusals at start: exit 2 and a message naming what is missing
##############################################################################
refuse() { # NAME ERE LINE...
    local name=$1 ere=$2 rc
    shift 2
    conf "$T/refuse.conf" "$@"
    timeout 20 ip netns exec "$NS_S" "$PB" -c "$T/refuse.conf" serve >"$T/refuse.out" 2>&1
    rc=$?
    expect_eq "$name: exit status 2" "$rc" 2
    if grep -qE -- "$ere" "$T/refuse.out"; then ok "$name: says why"; else
        notok "$name: says why" "no line matching /$ere/ in: $(head -3 "$T/refuse.out" | tr '\n' '|')"; fi
    if sanitizer_report "$T/refuse.out" >/dev/null; then
        notok "$name: no sanitizer report" "$(sanitizer_report "$T/refuse.out")"
    fi
}
refuse "enabled = yes without interface" 'interface' "[dhcp]" "enabled = yes" "range = 10.91.1.1-10.91.1.9"
refuse "enabled = yes without range" 'range' "[dhcp]" "enabled = yes" "interface = $IF_S"
refuse "interface that does not exist" 'nosuch0' "[dhcp]" "enabled = yes" "interface = nosuch0" \
    "range = 10.91.1.1-10.91.1.9"

# a reservation inside the subnet but outside the range: honoured, or refused at start;
# silently handing that MAC a dynamic address is neither
conf "$T/r.conf" "[dhcp]" "enabled = yes" "interface = $IF_S" "range = 10.91.1.1-10.91.1.50" \
    "reserve = 02:00:00:00:ab:01 10.91.0.50"
if start_ns "$T/r.conf" >"$T/r.start"; then
    raw discover --iface "$IF_C" --mac 02:00:00:00:ab:01 --vci "$VCI" --wait 2 >"$T/r.out"
    expect_eq "reservation outside the range (10.91.0.50; range 10.91.1.1-50): honoured, or refused at start" \
        "$(val "$T/r.out" reply) $(val "$T/r.out" yiaddr)" "OFFER 10.91.0.50"
    stop_daemon "daemon with a reservation outside its range: exit 0 on SIGTERM, no sanitizer report"
elif [ "$START_RC" = 2 ] && grep -qiE 'reserv' "$PB_LOG"; then
    ok "reservation outside the range: refused at start ($(grep -m1 -iE 'reserv' "$PB_LOG"))"
else
    notok "reservation outside the range: honoured, or refused at start" \
        "start status ${START_RC:-?}: $(tail -3 "$PB_LOG" | tr '\n' '|')"
fi

##############################################################################
# 2. the main configuration: one subnet here, one relayed, reservations
##############################################################################
A=$T/a.conf
conf "$A" "[dhcp]" "enabled = yes" "interface = $IF_S" "range = 10.91.1.1-10.91.2.254" "router = $SRV" \
    "dns = 10.91.0.53" "domain = phones.test" "ntp = 10.91.0.123" "lease_time = 2h" "phones_only = no" \
    "reserve = 02:00:00:00:aa:01 10.91.1.77" "    02:00:00:00:aa:02 10.91.2.33" \
    "[dhcp.10.88.0.0/24]" "range = 10.88.0.100-10.88.0.150" "router = 10.88.0.1" "lease_time = 30m" \
    "tftp_servers = 10.88.0.5, 10.88.0.6"
start_ns "$A" || { notok "daemon starts with [dhcp] on $IF_S" "see above"; finish; }
ok "daemon starts with [dhcp] on $IF_S"
A_START=$(date +%s)

# --- udhcpc as a phone ---
reset_client 02:00:00:00:c0:01
udhcpc_run "$T/u1.out" -V "$VCI" -O 150 -O 66 -x hostname:SEP0200000000C001
expect_eq "udhcpc (Cisco VCI): exit status 0" "$RC" 0
U1_IP=$(val "$T/u1.out" ip)
expect_in_range "udhcpc (Cisco VCI): address in the range" "$U1_IP" 10.91.1.1 10.91.2.254
expect_eq "udhcpc: option 150 hex" "$(val "$T/u1.out" opt150)" 0a5b0001
expect_eq "udhcpc: option 150 decoded" "$(hex2ips "$(val "$T/u1.out" opt150)")" $SRV
expect_eq "udhcpc: option 66" "$(val "$T/u1.out" tftp)" $SRV
expect_eq "udhcpc: router (3)" "$(val "$T/u1.out" router)" $SRV
expect_eq "udhcpc: subnet mask (1)" "$(val "$T/u1.out" subnet)" 255.255.0.0
expect_eq "udhcpc: DNS (6)" "$(val "$T/u1.out" dns)" 10.91.0.53
expect_eq "udhcpc: domain (15)" "$(val "$T/u1.out" domain)" phones.test
expect_eq "udhcpc: NTP (42)" "$(val "$T/u1.out" ntpsrv)" 10.91.0.123
expect_eq "udhcpc: lease time (51) = 2h" "$(val "$T/u1.out" lease)" 7200
expect_eq "udhcpc: server identifier (54)" "$(val "$T/u1.out" serverid)" $SRV
expect_eq "udhcpc: siaddr (next server)" "$(val "$T/u1.out" siaddr)" $SRV

# a phone that does not ask for 150 and 66 (no request list at all) still gets both
reset_client 02:00:00:00:c0:02
udhcpc_run "$T/u2.out" -V "$VCI" -o
expect_eq "phone without a request list: option 150 still sent" "$(val "$T/u2.out" opt150)" 0a5b0001
expect_eq "phone without a request list: option 66 still sent" "$(val "$T/u2.out" tftp)" $SRV

# a client without the Cisco VCI (busybox sends "udhcp 1.x") gets a lease: phones_only = no
reset_client 02:00:00:00:c0:03
udhcpc_run "$T/u3.out"
expect_eq "phones_only = no: client without the Cisco VCI: exit status 0" "$RC" 0
expect_in_range "phones_only = no: client without the Cisco VCI gets an address" "$(val "$T/u3.out" ip)" \
    10.91.1.1 10.91.2.254

# --- dhcp leases, text and JSON ---
leases "$A"
expect_eq "dhcp leases --json: exit status 0" "$LRC" 0
expect_eq "dhcp leases --json: udhcpc's lease active" "$(lease 02:00:00:00:c0:01 "$U1_IP" state)" active
expect_eq "dhcp leases --json: vendor_class" "$(lease 02:00:00:00:c0:01 "$U1_IP" vendor_class)" "$VCI"
expect_eq "dhcp leases --json: hostname" "$(lease 02:00:00:00:c0:01 "$U1_IP" hostname)" SEP0200000000C001
EXP=$(lease 02:00:00:00:c0:01 "$U1_IP" expires)
expect_match "dhcp leases --json: expires is RFC 3339 UTC" "$EXP" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$'
d=$(( $(date -d "$EXP" +%s 2>/dev/null || echo 0) - $(date +%s) ))
if [ $d -ge 7100 ] && [ $d -le 7210 ]; then ok "dhcp leases --json: expires = now + lease_time (2h)"; else
    notok "dhcp leases --json: expires = now + lease_time (2h)" "expires $EXP is $d s from now, want ~7200"; fi
v=$(python3 - "$T/leases.json" <<'EOF'
import json, re, sys
ls = json.load(open(sys.argv[1]))
bad = []
for l in ls:
    if set(l) != {"mac", "ip", "state", "expires", "hostname", "vendor_class"}:
        bad.append("keys %s" % sorted(l))
    if not re.fullmatch(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}", l.get("mac") or ""):
        bad.append("mac %r" % l.get("mac"))
    if l.get("state") not in ("offered", "active", "released", "expired", "declined"):
        bad.append("state %r" % l.get("state"))
print("%d %s" % (len(ls), "; ".join(bad[:3]) or "fine"))
EOF
)
expect_eq "dhcp leases --json: an array of objects with exactly the six keys, mac aa:bb:..., known states" \
    "${v#* }" fine
"$PB" -c "$A" dhcp leases >"$T/leases.txt" 2>&1
expect_eq "dhcp leases (text): exit status 0" "$?" 0
line=$(grep -E "^02:00:00:00:c0:01 +$U1_IP " "$T/leases.txt")
expect_match "dhcp leases (text): a line with MAC, IP, state, expiry, hostname, vendor class" "$line" \
    "^02:00:00:00:c0:01 +${U1_IP//./\\.} +active +$EXP +SEP0200000000C001 +Cisco Systems, Inc\. IP Phone CP-7906G\$"
n_txt=$(grep -cE '^[0-9a-f]{2}(:[0-9a-f]{2}){5} ' "$T/leases.txt")
expect_eq "dhcp leases (text): a line for each lease of the JSON" "$n_txt" "${v%% *}"

# a phone's VCI ends with a NUL (cisco-facts.md 8.2): not part of the vendor class shown
raw dora --iface "$IF_C" --mac 02:00:00:00:c0:04 --vci "Cisco Systems, Inc. IP Phone CP-7941G" >"$T/n.out"
nip=$(sed -n '/^# ack/,$p' "$T/n.out" | sed -n 's/^yiaddr=//p')
leases "$A"
expect_eq "VCI with its trailing NUL: vendor_class without it" "$(lease 02:00:00:00:c0:04 "$nip" vendor_class)" \
    "Cisco Systems, Inc. IP Phone CP-7941G"

# --- dhclient, option 150 declared as an array of ip-address ---
if command -v dhclient >/dev/null; then
    reset_client 02:00:00:00:c0:05
    : >"$T/dhclient.leases"
    # dhclient_run OUT: until it reports BOUND or REBOOT (at most 10 s), then stopped by PID
    dhclient_run() {
        rm -f "$T/dhclient.pid"
        ip netns exec "$NS_C" dhclient -4 -d -1 -sf "$T/dhclient.hook" -lf "$T/dhclient.leases" \
            -pf "$T/dhclient.pid" -cf "$T/dhclient.conf" "$IF_C" >"$1" 2>&1 &
        local p=$! _
        CPIDS="$CPIDS $p"
        for _ in $(seq 1 100); do
            grep -qE '^REASON (BOUND|REBOOT)' "$1" && break
            kill -0 $p 2>/dev/null || break
            sleep 0.1
        done
        sleep 0.2 # the hook's lines
        kill -TERM $p 2>/dev/null
        wait $p 2>/dev/null
        CPIDS=${CPIDS/ $p/}
        rm -f "$T/dhclient.pid"
    }
    dhclient_run "$T/d1.out"
    D_IP=$(val "$T/d1.out" new_ip_address)
    expect_in_range "dhclient: address in the range" "$D_IP" 10.91.1.1 10.91.2.254
    expect_eq "dhclient: option 150 (cisco-tftp) decoded" "$(val "$T/d1.out" new_cisco_tftp)" $SRV
    expect_eq "dhclient: option 66 (tftp-server-name)" "$(val "$T/d1.out" new_tftp_server_name)" $SRV
    expect_eq "dhclient: routers" "$(val "$T/d1.out" new_routers)" $SRV
    check "dhclient: lease file holds option cisco-tftp $SRV" grep -qF "option cisco-tftp $SRV;" "$T/dhclient.leases"
    # renew: dhclient again with its lease file asks for the same address (INIT-REBOOT)
    dhclient_run "$T/d2.out"
    expect_eq "dhclient again with its lease file: REBOOT" "$(grep -m1 -oE '^REASON (BOUND|REBOOT)' "$T/d2.out")" \
        "REASON REBOOT"
    expect_eq "dhclient again with its lease file: same address" "$(val "$T/d2.out" new_ip_address)" "$D_IP"
    # release: dhclient -r sends DHCPRELEASE for the lease in its lease file
    log_mark
    timeout 15 ip netns exec "$NS_C" dhclient -4 -r -sf "$T/dhclient.hook" -lf "$T/dhclient.leases" \
        -pf "$T/dhclient.pid" -cf "$T/dhclient.conf" "$IF_C" >"$T/d3.out" 2>&1
    since_has "DHCPRELEASE $D_IP from 02:00:00:00:c0:05" 3
    leases "$A"
    expect_eq "dhclient -r: lease released" "$(lease 02:00:00:00:c0:05 "$D_IP" state)" released
else
    ok "# SKIP dhclient: not installed (scripts/deps.sh test)"
fi

# --- udhcpc renew (SIGUSR1) and release on exit (-R) ---
reset_client 02:00:00:00:c0:06
PBD_ADDIP=1 ip netns exec "$NS_C" busybox udhcpc -i "$IF_C" -f -R -t 3 -T 1 -A 2 -s "$T/udhcpc.hook" -V "$VCI" \
    >"$T/ur.out" 2>&1 &
UP=$!
CPIDS="$CPIDS $UP"
for _ in $(seq 1 300); do grep -q '^EVENT bound' "$T/ur.out" && break; sleep 0.1; done
R_IP=$(val "$T/ur.out" ip)
expect_in_range "udhcpc -R: bound to an address in the range" "$R_IP" 10.91.1.1 10.91.2.254
log_mark
kill -USR1 $UP
for _ in $(seq 1 50); do grep -q '^EVENT renew' "$T/ur.out" && break; sleep 0.1; done
expect_eq "udhcpc renew (SIGUSR1): renewed" "$(grep -c '^EVENT renew' "$T/ur.out")" 1
expect_eq "udhcpc renew (SIGUSR1): same address" "$(val "$T/ur.out" ip)" "$R_IP"
check "udhcpc renew: the server ACKed a REQUEST from the bound client" since_has "DHCPACK $R_IP to 02:00:00:00:c0:06"
kill -TERM $UP
wait $UP
rc=$?
CPIDS=${CPIDS/ $UP/}
expect_eq "udhcpc -R: exit status 0 on SIGTERM" "$rc" 0
check "udhcpc -R: sent its release" grep -q 'sending release' "$T/ur.out"
since_has "DHCPRELEASE $R_IP" 3
leases "$A"
expect_eq "after the release: dhcp leases --json says released" "$(lease 02:00:00:00:c0:06 "$R_IP" state)" released
# a new client may have it: it asks for that address and is offered, then acknowledged, it
reset_client 02:00:00:00:c0:01
raw dora --iface "$IF_C" --mac 02:00:00:00:c0:07 --vci "$VCI" --req "$R_IP" >"$T/nr.out"
expect_eq "released address: a new client asking for it is offered it" \
    "$(sed -n '/^# offer/,/^# ack/p' "$T/nr.out" | sed -n 's/^yiaddr=//p')" "$R_IP"
expect_eq "released address: and acknowledged" "$(sed -n '/^# ack/,$p' "$T/nr.out" | sed -n 's/^reply=//p') $(sed -n '/^# ack/,$p' "$T/nr.out" | sed -n 's/^yiaddr=//p')" "ACK $R_IP"
leases "$A"
expect_eq "released address: now the new client's, active" "$(lease 02:00:00:00:c0:07 "$R_IP" state)" active

# --- NAK, INFORM, DECLINE ---
raw request --iface "$IF_C" --mac 02:00:00:00:c0:08 --req 10.50.0.7 --wait 2 >"$T/nak.out"
expect_eq "INIT-REBOOT REQUEST for an address of another network: NAK" "$(val "$T/nak.out" reply)" NAK
raw request --iface "$IF_C" --mac 02:00:00:00:c0:08 --req "$U1_IP" --wait 2 >"$T/nak2.out"
expect_eq "REQUEST for an address another client holds: NAK" "$(val "$T/nak2.out" reply)" NAK
raw inform --iface "$IF_C" --mac 02:00:00:00:c0:09 --ciaddr $CLI --vci "$VCI" --wait 2 >"$T/inf.out"
expect_eq "INFORM from a phone: ACK with option 150, no lease time" \
    "$(val "$T/inf.out" reply) $(val "$T/inf.out" opt150) $(val "$T/inf.out" opt51)" "ACK 0a5b0001 "
raw dora --iface "$IF_C" --mac 02:00:00:00:c0:0a --vci "$VCI" >"$T/dec.out"
dip=$(sed -n '/^# ack/,$p' "$T/dec.out" | sed -n 's/^yiaddr=//p')
raw decline --iface "$IF_C" --mac 02:00:00:00:c0:0a --req "$dip" --server-id $SRV --wait 0.5 >/dev/null
sleep 0.3
leases "$A"
expect_eq "DECLINE: the address is marked declined" "$(lease 02:00:00:00:c0:0a "$dip" state)" declined
raw discover --iface "$IF_C" --mac 02:00:00:00:c0:0b --req "$dip" --wait 2 >"$T/dec2.out"
if [ "$(val "$T/dec2.out" reply)" = OFFER ] && [ "$(val "$T/dec2.out" yiaddr)" != "$dip" ]; then
    ok "DECLINE: the declined address is not offered to the next client asking for it"
else
    notok "DECLINE: the declined address is not offered to the next client asking for it" \
        "reply $(val "$T/dec2.out" reply) yiaddr $(val "$T/dec2.out" yiaddr), declined $dip"
fi

# --- reservations (one per line, the second a continuation line) ---
reset_client 02:00:00:00:aa:01
udhcpc_run "$T/res1.out" -V "$VCI"
expect_eq "reserve: udhcpc with MAC 02:00:00:00:aa:01 gets 10.91.1.77" "$(val "$T/res1.out" ip)" 10.91.1.77
raw dora --iface "$IF_C" --mac 02:00:00:00:aa:02 --vci "$VCI" >"$T/res2.out"
expect_eq "reserve (continuation line): 02:00:00:00:aa:02 gets 10.91.2.33" \
    "$(sed -n '/^# ack/,$p' "$T/res2.out" | sed -n 's/^reply=//p') $(sed -n '/^# ack/,$p' "$T/res2.out" | sed -n 's/^yiaddr=//p')" \
    "ACK 10.91.2.33"
raw discover --iface "$IF_C" --mac 02:00:00:00:aa:03 --vci "$VCI" --req 10.91.1.77 >"$T/res3.out"
y=$(val "$T/res3.out" yiaddr)
if [ "$(val "$T/res3.out" reply)" = OFFER ] && [ "$y" != 10.91.1.77 ] && in_range "$y" 10.91.1.1 10.91.2.254; then
    ok "reserve: another MAC asking for a reserved address is offered another one"
else
    notok "reserve: another MAC asking for a reserved address is offered another one" \
        "reply $(val "$T/res3.out" reply) yiaddr $y"
fi
raw request --iface "$IF_C" --mac 02:00:00:00:aa:03 --req 10.91.2.33 >"$T/res4.out"
expect_eq "reserve: another MAC requesting a reserved address gets NAK" "$(val "$T/res4.out" reply)" NAK
leases "$A"
expect_eq "reserve: dhcp leases shows 10.91.1.77 active for its MAC" "$(lease 02:00:00:00:aa:01 10.91.1.77 state)" active

# --- relayed requests (giaddr): dhcpraw as the relay agent, from 10.88.0.1:67 ---
reset_client 02:00:00:00:c0:01
O82=01060a0b0c0d0e0f020602000000c0ff
raw dora --giaddr $RELAY --src $RELAY --to $SRV --mac 02:00:00:00:88:01 --vci "Cisco Systems, Inc. IP Phone CP-7942G" \
    --opt82 $O82 >"$T/rel.out"
sed -n '/^# offer/,/^# ack/p' "$T/rel.out" >"$T/rel.offer"
sed -n '/^# ack/,$p' "$T/rel.out" >"$T/rel.ack"
expect_eq "relay: OFFER to the relay agent" "$(val "$T/rel.offer" reply)" OFFER
expect_eq "relay: the OFFER comes from the server's port 67 (to the agent's port 67)" "$(val "$T/rel.offer" from)" "$SRV:67"
REL_IP=$(val "$T/rel.offer" yiaddr)
expect_in_range "relay: address from [dhcp.10.88.0.0/24]'s range" "$REL_IP" 10.88.0.100 10.88.0.150
expect_eq "relay: giaddr kept" "$(val "$T/rel.offer" giaddr)" $RELAY
expect_eq "relay: option 82 echoed" "$(val "$T/rel.offer" opt82)" $O82
expect_eq "relay: the section's mask" "$(val "$T/rel.offer" mask)" 255.255.255.0
expect_eq "relay: the section's router" "$(val "$T/rel.offer" router)" 10.88.0.1
expect_eq "relay: the section's lease_time (30m)" "$(val "$T/rel.offer" lease)" 1800
expect_eq "relay: the section's tftp_servers as option 150 (8 bytes)" "$(val "$T/rel.offer" opt150)" 0a5800050a580006
expect_eq "relay: option 66 defaults to the first of them" "$(val "$T/rel.offer" opt66)" 10.88.0.5
expect_eq "relay: ACK for the same address, option 82 echoed, to port 67" \
    "$(val "$T/rel.ack" reply) $(val "$T/rel.ack" yiaddr) $(val "$T/rel.ack" opt82) $(val "$T/rel.ack" from)" \
    "ACK $REL_IP $O82 $SRV:67"
leases "$A"
expect_eq "relay: the lease is in dhcp leases, active" "$(lease 02:00:00:00:88:01 "$REL_IP" state)" active
raw discover --giaddr $RELAY --src $RELAY --to $SRV --mac 02:00:00:00:88:02 >"$T/rel2.out"
expect_eq "relay without option 82: OFFER without option 82" "$(val "$T/rel2.out" reply) $(val "$T/rel2.out" opt82)" "OFFER "
# perfdhcp's way: giaddr inside the [dhcp] subnet itself
raw discover --giaddr $CLI --src $CLI --to $SRV --mac 02:00:00:00:88:03 >"$T/rel3.out"
expect_eq "relay with giaddr in the [dhcp] subnet: OFFER to it on port 67" \
    "$(val "$T/rel3.out" reply) $(val "$T/rel3.out" from)" "OFFER $SRV:67"
expect_in_range "relay with giaddr in the [dhcp] subnet: from the [dhcp] range" "$(val "$T/rel3.out" yiaddr)" \
    10.91.1.1 10.91.2.254
expect_eq "relay with giaddr in the [dhcp] subnet: the [dhcp] mask" "$(val "$T/rel3.out" mask)" 255.255.0.0
log_mark
raw discover --giaddr 10.99.0.1 --src $CLI --to $SRV --mac 02:00:00:00:88:04 --wait 1 >/dev/null
if since_has 'DHCPOFFER .* to 02:00:00:00:88:04' 1; then
    notok "relay from a subnet with no section: no offer" "$(log_since | grep -m1 'DHCPOFFER')"
else
    ok "relay from a subnet with no section: no offer"
fi

# no other DHCP server here: no warning (the probe window is 2 s; we are well past it)
sleep $(( A_START + 3 - $(date +%s) > 0 ? A_START + 3 - $(date +%s) : 0 ))
if grep -q 'ANOTHER DHCP SERVER' "$PB_LOG"; then
    notok "alone on the segment: no ANOTHER DHCP SERVER warning" "$(grep -m1 'ANOTHER' "$PB_LOG")"
else
    ok "alone on the segment: no ANOTHER DHCP SERVER warning"
fi
check "daemon alive, no sanitizer report after the client tests" alive

# --- kill -9 during a burst of 200 clients, then restart ---
reset_client 02:00:00:00:c0:01
BT0=$(date +%s%N)
# 200 clients, at most 24 between DISCOVER and ACK at a time (so the daemon is busy when
# the kill comes); SIGKILL to the daemon's PID at the 80th ACK; every ACK seen is recorded
raw burst --iface "$IF_C" --n 200 --window 24 --seed 7 --ackfile "$T/acks" --kill-pid "$PB_PID" \
    --kill-after 80 --deadline 20 >"$T/burst.out" 2>"$T/burst.err"
echo "# burst: $(tr '\n' ' ' <"$T/burst.out")"
wait "$PB_PID" 2>/dev/null
brc=$?
PB_PID=""
expect_eq "burst: the daemon died of SIGKILL" "$brc" 137
if sanitizer_report "$PB_LOG" >/dev/null; then
    notok "burst: no sanitizer report before the kill" "$(sanitizer_report "$PB_LOG")"
fi
nack=$(wc -l <"$T/acks")
if [ "$nack" -ge 80 ] && [ "$nack" -lt 200 ]; then ok "burst: $nack of 200 clients ACKed before the kill (mid-burst)"; else
    notok "burst: killed mid-burst" "$nack ACKs seen (want 80..199): $(cat "$T/burst.out")"; fi
expect_eq "burst: no address ACKed to two MACs" "$(cut -d' ' -f2 "$T/acks" | sort | uniq -d | head -3 | tr '\n' ' ')" ""
expect_eq "burst: no MAC ACKed two different addresses" "$(cut -d' ' -f1 "$T/acks" | sort | uniq -d | head -3 | tr '\n' ' ')" ""
bad=""
while read -r m i; do in_range "$i" 10.91.1.1 10.91.2.254 || bad="$bad $m=$i"; done <"$T/acks"
expect_eq "burst: every ACKed address in the range" "${bad# }" ""
# missing_acks: ACKed (mac, ip) pairs not active in $T/leases.json
missing_acks() {
    python3 - "$T/acks" "$T/leases.json" <<'EOF'
import json, sys
acks = [l.split() for l in open(sys.argv[1]) if l.strip()]
act = {(l["mac"], l["ip"]) for l in json.load(open(sys.argv[2])) if l["state"] == "active"}
miss = [a for a in acks if tuple(a) not in act]
print("%d %s" % (len(miss), " ".join("%s=%s" % tuple(a) for a in miss[:5])))
EOF
}
leases "$A"
m=$(missing_acks)
expect_eq "after kill -9: every ACKed lease is in the state file, active ($nack)" "$m" "0 "
start_ns "$A" || { notok "restart after kill -9" "see above"; finish; }
ok "restart after kill -9"
leases "$A"
m=$(missing_acks)
expect_eq "after restart: every ACKed lease still active ($nack)" "$m" "0 "
raw reboot --iface "$IF_C" --ackfile "$T/acks" --wait 5 >"$T/reboot.out"
same=$(awk '$3 == "ACK" && $2 == $4' "$T/reboot.out" | wc -l)
expect_eq "after restart: INIT-REBOOT REQUEST (option 50) of each ACKed MAC gets ACK for its address" \
    "$same" "$nack"
[ "$same" = "$nack" ] || awk '!($3 == "ACK" && $2 == $4)' "$T/reboot.out" | head -5 | sed 's/^/#   /'
read -r m1 i1 <"$T/acks"
raw discover --iface "$IF_C" --mac "$m1" --wait 2 >"$T/rd.out"
expect_eq "after restart: an ACKed MAC's DISCOVER is offered its address" "$(val "$T/rd.out" yiaddr)" "$i1"
echo "# burst, kill -9, restart and checks: $(( ($(date +%s%N) - BT0) / 1000000 )) ms"
stop_daemon "daemon restarted after kill -9: exit 0 on SIGTERM, no sanitizer report"

##############################################################################
# 3. two TFTP servers and a server name: udhcpc, dhclient, dhcpcd
##############################################################################
B=$T/b.conf
rm -rf "$T/state"
conf "$B" "[dhcp]" "enabled = yes" "interface = $IF_S" "range = 10.91.1.1-10.91.2.254" "router = $SRV" \
    "tftp_servers = $SRV, 10.91.0.3" "tftp_server_name = tftp.phones.test"
start_ns "$B" || { notok "daemon starts with tftp_servers and tftp_server_name" "see above"; finish; }
reset_client 02:00:00:00:c1:01
udhcpc_run "$T/b1.out" -V "$VCI" -O 150 -O 66
expect_eq "two tftp_servers: udhcpc option 150 carries both (8 bytes)" "$(val "$T/b1.out" opt150)" 0a5b00010a5b0003
expect_eq "two tftp_servers: decoded" "$(hex2ips "$(val "$T/b1.out" opt150)")" "$SRV,10.91.0.3"
expect_eq "tftp_server_name: udhcpc option 66" "$(val "$T/b1.out" tftp)" tftp.phones.test
if command -v dhclient >/dev/null; then
    reset_client 02:00:00:00:c1:02
    : >"$T/dhclient.leases"
    dhclient_run "$T/bd.out"
    expect_in_range "dhclient: address in the range" "$(val "$T/bd.out" new_ip_address)" 10.91.1.1 10.91.2.254
    expect_eq "two tftp_servers: dhclient decodes both" "$(val "$T/bd.out" new_cisco_tftp)" "$SRV 10.91.0.3"
    expect_eq "tftp_server_name: dhclient option 66" "$(val "$T/bd.out" new_tftp_server_name)" tftp.phones.test
    check "dhclient: lease file holds both addresses" grep -qF "option cisco-tftp $SRV,10.91.0.3;" "$T/dhclient.leases"
fi
if command -v dhcpcd >/dev/null; then
    reset_client 02:00:00:00:c1:03
    mkdir -p "$T/dhcpcd-db" "$T/dhcpcd-run"
    cat >"$T/dhcpcd.conf" <<'EOF'
define 150 array ipaddress cisco_tftp
option subnet_mask, routers, tftp_server_name, cisco_tftp
vendorclassid Cisco Systems, Inc. IP Phone CP-7965G
nohook resolv.conf, timesyncd, hostname, ntp.conf, ntp
noarp
noipv4ll
ipv4only
EOF
    # dhcpcd keeps its lease and pid files in /var/lib/dhcpcd and /run: in a mount namespace of
    # its own (ip netns exec makes one) over directories of the test's own
    dhcpcd_run() {
        timeout 30 ip netns exec "$NS_C" sh -c 'mount --bind "$1" /var/lib/dhcpcd && mount --bind "$2" /run &&
            exec dhcpcd -f "$3" -c "$4" --nohook resolv.conf -1 -4 -B -t 10 "$5"' sh \
            "$T/dhcpcd-db" "$T/dhcpcd-run" "$T/dhcpcd.conf" "$T/dhcpcd.hook" "$IF_C" >"$1" 2>&1
        RC=$?
    }
    dhcpcd_run "$T/dc1.out"
    expect_eq "dhcpcd: exit status 0 (oneshot)" "$RC" 0
    DC_IP=$(val "$T/dc1.out" new_ip_address)
    expect_in_range "dhcpcd: address in the range" "$DC_IP" 10.91.1.1 10.91.2.254
    expect_eq "two tftp_servers: dhcpcd decodes both" "$(val "$T/dc1.out" new_cisco_tftp)" "$SRV 10.91.0.3"
    expect_eq "tftp_server_name: dhcpcd option 66" "$(val "$T/dc1.out" new_tftp_server_name)" tftp.phones.test
    reset_client
    dhcpcd_run "$T/dc2.out"
    expect_eq "dhcpcd again with its lease file: same address" "$(val "$T/dc2.out" new_ip_address)" "$DC_IP"
else
    ok "# SKIP dhcpcd: not installed"
fi
stop_daemon "daemon with two tftp_servers: exit 0 on SIGTERM, no sanitizer report"

##############################################################################
# 4. phones_only = yes
##############################################################################
C=$T/c.conf
rm -rf "$T/state"
conf "$C" "[dhcp]" "enabled = yes" "interface = $IF_S" "range = 10.91.1.1-10.91.2.254" "phones_only = yes"
start_ns "$C" || { notok "daemon starts with phones_only = yes" "see above"; finish; }
reset_client 02:00:00:00:c2:01
log_mark
s0=$(date +%s)
timeout 20 ip netns exec "$NS_C" busybox udhcpc -i "$IF_C" -f -q -n -t 2 -T 1 -s "$T/udhcpc.hook" >"$T/po1.out" 2>&1
rc=$?
if [ "$rc" != 0 ] && [ "$rc" != 124 ]; then
    ok "phones_only = yes: udhcpc without the Cisco VCI gets no lease (exit $rc in $(( $(date +%s) - s0 )) s)"
else
    notok "phones_only = yes: udhcpc without the Cisco VCI gets no lease" "exit $rc: $(grep -m1 -E 'lease|ip=' "$T/po1.out")"
fi
if since_has 'DHCP(OFFER|ACK) .* to 02:00:00:00:c2:01' 0; then
    notok "phones_only = yes: nothing sent to the non-phone" "$(log_since | grep -m1 -E 'DHCP(OFFER|ACK)')"
else
    ok "phones_only = yes: nothing sent to the non-phone"
fi
raw discover --iface "$IF_C" --mac 02:00:00:00:c2:02 --wait 1 >"$T/po2.out"
expect_eq "phones_only = yes: a DISCOVER with no VCI at all: no OFFER" "$(val "$T/po2.out" reply)" NONE
raw discover --iface "$IF_C" --mac 02:00:00:00:c2:03 --vci "Cisco Systems Inc" --no-nul --wait 1 >"$T/po3.out"
expect_eq "phones_only = yes: a VCI merely like Cisco's: no OFFER" "$(val "$T/po3.out" reply)" NONE
raw discover --iface "$IF_C" --mac 02:00:00:00:c2:04 --vci "Cisco Systems, Inc." --wait 2 >"$T/po4.out"
expect_eq "phones_only = yes: old firmware's bare \"Cisco Systems, Inc.\" gets an OFFER" "$(val "$T/po4.out" reply)" OFFER
udhcpc_run "$T/po5.out" -V "$VCI"
expect_eq "phones_only = yes: udhcpc with the Cisco VCI: exit status 0" "$RC" 0
expect_in_range "phones_only = yes: udhcpc with the Cisco VCI gets an address" "$(val "$T/po5.out" ip)" \
    10.91.1.1 10.91.2.254
stop_daemon "daemon with phones_only: exit 0 on SIGTERM, no sanitizer report"

##############################################################################
# 5. another DHCP server on the segment (dnsmasq, in the client namespace)
##############################################################################
if command -v dnsmasq >/dev/null; then
    reset_client 02:00:00:00:c3:01
        ip netns exec "$NS_C" dnsmasq --keep-in-foreground --conf-file=/dev/null --port=0 --interface="$IF_C" \
        --bind-interfaces --dhcp-range=10.91.3.1,10.91.3.50,255.255.0.0,1h --dhcp-leasefile="$T/dnsmasq.leases" \
        --no-ping --log-facility=- --pid-file= --user=root >"$T/dnsmasq.log" 2>&1 &
    DM_PID=$!
    # dnsmasq is up once it answers a DISCOVER of ours
    dm_ok=""
    for _ in 1 2 3 4 5; do
        ip netns exec "$NS_S" python3 "$DRAW" discover --iface "$IF_S" --mac 02:00:00:00:c3:02 --wait 1 \
            >"$T/dm.out" 2>&1
        [ "$(val "$T/dm.out" reply)" = OFFER ] && { dm_ok=1; break; }
    done
    if [ -z "$dm_ok" ]; then
        notok "dnsmasq answers on the segment (set-up)" "$(tail -3 "$T/dnsmasq.log" | tr '\n' '|')"
    else
        D=$T/d.conf
        rm -rf "$T/state"
        conf "$D" "[dhcp]" "enabled = yes" "interface = $IF_S" "range = 10.91.1.1-10.91.2.254"
        if start_ns "$D"; then
            if log_has "ANOTHER DHCP SERVER answers on $IF_S: $CLI offered 10\.91\.3\." 5; then
                ok "another DHCP server on the segment: ANOTHER DHCP SERVER warning naming it"
            else
                notok "another DHCP server on the segment: ANOTHER DHCP SERVER warning naming it" \
                    "none in 5 s: $(grep -iE 'another|probe' "$PB_LOG" | head -2 | tr '\n' '|')"
            fi
            stop_daemon "daemon next to dnsmasq: exit 0 on SIGTERM, no sanitizer report"
        else
            notok "daemon starts next to dnsmasq" "see above"
        fi
    fi
    kill -TERM "$DM_PID" 2>/dev/null
    wait "$DM_PID" 2>/dev/null
    DM_PID=""
else
    ok "# SKIP another DHCP server: dnsmasq not installed"
fi

echo "# dhcp_server.sh: $(( $(date +%s) - T0 )) s"
finish
