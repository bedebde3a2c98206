#!/bin/bash
# tftp_clients.sh - real TFTP clients (tftp-hpa, curl, busybox, atftp) download files of the
# edge sizes byte-identical (sha256), with and without options, including a file of 65536
# blocks of 512 plus one byte (block numbers roll over) and netascii.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

for tool in tftp curl busybox atftp; do
    command -v "$tool" >/dev/null || { notok "setup" "$tool is not installed"; finish; }
done

ROLL=$((65536 * 512 + 1))
SIZES="0 1 511 512 513 2097152"
SIZES_NZ="1 511 512 513 2097152"
for n in $SIZES $ROLL; do make_file "$T/root/f$n" "$n"; done
declare -A SHA
for n in $SIZES $ROLL; do SHA[$n]=$(sha "$T/root/f$n"); done

# fetched NAME SIZE LOCAL OUTPUT RC: the download succeeded and LOCAL is byte-identical to
# the served fSIZE (OUTPUT: what the client printed; must be empty for tftp-hpa, which exits
# 0 even on an ERROR)
fetched() {
    local name="$1${LABEL:+ ($LABEL)}" n=$2 local=$3 output=$4 rc=$5
    if [ "$rc" != 0 ]; then
        notok "$name" "client exit $rc: $(head -c 300 <<<"$output")"
    elif [ ! -f "$local" ]; then
        notok "$name" "no file written: $(head -c 300 <<<"$output")"
    elif [ "$(sha "$local")" != "${SHA[$n]}" ]; then
        notok "$name" "sha256 differs ($(stat -c %s "$local") bytes, want $n): $(head -c 300 <<<"$output")"
    else
        ok "$name"
    fi
    rm -f "$local"
}

hpa_get() { # SIZE [MODE]
    local n=$1 out rc
    out=$(cd "$T" && timeout -k 5 120 tftp 127.0.0.1 "$PORT" -m "${2:-binary}" -c get "f$n" "$T/got" 2>&1)
    rc=$?
    [ -z "$out" ] || rc="printed"
    fetched "tftp-hpa binary: f$n byte-identical" "$n" "$T/got" "$out" "$rc"
}

curl_get() { # SIZE [BLKSIZE]
    local n=$1 bs=${2:-} out rc
    out=$(timeout -k 5 120 curl -sS --max-time 110 ${bs:+--tftp-blksize "$bs"} \
        -o "$T/got" "tftp://127.0.0.1:$PORT/f$n" 2>&1)
    rc=$?
    fetched "curl${bs:+ --tftp-blksize $bs}${CEILING:+ ($CEILING)}: f$n byte-identical" "$n" \
        "$T/got" "$out" "$rc"
}

# curl (7.88) always asks for tsize and then refuses "tsize 0" in the OACK as invalid
# ("invalid tsize -:0:- value in OACK packet", exit 71), whatever the server: RFC 2349 says
# the server answers with the file's size, 0 here. An empty file goes through curl without
# options.
curl_get_empty() {
    local out rc
    out=$(timeout -k 5 60 curl -sS --max-time 50 --tftp-no-options -o "$T/got" \
        "tftp://127.0.0.1:$PORT/f0" 2>&1)
    rc=$?
    fetched "curl --tftp-no-options${CEILING:+ ($CEILING)}: f0 byte-identical" 0 "$T/got" "$out" "$rc"
}

busybox_get() { # SIZE BLKSIZE
    local n=$1 bs=$2 out rc
    out=$(timeout -k 5 120 busybox tftp -g -r "f$n" -l "$T/got" -b "$bs" 127.0.0.1 "$PORT" 2>&1)
    rc=$?
    fetched "busybox tftp -b $bs${CEILING:+ ($CEILING)}: f$n byte-identical" "$n" "$T/got" \
        "$out" "$rc"
}

atftp_get() { # SIZE [OPTION...]: options as "name value"
    local n=$1 out rc o args=()
    shift
    for o in "$@"; do args+=(--option "$o"); done
    out=$(timeout -k 5 120 atftp "${args[@]}" -g -r "f$n" -l "$T/got" 127.0.0.1 "$PORT" 2>&1)
    rc=$?
    fetched "atftp${*:+ $*}: f$n byte-identical" "$n" "$T/got" "$out" "$rc"
}

