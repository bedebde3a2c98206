#!/bin/bash
# pbx_export.sh - `phoneboot pbx export --format pjsip|sip|freepbx-csv [-o FILE]` on phones
# added with `phone add` (hostile names: ; " , and UTF-8): the pjsip and sip files pass the
# Asterisk grammar checker (asterisk_conf.py), also #included from a main file, and broken
# copies of them do not; every secret as Asterisk reads it equals `phone show --secret`; the
# [pbx] keys reach the files; -o writes 0600 and atomically (a refused export leaves the old
# file as it was, with no temporary file beside it); the CSV imported back with
# `phone import --macs --update` leaves the inventory unchanged; bad arguments exit 2 with
# their messages.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

CHECK="python3 $HERE/asterisk_conf.py"
PORT=$(free_port)
write_conf "$T/conf"
# pb ARG...: `phoneboot -c $T/conf ARG...`; stdout in $T/out, stderr in $T/err, status in $RC
pb() {
    "$PHONEBOOT" -c "$T/conf" "$@" >"$T/out" 2>"$T/err"
    RC=$?
}
# refused NAME WANT-RC ERE ARG...: the command exits WANT-RC with a stderr line matching ERE
refused() {
    local name=$1 want=$2 ere=$3
    shift 3
    pb "$@"
    if [ "$RC" != "$want" ]; then
        notok "$name" "exit $RC, want $want; stderr: $(head -3 "$T/err")"
    elif ! grep -qE -- "$ere" "$T/err"; then
        notok "$name" "stderr '$(head -3 "$T/err")' does not match /$ere/"
    else
        ok "$name"
    fi
}
# checked NAME KIND FILE: the checker accepts FILE
checked() {
    if out=$($CHECK "$2" "$3" 2>&1); then ok "$1"; else notok "$1" "$out"; fi
}
# broken NAME KIND FILE ERE: the checker refuses FILE with a message matching ERE
broken() {
    local out
    if out=$($CHECK "$2" "$3" 2>&1); then
        notok "$1" "accepted"
    elif ! grep -qE -- "$4" <<<"$out"; then
        notok "$1" "'$out' does not match /$4/"
    else
        ok "$1"
    fi
}

refused "export with no inventory yet: says so" 1 \
    '^phoneboot pbx: no inventory: .*/phoneboot.db does not exist' pbx export --format pjsip

pb phone add 00:1e:4a:00:00:01 --model 7906 --ext 100 --name 'Ann "Boss"; Sales, 2nd'
pb phone add 00:1e:4a:00:00:02 --model 7911 --ext 101 --name 'Jürgen Øster' --secret 'ab;--c9'
pb phone add 00:1e:4a:00:00:03 --model 7962 --ext 1002 --name 'Smith, Bob' --label 'Bob1002'
pb phone add 00:1e:4a:00:00:04 --model 7906 --ext 99 --name 'semi;colon;' --secret 'x"y,z'
expect_eq "setup: four phones added" "$(pb phone list --json; python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$T/out")" 4

# ---- pjsip ----
pb pbx export --format pjsip -o "$T/pjsip.conf"
expect_eq "pjsip -o: exit 0" "$RC" 0
expect_eq "pjsip -o: says how many phones went where" "$(cat "$T/err")" \
    "phoneboot pbx: 4 phones written to $T/pjsip.conf"
expect_eq "pjsip -o: the file is mode 0600 (it holds secrets)" "$(stat -c %a "$T/pjsip.conf")" 600
checked "pjsip: the checker accepts the export" pjsip "$T/pjsip.conf"
$CHECK pjsip "$T/pjsip.conf" --dump >"$T/pjsip.dump"
expect_eq "pjsip: an endpoint, an auth and an aor per phone" \
    "$(cut -f1 "$T/pjsip.dump" | sort | uniq -c | awk '{printf "%s=%s ", $2, $1}')" \
    "aor=$(( 4 * 4 )) auth=$(( 4 * 4 )) endpoint=$(( 4 * 13 )) transport=3 "
expect_eq "pjsip: a tcp transport of its own on 5060 (the defaults)" \
    "$(grep -P '^transport\t' "$T/pjsip.dump" | cut -f2- | tr '\t\n' ' |')" \
    "phoneboot-tcp type transport|phoneboot-tcp protocol tcp|phoneboot-tcp bind 0.0.0.0:5060|"
grep -q 'TCP must be enabled on the PBX' "$T/pjsip.conf"
check "pjsip: the header says TCP must be enabled on the PBX" [ $? = 0 ]
grep -q '#include' "$T/pjsip.conf"
check "pjsip: the header says how to #include it" [ $? = 0 ]
expect_eq "pjsip: the digest user is the extension" \
    "$(grep -P '^auth\t101-auth\tusername\t' "$T/pjsip.dump" | cut -f4)" 101
