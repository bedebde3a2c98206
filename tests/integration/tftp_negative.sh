#!/bin/bash
# tftp_negative.sh - what the server refuses and how (traversal, absolute paths, symlinks
# out of the root, missing files, write requests, malformed packets, options out of range,
# limits), what it must still do right at the edges (OACK contents, duplicate ACKs,
# retransmission, case-insensitive names, phone-style separators, uploads), and that after
# every negative case it still runs and still serves.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

R=$T/root
make_file "$R/f1500" 1500
make_file "$R/f1000" 1000
make_file "$R/f2M" 2097152
: >"$R/empty"
echo lower >"$R/a.txt"
echo upper >"$R/A.txt"
mkdir -p "$R/sub"
echo "sub file" >"$R/sub/file"
echo "jar image" >"$R/jar11sip.9-4-2ES9.sbn"
echo "<CiscoIPPhoneRingList/>" >"$R/Ringlist.xml"
echo "SEP config" >"$R/SEP001122334455.cnf.xml"
echo "outside the root" >"$T/secret"
ln -s /etc/hostname "$R/link"        # absolute, out of the root
ln -s ../secret "$R/rellink"         # relative, out of the root
ln -s .. "$R/updir"                  # a directory link out of the root
ln -s sub/file "$R/inlink"           # relative, inside
ln -s "$R/sub/file" "$R/abslink"     # absolute, but inside the root
mkdir -p "$R-sibling" && echo "beside the root" >"$R-sibling/file"
ln -s "$R-sibling/file" "$R/siblink" # absolute, to a directory whose name starts like the root's

# raw ARGS...: the first reply line of tftpraw.py against the daemon (1 s wait)
raw() { $RAW --wait 1 "$PORT" "$@" 2>&1; }

# neg NAME ERE ARGS...: a negative case: the reply matches, and the server still serves
neg() {
    local name=$1 want=$2 got
    shift 2
    got=$(raw "$@")
    expect_match "$name" "$got" "$want"
    check_served "$name"
}

# pos NAME WANT ARGS...: the exact reply
pos() {
    local name=$1 want=$2
    shift 2
    expect_eq "$name" "$(raw "$@")" "$want"
}

# served NAME REMOTE LOCAL-ORIGINAL: a whole download equals the file
served() {
    local name=$1 remote=$2 orig=$3 got
    rm -f "$T/dl"
    got=$($RAW --wait 2 --out "$T/dl" "$PORT" get "$remote" 2>&1)
    if [[ $got != OK* ]]; then
        notok "$name" "download: $got"
    elif ! cmp -s "$T/dl" "$orig"; then
        notok "$name" "served bytes differ from $orig: $(head -c 60 "$T/dl" | tr -c '[:print:]' .)"
    else
        ok "$name"
    fi
}

write_conf "$T/conf"
start_daemon "$T/conf" || { notok "daemon starts" "see the log above"; finish; }

# --- names that leave the root ---
neg "RRQ ../etc/passwd: ERROR 2" '^ERROR 2 ' rrq ../etc/passwd octet
neg "RRQ a/../../x: ERROR 2" '^ERROR 2 ' rrq a/../../x octet
neg 'RRQ ..\..\x (backslashes): ERROR 2' '^ERROR 2 ' rrq '..\..\x' octet
neg "RRQ ../secret (exists outside the root): ERROR 2" '^ERROR 2 ' rrq ../secret octet
neg "RRQ /etc/passwd means root/etc/passwd: ERROR 1, not the system file" '^ERROR 1 ' \
    rrq /etc/passwd octet
got=$($RAW --wait 1 --out "$T/dl" "$PORT" get /etc/passwd 2>&1)
if [ -s "$T/dl" ] || [[ $got == OK* ]]; then
    notok "/etc/passwd is never served" "got: $got"
else
    ok "/etc/passwd is never served"