# --- the default ceiling (max_blksize 1468, max_windowsize 64) ---
write_conf "$T/conf"
start_daemon "$T/conf" || { notok "daemon starts" "see the log above"; finish; }
ok "daemon starts and answers"
CEILING=""
want_io=${PB_IO:-$(io_expected)}
check "the start-up line names how transfers reach the kernel: $want_io" \
    log_has "phoneboot .*: TFTP on 127\\.0\\.0\\.1:$PORT, .*, $want_io\$"

for n in $SIZES; do hpa_get "$n"; done
curl_get_empty
for n in $SIZES_NZ; do curl_get "$n"; done
for n in $SIZES_NZ; do curl_get "$n" 1428; done
for n in 513 2097152; do curl_get "$n" 8192; done
for n in $SIZES; do busybox_get "$n" 512; done
for n in $SIZES; do busybox_get "$n" 1428; done
for n in $SIZES; do atftp_get "$n" "blksize 1428" "tsize 0" "windowsize 8"; done

# the negotiated values are the ones used (from the daemon's log line of the transfer)
log_mark
LABEL="for the log" atftp_get 2097152 "blksize 1428" "tsize 0" "windowsize 8"
check "atftp blksize 1428 windowsize 8: log shows blocks of 1428, window 8" \
    since_has 'sent f2097152 to 127\.0\.0\.1: 2097152 bytes in [0-9.]+ s \(1469 blocks of 1428, window 8, '
log_mark
LABEL="for the log" curl_get 2097152 1428
check "curl --tftp-blksize 1428: log shows blocks of 1428, window 1" \
    since_has 'sent f2097152 to 127\.0\.0\.1: 2097152 bytes in [0-9.]+ s \(1469 blocks of 1428, window 1, '
log_mark
CEILING="default ceiling" curl_get 2097152 8192
check "curl --tftp-blksize 8192 under max_blksize 1468: lowered to 1468 (log)" \
    since_has 'sent f2097152 to 127\.0\.0\.1: 2097152 bytes in [0-9.]+ s \(1429 blocks of 1468, window 1, '
log_mark
CEILING="default ceiling" busybox_get 2097152 8192
check "busybox -b 8192 under max_blksize 1468: lowered to 1468 (log)" \
    since_has 'sent f2097152 to 127\.0\.0\.1: 2097152 bytes in [0-9.]+ s \(1429 blocks of 1468, window 1, '
log_mark
LABEL="for the log" curl_get 2097152
check "curl default: 512-byte blocks, 4097 of them (log)" \
    since_has 'sent f2097152 to 127\.0\.0\.1: 2097152 bytes in [0-9.]+ s \(4097 blocks of 512, window 1, '

# --- rollover: 65537 blocks of 512, block numbers wrap past 65535 to 0 ---
log_mark
hpa_get $ROLL
check "tftp-hpa rollover: log shows 65537 blocks of 512" \
    since_has "sent f$ROLL to 127\\.0\\.0\\.1: $ROLL bytes in [0-9.]+ s \\(65537 blocks of 512, window 1, "
curl_get $ROLL
atftp_get $ROLL
atftp_get $ROLL "tsize 0" "windowsize 16"
# on the wire: after block 65535 comes block 0 (tftpraw.py expects exactly that), also
# inside a window
got=$($RAW --wait 3 --out "$T/got" "$PORT" get "f$ROLL" windowsize 8 2>&1 | tr '\n' ' ')
expect_eq "rollover on the wire, windowsize 8: 65537 blocks, 65535 then 0" "$got" \
    "OACK windowsize=8 OK $ROLL 65537 "
check "rollover on the wire, windowsize 8: byte-identical" test "$(sha "$T/got")" = "${SHA[$ROLL]}"