expect_eq "pjsip: the callerid as Asterisk reads it (';' kept, '\"' made ')" \
    "$(grep -P '^endpoint\t100\tcallerid\t' "$T/pjsip.dump" | cut -f4)" "\"Ann 'Boss'; Sales, 2nd\" <100>"
expect_eq "pjsip: a UTF-8 name unchanged" \
    "$(grep -P '^endpoint\t101\tcallerid\t' "$T/pjsip.dump" | cut -f4)" '"Jürgen Øster" <101>'
for mac_ext in 00:1e:4a:00:00:01=100 00:1e:4a:00:00:02=101 00:1e:4a:00:00:03=1002 00:1e:4a:00:00:04=99; do
    mac=${mac_ext%=*} ext=${mac_ext#*=}
    pb phone show "$mac" --secret --json
    want=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["secret"])' "$T/out")
    expect_eq "pjsip: extension $ext's password as Asterisk reads it is phone show --secret's" \
        "$(grep -P "^auth\t$ext-auth\tpassword\t" "$T/pjsip.dump" | cut -f4)" "$want"
    eval "SECRET_$ext=\$want"
done

# the file as it is meant to be used: #included from the PBX's own pjsip.conf
mkdir -p "$T/etc"
cp "$T/pjsip.conf" "$T/etc/phoneboot-pjsip.conf"
printf '[global]\ntype = global\n\n#include phoneboot-pjsip.conf\n' >"$T/etc/pjsip.conf"
checked "pjsip: accepted #included from a pjsip.conf" pjsip "$T/etc/pjsip.conf"

# broken copies: the checker is not a rubber stamp
b() { sed "$1" "$T/pjsip.conf" >"$T/broken.conf"; }
b 's/^aors = 100$/aors = 1000/'
broken "checker refuses: an endpoint naming a missing aor" pjsip "$T/broken.conf" 'aors = 1000: no aor section \[1000\]'
b 's/^auth = 101-auth$/auth = 101-a/'
broken "checker refuses: an endpoint naming a missing auth" pjsip "$T/broken.conf" 'no auth section \[101-a\]'
b 's/^transport = phoneboot-tcp$/transport = phoneboot-udp/'
broken "checker refuses: an endpoint naming a missing transport" pjsip "$T/broken.conf" 'no transport section'
b 's/^protocol = tcp$/protocol = sctp/'
broken "checker refuses: a transport protocol pjsip lacks" pjsip "$T/broken.conf" 'protocol = sctp is not'
b 's/^bind = .*/bind = 0.0.0.0:99999/'
broken "checker refuses: a bad bind" pjsip "$T/broken.conf" 'bind = 0.0.0.0:99999'
b '/^password = /d'
broken "checker refuses: an auth without a password" pjsip "$T/broken.conf" 'has no password'
b 's/^type = aor$/type = aors/'
broken "checker refuses: an unknown object type" pjsip "$T/broken.conf" 'type = aors is not a pjsip object type'
b '0,/^type = endpoint$/s//typ = endpoint/'
broken "checker refuses: a section without a type" pjsip "$T/broken.conf" '\[99\] has no type'
b 's/^\[100-auth\]$/[101-auth]/'
broken "checker refuses: two auths of one name" pjsip "$T/broken.conf" 'a second auth of that name'
b 's/^direct_media = no$/direct_media = maybe/'
broken "checker refuses: a boolean that is not one" pjsip "$T/broken.conf" 'expected yes or no'
b 's/^dtmf_mode = rfc4733$/dtmf_mode = rfc2833/'
broken "checker refuses: chan_sip's dtmf name in pjsip" pjsip "$T/broken.conf" 'dtmf_mode = rfc2833 is not'
b 's/^\[100\]$/[100/'
broken "checker refuses: a section header without ]" pjsip "$T/broken.conf" 'section header'
b 's/^remove_existing = yes$/remove_existing/'
broken "checker refuses: a line without =" pjsip "$T/broken.conf" "no '='"
b 's/^\(callerid = .*\)\\;/\1;/'
broken "checker refuses: an unescaped ; cuts the callerid" pjsip "$T/broken.conf" 'callerid = "Ann .Boss.: expected'
b 's/^; Asterisk pjsip.conf/;-- Asterisk pjsip.conf/'
broken "checker refuses: a block comment never closed" pjsip "$T/broken.conf" 'never closed'
b 's/^type = endpoint$/type = endpoint\r/'
broken "checker refuses: a carriage return" pjsip "$T/broken.conf" 'control character'
b '1i\
#include missing.conf'
broken "checker refuses: an #include of a missing file" pjsip "$T/broken.conf" '#include missing.conf: no such file'
b 's/^\[100\]$/[100](tpl)/'
broken "checker refuses: a template used but not defined" pjsip "$T/broken.conf" 'no template defined above'
# and it reads what Asterisk reads: a template, =>, a \; and a ;-- --; block
cat >"$T/good.conf" <<'EOF'
;-- a block comment
[not-a-section]
--;
[ep-tpl](!)
type => endpoint
disallow = all ; a comment
[t1]
type = transport
protocol = udp
bind = [::]:5060
[7](ep-tpl)
aors = 7
[7]
type = aor
[7](+)
max_contacts = 1
[a7]
type = auth
username = 7
password = p\;w
EOF
checked "checker accepts templates, =>, [::] binds, (+) and block comments" pjsip "$T/good.conf"
expect_eq "checker unescapes \\; as Asterisk does" \
    "$($CHECK pjsip "$T/good.conf" --dump | grep -P '^auth\ta7\tpassword' | cut -f4)" 'p;w'