fi
neg "symlink to /etc/hostname: ERROR 2" '^ERROR 2 ' rrq link octet
neg "relative symlink to ../secret: ERROR 2" '^ERROR 2 ' rrq rellink octet
neg "through a directory symlink to ..: ERROR 2" '^ERROR 2 ' rrq updir/secret octet
served "relative symlink inside the root is followed" inlink "$R/sub/file"
# an absolute link that points back inside the root is followed (the opened file is checked)
got=$($RAW --wait 2 --out "$T/dl" "$PORT" get abslink 2>&1)
if [[ $got == OK* ]] && cmp -s "$T/dl" "$R/sub/file"; then
    ok "absolute symlink into the root: followed"
else
    notok "absolute symlink into the root: followed" "got: $got"
fi
got=$($RAW --wait 2 --out "$T/dl" "$PORT" get ABSLINK 2>&1)
if [[ $got == OK* ]] && cmp -s "$T/dl" "$R/sub/file"; then
    ok "absolute symlink into the root, asked in another case: followed"
else
    notok "absolute symlink into the root, asked in another case: followed" "got: $got"
fi
neg "absolute symlink to a sibling of the root with the same prefix: ERROR 2" '^ERROR 2 ' rrq siblink octet
neg "a 600-byte name: an ERROR" '^ERROR [0-9]+ ' rrq "$(printf 'a%.0s' $(seq 600))" octet
neg "an empty name: an ERROR" '^ERROR [0-9]+ ' rrq "" octet
neg "a directory: an ERROR" '^ERROR [0-9]+ ' rrq sub octet

# --- missing file ---
neg "missing file: ERROR 1" '^ERROR 1 ' rrq no-such-file octet
neg "missing file in a missing directory: ERROR 1" '^ERROR 1 ' rrq nodir/no-such-file octet

# --- case-insensitive lookup (phones ask for Jar11sip... and RINGLIST.XML); these come after
# lookups of missing names on purpose: every lookup must work, not only the daemon's first ---
served "Jar11sip.9-4-2ES9.sbn serves jar11sip.9-4-2ES9.sbn" Jar11sip.9-4-2ES9.sbn \
    "$R/jar11sip.9-4-2ES9.sbn"
served "RINGLIST.XML serves Ringlist.xml" RINGLIST.XML "$R/Ringlist.xml"
served "ringlist.xml serves Ringlist.xml" ringlist.xml "$R/Ringlist.xml"
served "sep001122334455.CNF.XML serves SEP001122334455.cnf.xml" sep001122334455.CNF.XML \
    "$R/SEP001122334455.cnf.xml"
served "SUB/FILE serves sub/file (each component ignores case)" SUB/FILE "$R/sub/file"
served "Jar11sip.9-4-2ES9.sbn again (the lookup works every time)" Jar11sip.9-4-2ES9.sbn \
    "$R/jar11sip.9-4-2ES9.sbn"
served "a.txt and A.txt both exist: a.txt gets a.txt (exact wins)" a.txt "$R/a.txt"
served "a.txt and A.txt both exist: A.txt gets A.txt (exact wins)" A.txt "$R/A.txt"
neg "case-insensitive lookup does not escape: ../SECRET: ERROR 2" '^ERROR 2 ' rrq ../SECRET octet
neg "case-insensitive lookup does not follow a link out: LINK: ERROR 2" '^ERROR 2 ' rrq LINK octet

# --- separators as phones send them ---
served "/sub/file (leading /) serves root/sub/file" /sub/file "$R/sub/file"
served 'sub\file (backslash) serves root/sub/file' 'sub\file' "$R/sub/file"
served '\sub\file (leading backslash) serves root/sub/file' '\sub\file' "$R/sub/file"
served "/f1500 serves root/f1500" /f1500 "$R/f1500"

# --- write requests without allow_write ---
neg "WRQ without allow_write: ERROR 2" '^ERROR 2 ' --wrq rrq newfile octet
echo upload >"$T/up.txt"
out=$(cd "$T" && timeout -k 5 30 tftp 127.0.0.1 "$PORT" -m binary -c put "$T/up.txt" newfile 2>&1)
expect_match "tftp-hpa put without allow_write: Error code 2" "$out" 'Error code 2'
check_served "tftp-hpa put refused"
timeout -k 5 30 curl -sS --max-time 20 -T "$T/up.txt" "tftp://127.0.0.1:$PORT/newfile2" >/dev/null 2>&1
rc=$?
if [ "$rc" = 0 ]; then notok "curl -T without allow_write: fails" "curl exit 0"; else
    ok "curl -T without allow_write: fails (curl exit $rc)"; fi