# --- netascii ---
# the text has LF, CR, CRLF and a trailing CR: on the wire LF -> CR LF, CR -> CR NUL
printf 'line one\nline two\r\nbare\rcr\n\n\r' >"$T/root/text.txt"
python3 - "$T/root/text.txt" "$T/text.wire" <<'EOF'
import sys
d = open(sys.argv[1], "rb").read()
open(sys.argv[2], "wb").write(d.replace(b"\r", b"\r\0").replace(b"\n", b"\r\n"))
EOF
wire_size=$(stat -c %s "$T/text.wire")
out=$(cd "$T" && timeout -k 5 60 tftp 127.0.0.1 "$PORT" -m netascii -c get text.txt "$T/text.got" 2>&1)
if [ -n "$out" ]; then
    notok "tftp-hpa netascii: the client's result equals the original text" "client: $out"
elif ! cmp -s "$T/text.got" "$T/root/text.txt"; then
    notok "tftp-hpa netascii: the client's result equals the original text" \
        "got $(od -An -c "$T/text.got" | tr -s ' ' | head -c 200)"
else
    ok "tftp-hpa netascii: the client's result equals the original text"
fi
# the interactive 'mode ascii' command, the same as -m netascii (-c takes one command only)
out=$(cd "$T" && printf 'mode ascii\nget text.txt %s\nquit\n' "$T/text.got2" |
    timeout -k 5 60 tftp 127.0.0.1 "$PORT" 2>&1)
if cmp -s "$T/text.got2" "$T/root/text.txt"; then
    ok "tftp-hpa 'mode ascii': the client's result equals the original text"
else
    notok "tftp-hpa 'mode ascii': the client's result equals the original text" "client: $out"
fi
got=$($RAW --mode netascii --out "$T/text.raw" "$PORT" get text.txt tsize 0 2>&1)
expect_eq "netascii on the wire: OACK tsize counts the converted size" \
    "$(head -1 <<<"$got")" "OACK tsize=$wire_size"
if cmp -s "$T/text.raw" "$T/text.wire"; then
    ok "netascii on the wire: LF -> CR LF, CR -> CR NUL, exact bytes"
else
    notok "netascii on the wire: LF -> CR LF, CR -> CR NUL, exact bytes" \
        "got $(od -An -tx1 "$T/text.raw" | tr -s ' \n' ' ' | head -c 300)"
fi
# a netascii file that grows across a block boundary: 600 LFs become 1200 bytes, 3 blocks
head -c 600 /dev/zero | tr '\0' '\n' >"$T/root/lf.txt"
got=$($RAW --mode netascii --out "$T/lf.raw" "$PORT" get lf.txt 2>&1)
expect_eq "netascii: 600 LFs are 1200 bytes in 3 blocks on the wire" "$got" "OK 1200 3"
if [ "$(tr -d '\r\n' <"$T/lf.raw" | wc -c)" = 0 ] && [ "$(tr -cd '\r' <"$T/lf.raw" | wc -c)" = 600 ]; then
    ok "netascii: every LF went out as CR LF"
else
    notok "netascii: every LF went out as CR LF" "unexpected bytes on the wire"
fi
stop_daemon "SIGTERM after the client downloads: exit 0, no sanitizer report"

# --- a raised ceiling: max_blksize 65464, so 8192 is used as asked ---
PORT=$(free_port)
write_conf "$T/conf2" "max_blksize = 65464"
start_daemon "$T/conf2" || { notok "daemon starts (max_blksize 65464)" "see the log above"; finish; }
CEILING="max_blksize 65464"
for n in $SIZES_NZ; do curl_get "$n" 8192; done
log_mark
LABEL="for the log" curl_get 2097152 8192
check "curl --tftp-blksize 8192 under max_blksize 65464: blocks of 8192 (log)" \
    since_has 'sent f2097152 to 127\.0\.0\.1: 2097152 bytes in [0-9.]+ s \(257 blocks of 8192, window 1, '
for n in $SIZES; do busybox_get "$n" 8192; done
for n in 513 2097152; do busybox_get "$n" 65464; done
log_mark
atftp_get 2097152 "blksize 16384" "windowsize 4"
check "atftp blksize 16384 windowsize 4: log shows blocks of 16384, window 4" \
    since_has 'sent f2097152 to 127\.0\.0\.1: 2097152 bytes in [0-9.]+ s \(129 blocks of 16384, window 4, '
stop_daemon "SIGTERM (max_blksize 65464): exit 0, no sanitizer report"

finish