# ---- sip (chan_sip) ----
pb pbx export --format sip -o "$T/sip.conf"
expect_eq "sip -o: exit 0" "$RC" 0
checked "sip: the checker accepts the export" sip "$T/sip.conf"
grep -q '^;   tcpenable = yes$' "$T/sip.conf"
check "sip: the header names tcpenable = yes for [general]" [ $? = 0 ]
$CHECK sip "$T/sip.conf" --dump >"$T/sip.dump"
for ext in 100 101 1002 99; do
    eval "want=\$SECRET_$ext"
    expect_eq "sip: peer $ext's secret as Asterisk reads it is phone show --secret's" \
        "$(grep -P "^friend\t$ext\tsecret\t" "$T/sip.dump" | cut -f4)" "$want"
done
expect_eq "sip: peer 1002 registers as its extension, over tcp" \
    "$(grep -P '^friend\t1002\t(defaultuser|host|transport)\t' "$T/sip.dump" | cut -f3,4 | tr '\t\n' '=,')" \
    "host=dynamic,defaultuser=1002,transport=tcp,"
sed '/^secret = /d' "$T/sip.conf" >"$T/broken.conf"
broken "checker refuses: a peer without a secret" sip "$T/broken.conf" 'has no secret'
sed 's/^host = dynamic$/host =/' "$T/sip.conf" >"$T/broken.conf"
broken "checker refuses: a peer without a host" sip "$T/broken.conf" 'has no host'
sed 's/^type = friend$/type = phone/' "$T/sip.conf" >"$T/broken.conf"
broken "checker refuses: a peer of no type" sip "$T/broken.conf" 'expected friend, peer or user'
sed 's/^transport = tcp$/transport = sctp/' "$T/sip.conf" >"$T/broken.conf"
broken "checker refuses: a transport chan_sip lacks" sip "$T/broken.conf" 'transport = sctp'

# ---- [pbx] reaches the files ----
write_conf "$T/conf2" "[pbx]" "transport = udp" "sip_port = 5160" "context = phones"
"$PHONEBOOT" -c "$T/conf2" pbx export --format pjsip >"$T/udp.conf" 2>"$T/err"
expect_eq "[pbx] udp: exit 0, to stdout" "$?" 0
checked "[pbx] udp: the checker accepts it" pjsip "$T/udp.conf"
expect_eq "[pbx] udp: a udp transport on 5160, context phones" \
    "$($CHECK pjsip "$T/udp.conf" --dump | grep -P '^(transport\t|endpoint\t100\t(context|transport)\t)' | cut -f3,4 | tr '\t\n' '=,')" \
    "type=transport,protocol=udp,bind=0.0.0.0:5160,transport=phoneboot-udp,context=phones,"
grep -q 'TCP must be enabled' "$T/udp.conf"
check "[pbx] udp: no word about TCP" [ $? != 0 ]
"$PHONEBOOT" -c "$T/conf2" pbx export --format sip >"$T/udp-sip.conf" 2>"$T/err"
expect_eq "[pbx] udp, sip: udpbindaddr named, no tcpenable" \
    "$(grep -c '^;   udpbindaddr = 0.0.0.0:5160$' "$T/udp-sip.conf"),$(grep -c tcpenable "$T/udp-sip.conf")" "1,0"

# ---- FreePBX CSV, and back ----
pb pbx export --format freepbx-csv -o "$T/extensions.csv"
expect_eq "csv -o: exit 0, 0600" "$RC,$(stat -c %a "$T/extensions.csv")" "0,600"
expect_eq "csv: header" "$(head -1 "$T/extensions.csv")" "extension,name,description,tech,secret,label"
expect_eq "csv: fputcsv quoting of , \" and spaces" "$(grep '^100,' "$T/extensions.csv")" \
    "100,\"Ann \"\"Boss\"\"; Sales, 2nd\",\"Ann \"\"Boss\"\"; Sales, 2nd\",pjsip,$SECRET_100,"