check_served "curl upload refused"
if [ -n "$(find "$T" -name 'newfile*' -print -quit)" ]; then
    notok "refused uploads wrote nothing" "$(find "$T" -name 'newfile*')"
else
    ok "refused uploads wrote nothing"
fi

# --- malformed packets ---
neg "1-byte packet: dropped or ERROR 4" '^(NONE|ERROR 4 .*)$' send 00
neg "2-byte RRQ opcode only: dropped or ERROR 4" '^(NONE|ERROR 4 .*)$' send 0001
neg "unknown opcode 9: ERROR 4" '^ERROR 4 ' send 0009612e74787400
neg "opcode 0: ERROR 4" '^ERROR 4 ' send 0000612e74787400
neg "RRQ without the name's NUL: dropped or ERROR 4" '^(NONE|ERROR 4 .*)$' send 0001612e747874
neg "RRQ without the mode's NUL: dropped or ERROR 4" '^(NONE|ERROR 4 .*)$' \
    send 0001612e747874006f63746574
neg "RRQ without a mode: dropped or ERROR 4" '^(NONE|ERROR 4 .*)$' send 0001612e74787400
neg 'RRQ mode "binary": ERROR 4' '^ERROR 4 ' rrq a.txt binary
neg 'RRQ mode "": ERROR 4' '^ERROR 4 ' rrq a.txt ""
neg "a 1400-byte packet of 0xff: dropped or ERROR 4" '^(NONE|ERROR 4 .*)$' \
    send "$(printf 'ff%.0s' $(seq 1400))"
neg "a 1400-byte packet of zeros: dropped or ERROR 4" '^(NONE|ERROR 4 .*)$' \
    send "$(printf '00%.0s' $(seq 1400))"
neg "ACK sent to the server port: no answer" '^NONE$' send 00040001
neg "DATA sent to the server port: no answer" '^NONE$' send 000300017878
neg "ERROR sent to the server port: no answer" '^NONE$' send 0005000078797a00
neg "OACK sent to the server port: no answer or ERROR 4" '^(NONE|ERROR 4 .*)$' \
    send 0006626c6b73697a650035313200
neg "a client-chosen name with control bytes: ERROR 1 or 2, not a crash" '^ERROR (1|2) ' \
    rrq $'evil\x1b[2J\nfake line\x7f\xff' octet
if grep -q $'\x1b' "$PB_LOG" || grep -q '^fake line' "$PB_LOG"; then
    notok "control bytes in a name are escaped in the log" "raw ESC or newline in the log"
else
    ok "control bytes in a name are escaped in the log"
fi

# an ERROR from the client with a 400-byte message ends the transfer at once (with io_uring
# it is longer than a receive buffer: it must not be dropped and left to time out)
log_mark
long=$(printf 'm%.0s' $(seq 400))
pos "RRQ, then ERROR 0 with a 400-byte message" "DATA 1 512" --errmsg "$long" rrq f1500 octet
check "the long ERROR aborts the transfer, its message cut in the log" \
    since_has "RRQ f1500 127\\.0\\.0\\.1: aborted by client: m{128}\$"
check_served "a long ERROR from the client"

# --- options out of range: ERROR 8 ---
for o in "blksize 7" "blksize 0" "blksize 65465" "blksize 70000" "blksize 99999" "blksize abc" \
    "blksize -1" "timeout 0" "timeout 256" "windowsize 0" "windowsize 65536"; do
    # shellcheck disable=SC2086
    neg "option $o: ERROR 8" '^ERROR 8 ' rrq f1000 octet $o
