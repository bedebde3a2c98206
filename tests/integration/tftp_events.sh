#!/bin/bash
# tftp_events.sh - every transfer ends with exactly one event: `phoneboot log` shows one line
# per transfer, in order, with its outcome (while the daemon runs and after it stopped), and
# the state file's events table has one row per transfer.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

command -v sqlite3 >/dev/null || { notok "setup" "sqlite3 is not installed"; finish; }
echo "hello phone" >"$T/root/ok.txt"
make_file "$T/root/f1500" 1500
make_file "$T/root/f2000" 2000

write_conf "$T/conf" "retries = 1"
start_daemon "$T/conf" || { notok "daemon starts" "see the log above"; finish; }
# the readiness probes were transfers too
probes=$(log_count 'RRQ from 127\.0\.0\.1 filename probe\.bin$')

# the transfers, and the "KIND NAME OUTCOME" each must leave
want=()
out=$(cd "$T" && timeout -k 5 30 tftp 127.0.0.1 "$PORT" -m binary -c get ok.txt "$T/got" 2>&1)
check "tftp-hpa get ok.txt" test -z "$out"
want+=("RRQ ok.txt ok 12 bytes 1 blocks")
check "tftpraw get f2000" test "$($RAW "$PORT" get f2000)" = "OK 2000 4"
want+=("RRQ f2000 ok 2000 bytes 4 blocks")
check "missing file: ERROR 1" test "$($RAW "$PORT" rrq nope octet)" = "ERROR 1 File not found"
want+=("RRQ nope not found 0 bytes")
got=$($RAW "$PORT" rrq ../etc/passwd octet)
check "traversal: ERROR 2" test "${got%% *}" = ERROR -a "$(cut -d' ' -f2 <<<"$got")" = 2
want+=("RRQ ../etc/passwd denied 0 bytes")
got=$($RAW --wrq "$PORT" rrq up.txt octet)
check "WRQ: ERROR 2" test "$(cut -d' ' -f1-2 <<<"$got")" = "ERROR 2"
want+=("WRQ up.txt denied 0 bytes")
check "RRQ then ERROR from the client" test "$($RAW "$PORT" rrq f1500 octet)" = "DATA 1 512"
want+=("RRQ f1500 aborted 0 bytes")
check "ERROR 8 to the OACK" test "$($RAW "$PORT" refuse f2000 blksize 1024 | tail -1)" = "AFTER NONE"
want+=("RRQ f2000 options refused 0 bytes")
$RAW --wait 3 "$PORT" ignore ok.txt 4 timeout 1 >/dev/null
want+=("RRQ ok.txt timeout")
n_want=$((probes + ${#want[@]}))

# log_lines: phoneboot log's lines for the transfers after the probes
log_lines() {
    timeout -k 2 20 "$PHONEBOOT" -c "$T/conf" log 2>"$T/log.err" | grep -v ' RRQ probe\.bin '
}

# the events are committed per loop turn: wait (bounded) until all are there
for i in $(seq 1 30); do
    [ "$(timeout -k 2 20 "$PHONEBOOT" -c "$T/conf" log 2>/dev/null | wc -l)" -ge "$n_want" ] && break
    sleep 0.1
done

# check_timeline WHEN: one line per transfer, in order, each with its outcome
check_timeline() {
    local when=$1 lines i line
    lines=$(log_lines)
    total=$(timeout -k 2 20 "$PHONEBOOT" -c "$T/conf" log 2>/dev/null | wc -l)
    expect_eq "phoneboot log ($when): one line per transfer ($probes probes + ${#want[@]})" \
        "$total" "$n_want"
    check "phoneboot log ($when): nothing on stderr" test ! -s "$T/log.err"
    mapfile -t got_lines <<<"$lines"
    for i in "${!want[@]}"; do
        line=${got_lines[$i]:-}
        # DATE TIME IP KIND NAME OUTCOME N bytes N blocks T s N retransmits[: detail]
        if [[ $line =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}\ [0-9:.]+\ 127\.0\.0\.1\ (.*)$ ]] &&
            [[ "${BASH_REMATCH[1]} " == "${want[$i]} "* ]]; then
            ok "phoneboot log ($when): line $((i + 1)) is '${want[$i]}'"
        else
            notok "phoneboot log ($when): line $((i + 1)) is '${want[$i]}'" "got '$line'"
        fi
    done
    local -A seen=()
    for i in "${!want[@]}"; do
        local kind=${want[$i]%% *} rest=${want[$i]#* }
        local name=${rest%% *}
        local n
        [ -z "${seen[$kind $name]:-}" ] || continue
        seen[$kind $name]=1
        n=$(grep -cE "^[^ ]+ [^ ]+ 127\\.0\\.0\\.1 $kind $(sed 's/[.[\*^$/]/\\&/g' <<<"$name") " <<<"$lines")
        # ok.txt and f2000 are each asked for twice (two outcomes); every other name once
        case $name in ok.txt | f2000) want_n=2 ;; *) want_n=1 ;; esac
        expect_eq "phoneboot log ($when): $kind $name appears $want_n times" "$n" "$want_n"
    done
}

check_timeline "daemon running"

# the state file itself
db=$T/state/phoneboot.db
check "state file $db exists" test -f "$db"
expect_eq "events table: one row per transfer" \
    "$(sqlite3 "$db" 'select count(*) from events' 2>&1)" "$n_want"
expect_eq "events table: outcomes of the transfers, in order" \
    "$(sqlite3 "$db" "select kind || ' ' || file || ' ' || outcome from events
        where file != 'probe.bin' order by id" 2>&1 | tr '\n' '|')" \
    "tftp-rrq ok.txt ok|tftp-rrq f2000 ok|tftp-rrq nope not found|tftp-rrq ../etc/passwd denied|tftp-wrq up.txt denied|tftp-rrq f1500 aborted|tftp-rrq f2000 options refused|tftp-rrq ok.txt timeout|"
expect_eq "events table: bytes and blocks of the good transfers" \
    "$(sqlite3 "$db" "select file || ' ' || bytes || ' ' || blocks from events
        where outcome = 'ok' and file != 'probe.bin' order by id" 2>&1 | tr '\n' '|')" \
    "ok.txt 12 1|f2000 2000 4|"
expect_eq "events table: the timeout's retransmits" \
    "$(sqlite3 "$db" "select retransmits from events where outcome = 'timeout'" 2>&1)" "1"

stop_daemon "SIGTERM: exit 0, no sanitizer report"
check_timeline "after the daemon stopped"
expect_eq "events table after stop: still one row per transfer" \
    "$(sqlite3 "$db" 'select count(*) from events' 2>&1)" "$n_want"

finish