expect_eq "csv: LF line ends, no BOM" \
    "$(grep -c $'\r' "$T/extensions.csv"),$(head -c3 "$T/extensions.csv" | od -An -tx1 | tr -d ' ')" "0,657874"
pb phone list --json
cp "$T/out" "$T/before.json"
for mac_ext in 00:1e:4a:00:00:01=100 00:1e:4a:00:00:02=101 00:1e:4a:00:00:03=1002 00:1e:4a:00:00:04=99; do
    pb phone show "${mac_ext%=*}" --secret
    grep '^secret' "$T/out"
done >"$T/secrets.before"
printf 'mac,extension,model\n00:1e:4a:00:00:01,100,7906\n00:1e:4a:00:00:02,101,7911\n00:1e:4a:00:00:03,1002,7962\n00:1e:4a:00:00:04,99,7906\n' \
    >"$T/macs.csv"
pb phone import "$T/extensions.csv" --macs "$T/macs.csv" --update
expect_eq "csv back in with phone import --macs --update: exit 0" "$RC" 0
expect_match "csv back in: every phone unchanged" "$(cat "$T/out")" '0 added, 0 updated, 4 unchanged'
pb phone list --json
expect_eq "csv back in: phone list --json as before" "$(cat "$T/out")" "$(cat "$T/before.json")"
for mac_ext in 00:1e:4a:00:00:01=100 00:1e:4a:00:00:02=101 00:1e:4a:00:00:03=1002 00:1e:4a:00:00:04=99; do
    pb phone show "${mac_ext%=*}" --secret
    grep '^secret' "$T/out"
done >"$T/secrets.after"
expect_eq "csv back in: every secret as before" "$(cat "$T/secrets.after")" "$(cat "$T/secrets.before")"

# ---- -o is atomic ----
cp "$T/pjsip.conf" "$T/keep.conf"
pb pbx export --format freepbx-csv -o "$T/pjsip.conf"
expect_eq "-o over an existing file: replaced, still 0600" "$(head -1 "$T/pjsip.conf"),$(stat -c %a "$T/pjsip.conf")" \
    "extension,name,description,tech,secret,label,600"
cp "$T/keep.conf" "$T/pjsip.conf"
pb phone set 00:1e:4a:00:00:04 --name "back\\slash\\"
refused "-o: a phone the CSV cannot carry is refused, naming it" 1 \
    "^phoneboot pbx: $T/pjsip.conf: extension 99 \(00:1e:4a:00:00:04\): name has a backslash" \
    pbx export --format freepbx-csv -o "$T/pjsip.conf"
expect_eq "-o refused: the old file is left as it was" "$(sha "$T/pjsip.conf")" "$(sha "$T/keep.conf")"
expect_eq "-o refused: no temporary file left beside it" "$(find "$T" -maxdepth 1 -name '.pjsip.conf.*' | wc -l)" 0
pb pbx export --format pjsip -o "$T/pjsip.conf"
expect_eq "the same name is fine for pjsip" "$RC" 0
refused "-o into a missing directory names it" 1 "^phoneboot pbx: $T/nodir/x.conf: cannot create a file beside it" \
    pbx export --format pjsip -o "$T/nodir/x.conf"

"$PHONEBOOT" -c "$T/conf" pbx export --format sip >/dev/full 2>"$T/err"
expect_eq "stdout that cannot be written: exit 1, said so" "$?:$(cat "$T/err")" \
    "1:phoneboot pbx: writing failed: No space left on device"

# ---- bad arguments ----
refused "no subcommand" 2 '^phoneboot pbx: a subcommand is missing' pbx
refused "unknown subcommand" 2 "^phoneboot pbx: unknown subcommand 'import'" pbx import
refused "no --format" 2 '^phoneboot pbx: export: --format is required' pbx export
refused "unknown --format" 2 "^phoneboot pbx: export: --format expects pjsip, sip or freepbx-csv, not 'csv'" \
    pbx export --format csv
refused "--format without a value" 2 "^phoneboot pbx: a value is missing after '--format'" pbx export --format
refused "-o without a value" 2 "^phoneboot pbx: a value is missing after '-o'" pbx export --format sip -o
refused "unknown argument" 2 "^phoneboot pbx: export: unknown argument '--json'" pbx export --format sip --json
refused "usage is printed with the error" 2 '^usage: phoneboot pbx export --format pjsip\|sip\|freepbx-csv \[-o FILE\]$' \
    pbx export
printf '[pbx]\ntransport = tls\n' >"$T/bad.conf"
"$PHONEBOOT" -c "$T/bad.conf" pbx export --format sip >/dev/null 2>"$T/err"
expect_eq "a bad [pbx] key: exit 2 with file and line" "$?:$(cat "$T/err")" \
    "2:phoneboot: $T/bad.conf:2: [pbx] transport = tls: expected tcp or udp"

finish