done
# shellcheck disable=SC2046 # one word per option name and value
neg "17 options: an ERROR or served, never a crash" '^(ERROR (4|8) |DATA 1 512$|OACK)' \
    rrq f1000 octet $(for i in $(seq 17); do echo "x$i 1"; done)

# --- options accepted: OACK only for what was asked and accepted ---
pos "unknown option only: no OACK, DATA 1 at once" "DATA 1 512" rrq f1500 octet foo bar
# shellcheck disable=SC2046
pos "16 unknown options: ignored, DATA 1" "DATA 1 512" \
    rrq f1000 octet $(for i in $(seq 16); do echo "x$i 1"; done)
pos "tsize 0 on a 1000-byte file: OACK tsize=1000" "OACK tsize=1000" rrq f1000 octet tsize 0
pos "tsize 0 on an empty file: OACK tsize=0" "OACK tsize=0" rrq empty octet tsize 0
pos "blksize 2000 under max_blksize 1468: OACK blksize=1468" "OACK blksize=1468" \
    rrq f1000 octet blksize 2000
pos "blksize 65464: OACK blksize=1468" "OACK blksize=1468" rrq f1000 octet blksize 65464
pos "blksize 8: OACK blksize=8" "OACK blksize=8" rrq f1000 octet blksize 8
pos "timeout 1: OACK timeout=1" "OACK timeout=1" rrq f1000 octet timeout 1
pos "timeout 255: OACK timeout=255" "OACK timeout=255" rrq f1000 octet timeout 255
pos "windowsize 65535 under max_windowsize 64: OACK windowsize=64" "OACK windowsize=64" \
    rrq f1000 octet windowsize 65535
got=$(raw rrq f1000 octet BLKSIZE 1024 TSize 0 timeout 3 windowsize 4 foo 1)
got=$(tr ' ' '\n' <<<"${got#OACK }" | sort | tr '\n' ' ')
expect_eq "four options and an unknown one (names in any case): OACK has exactly the four" \
    "$got" "blksize=1024 timeout=3 tsize=1000 windowsize=4 "
pos "trailing garbage after the options: still served" "OACK blksize=1000" \
    --trailing 676172626167650078 rrq f1000 octet blksize 1000
check_served "trailing garbage"
pos 'mode "OCTET": served' "DATA 1 6" rrq a.txt OCTET
pos 'mode "NetAscii": served (LF -> CR LF)' "DATA 1 7" rrq a.txt NetAscii
got=$($RAW --wait 2 --out "$T/dl" "$PORT" get f2M blksize 1024 windowsize 8 2>&1 | tr '\n' ' ')
expect_eq "blksize 1024 windowsize 8: OACK, then 2049 blocks" "$got" \
    "OACK blksize=1024 windowsize=8 OK 2097152 2049 "
check "blksize 1024 windowsize 8: byte-identical" cmp -s "$T/dl" "$R/f2M"

# --- ERROR 8 in answer to the OACK ends the transfer ---
log_mark
got=$(raw refuse f1000 blksize 1000 | tr '\n' ' ')
expect_eq "ERROR 8 to the OACK: nothing more is sent" "$got" "OACK blksize=1000 AFTER NONE "
check "ERROR 8 to the OACK: log says options refused" \
    since_has 'RRQ f1000 127\.0\.0\.1: options refused'
check_served "ERROR 8 to the OACK"

# --- duplicate ACKs do not duplicate DATA (Sorcerer's Apprentice) ---
got=$(raw dupack f1500 | tr '\n' ' ')
expect_eq "ACK 1 twice: exactly one DATA 2 within 0.5 s, then the file completes" "$got" \
    "DATA2 1 DONE 1500 "

# --- retransmission ---
got=$($RAW --wait 4 "$PORT" ignore f1500 3.6 2>&1)
times=$(awk '$2 == "DATA" && $3 == 1 { print $1 }' <<<"$got" | tr '\n' ' ')
if python3 -c 'import sys
t = [float(x) for x in sys.argv[1].split()]
g = [b - a for a, b in zip(t, t[1:])]
sys.exit(not (len(t) >= 3 and 0.7 <= g[0] <= 1.6 and g[1] >= g[0] * 1.5))' "$times"; then
    ok "DATA 1 not ACKed: resent after about 1 s, then with a backoff ($times)"
else
    notok "DATA 1 not ACKed: resent after about 1 s, then with a backoff" "DATA 1 at: $times"
fi
log_mark
got=$($RAW --wait 4 "$PORT" ignore f1500 9 timeout 1 2>&1)
times=$(awk '$2 == "DATA" && $3 == 1 { print $1 }' <<<"$got" | tr '\n' ' ')
if python3 -c 'import sys
t = [float(x) for x in sys.argv[1].split()]
g = [b - a for a, b in zip(t, t[1:])]
sys.exit(not (len(t) == 6 and all(0.75 <= x <= 1.5 for x in g)))' "$times"; then
    ok "timeout 1, retries 5: DATA 1 sent 6 times, 1 s apart ($times)"
else
    notok "timeout 1, retries 5: DATA 1 sent 6 times, 1 s apart" \
        "got: $(head -1 <<<"$got"); DATA 1 at: $times"
fi
check "after the retries the server gives up: log says timeout after 5 retries" \
    since_has 'RRQ f1500 127\.0\.0\.1: timeout after 5 retries' 3
check_served "a client that stopped ACKing"

# --- SIGTERM with a transfer running ---
$RAW --wait 4 "$PORT" ignore f2M 4 >/dev/null 2>&1 &
held=$!
sleep 0.5
stop_daemon "SIGTERM during a transfer: exit 0, no sanitizer report"
wait "$held"

# --- limits: max_per_client ---
PORT=$(free_port)
write_conf "$T/conf-limit" "max_per_client = 2"
start_daemon "$T/conf-limit" || { notok "daemon starts (max_per_client 2)" "see the log"; finish; }
got=$(raw hold f1500 3 | tr '\n' '|')
expect_match "max_per_client 2: the 3rd concurrent RRQ from one address gets ERROR 0 busy" \
    "$got" '^DATA 1 512\|DATA 1 512\|ERROR 0 [^|]*busy[^|]*\|$'
check_served "max_per_client reached"
got=$(raw hold f1500 2 | tr '\n' '|')
expect_eq "max_per_client 2: ended transfers free their places" "$got" "DATA 1 512|DATA 1 512|"
stop_daemon "SIGTERM (max_per_client 2): exit 0, no sanitizer report"

# --- limits: max_transfers ---
PORT=$(free_port)
write_conf "$T/conf-total" "max_transfers = 2"
start_daemon "$T/conf-total" || { notok "daemon starts (max_transfers 2)" "see the log"; finish; }
got=$(raw hold f1500 3 | tr '\n' '|')
expect_match "max_transfers 2: the 3rd concurrent RRQ gets ERROR 0 busy" \
    "$got" '^DATA 1 512\|DATA 1 512\|ERROR 0 [^|]*busy[^|]*\|$'
check_served "max_transfers reached"
stop_daemon "SIGTERM (max_transfers 2): exit 0, no sanitizer report"

# --- uploads with allow_write ---
PORT=$(free_port)
mkdir -p "$T/up"
write_conf "$T/conf-up" "allow_write = $T/up"
start_daemon "$T/conf-up" || { notok "daemon starts (allow_write)" "see the log"; finish; }
make_file "$T/upload.bin" 102401
make_file "$T/other.bin" 5000
log_mark
out=$(cd "$T" && timeout -k 5 60 tftp 127.0.0.1 "$PORT" -m binary -c put "$T/upload.bin" new.bin 2>&1)
expect_eq "tftp-hpa put of a new file: no error" "$out" ""
check "tftp-hpa put: log says received" since_has 'received new\.bin from 127\.0\.0\.1: 102401 bytes'
check "tftp-hpa put: the uploaded file is byte-identical" cmp -s "$T/up/new.bin" "$T/upload.bin"
out=$(cd "$T" && timeout -k 5 60 tftp 127.0.0.1 "$PORT" -m binary -c put "$T/other.bin" new.bin 2>&1)
expect_match "tftp-hpa put of an existing name: Error code 6" "$out" 'Error code 6'
check "the existing file is left intact" cmp -s "$T/up/new.bin" "$T/upload.bin"
neg "raw WRQ of an existing name: ERROR 6" '^ERROR 6 ' --wrq rrq new.bin octet
neg "WRQ ../evil: ERROR 2" '^ERROR 2 ' --wrq rrq ../evil octet
neg "WRQ /etc/evil: refused or kept inside the upload dir" '^(ERROR [0-9]+ .*|ACK 0)$' \
    --wrq rrq /etc/evil octet
check "no upload escaped the upload dir" test ! -e "$T/evil" -a ! -e /etc/evil
: >"$T/empty.up"
out=$(cd "$T" && timeout -k 5 60 tftp 127.0.0.1 "$PORT" -m binary -c put "$T/empty.up" empty.up 2>&1)
check "tftp-hpa put of an empty file: an empty file" test -z "$out" -a -f "$T/up/empty.up" \
    -a ! -s "$T/up/empty.up"
out=$(timeout -k 5 60 curl -sS --max-time 50 -T "$T/other.bin" "tftp://127.0.0.1:$PORT/curl.bin" 2>&1)
check "curl -T upload: byte-identical" cmp -s "$T/up/curl.bin" "$T/other.bin"
got=$(raw putpart partial.bin | tr '\n' ' ')
expect_eq "an upload abandoned after one block: ACK 0, ACK 1" "$got" "ACK 0 ACK 1 "
check_served "an abandoned upload"
sleep 0.3
left=$(cd "$T/up" && find . -mindepth 1 -printf '%P\n' | sort | tr '\n' ' ')
expect_eq "upload dir: the finished files only (no temporary or partial files)" "$left" \
    "curl.bin empty.up new.bin "
stop_daemon "SIGTERM (allow_write): exit 0, no sanitizer report"

# --- configuration errors: exit 2 with FILE:LINE ---
# bad_conf NAME LINE-ERE CONTENT: serve refuses it with exit 2 and names FILE:LINE
bad_conf() {
    local name=$1 line=$2 f=$T/bad.conf out rc
    printf '%s\n' "$3" >"$f"
    out=$(timeout -k 2 10 "$PHONEBOOT" -c "$f" serve 2>&1 >/dev/null)
    rc=$?
    if [ "$rc" != 2 ]; then
        notok "$name" "exit $rc, want 2: $out"
    elif ! grep -qE "^(.* )?$f:$line: " <<<"$out"; then
        notok "$name" "stderr does not name $f:$line: $out"
    elif sanitizer_report <(echo "$out") >/dev/null; then
        notok "$name" "sanitizer: $out"
    else
        ok "$name"
    fi
}
# conf_text LISTEN STATE_DIR: lines 1-6 of a config
conf_text() {
    printf '[server]\nstate_dir = %s\nuser = root\n[tftp]\nlisten = %s\nroot = %s' "$2" "$1" "$T/root"
}
good=127.0.0.1:$(free_port)
bad_conf "unknown key: exit 2, FILE:LINE" 7 "$(conf_text "$good" "$T/state")
no_such_key = 1"
bad_conf "bad value (retries = many): exit 2, FILE:LINE" 7 "$(conf_text "$good" "$T/state")
retries = many"
bad_conf "bad value (max_blksize = 7): exit 2, FILE:LINE" 8 "$(conf_text "$good" "$T/state")
retries = 5
max_blksize = 7"
bad_conf "bad value (listen port 99999): exit 2, FILE:LINE" 5 "$(conf_text 127.0.0.1:99999 "$T/state")"
bad_conf "relative state_dir: exit 2, FILE:LINE" 2 "$(conf_text "$good" relative/state)"
bad_conf "unknown section: exit 2, FILE:LINE" '(7|8)' "$(conf_text "$good" "$T/state")
[nosuch]
key = 1"
bad_conf "unknown key in [server]: exit 2, FILE:LINE" 2 "[server]
colour = blue
state_dir = $T/state"

finish
