#!/bin/bash
# statewatch.sh - the running daemon sees inventory changes made by the CLI without a restart
# (inotify on the state directory + PRAGMA data_version), and never waits on the state
# file's lock: `phone add` and `phone import` reach its log within 1 s as one "inventory: N
# phones (reloaded: changed by another process)" line each, no secret in the log, the same
# PID; while another process holds the write lock for 2 s, TFTP downloads keep their
# latency and every download's event is in the file once the lock is released.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
CONF=$T/pb.conf
write_conf "$CONF"
DB=$T/state/phoneboot.db
pb() { "$PHONEBOOT" -c "$CONF" "$@"; }

# wait_log ERE SECONDS: succeeds once the daemon's log has a line matching ERE
# shellcheck disable=SC2317 # called through check
wait_log() {
    local _
    for _ in $(seq 1 $(( $2 * 20 ))); do
        grep -qE "$1" "$PB_LOG" && return 0
        sleep 0.05
    done
    return 1
}

start_daemon "$CONF" || { notok "start" "daemon did not start"; finish; }
PID0=$PB_PID
check "start: the inventory is read (0 phones)" grep -qE 'inventory: 0 phones$' "$PB_LOG"

# --- phone add: seen within 1 s ---
pb phone add 00:1e:4a:00:00:01 --model 7906 --ext 1001 --secret 'Swsecret1x9' >/dev/null 2>"$T/err"
expect_eq "phone add: exit status 0" "$?" 0
check "phone add: the daemon logs 'inventory: 1 phone (reloaded: ...)' within 1 s" \
    wait_log 'inventory: 1 phone \(reloaded: changed by another process\)$' 1

# --- phone import: its chunks are one reload, once published ---
python3 -c "
print('mac,model,extension,name')
for i in range(300): print('00:1e:4a:10:%02x:%02x,7906,%d,Phone %d' % (i // 256, i % 256, 2000 + i, i))" \
    >"$T/phones.csv"
pb phone import "$T/phones.csv" >"$T/imp.out" 2>&1
expect_eq "phone import: exit status 0" "$?" 0
check "phone import: 'inventory: 301 phones (reloaded: ...)' within 1 s" \
    wait_log 'inventory: 301 phones \(reloaded: changed by another process\)$' 1
expect_eq "phone import: one reload line for the import" "$(grep -c 'inventory: .*reloaded' "$PB_LOG")" 2
pb phone remove 00:1e:4a:00:00:01 >/dev/null 2>&1
check "phone remove: 'inventory: 300 phones' within 1 s" wait_log 'inventory: 300 phones \(reloaded' 1
check "no secret in the daemon's log" bash -c "! grep -q 'Swsecret1x9' '$PB_LOG'"
expect_eq "no restart: the same daemon process" "$PB_PID" "$PID0"

# --- the write lock held by another process for 2 s ---
probe_setup
base=$(sqlite3 "$DB" "SELECT count(*) FROM events" 2>/dev/null || echo ERR)
python3 "$HERE/tftplat.py" "$PORT" "$PROBE" --count 200 >"$T/lat0" 2>&1
python3 "$HERE/holdlock.py" "$DB" 2 "$T/locked" "$T/released" &
HOLD=$!
for _ in $(seq 1 50); do [ -e "$T/locked" ] && break; sleep 0.05; done
python3 "$HERE/tftplat.py" "$PORT" "$PROBE" --count 100000 --seconds 10 --until-file "$T/released" >"$T/lat1" 2>&1
wait "$HOLD"
expect_eq "lock: the holder took the lock and released it" "$(test -s "$T/released" && echo yes)" yes
echo "# without a lock: $(cat "$T/lat0")"
echo "# lock held 2 s:  $(cat "$T/lat1")"
read -r n1 f1 max1 < <(sed -E 's/n=([0-9]+) fail=([0-9]+) .* max_ms=([0-9.na]+)/\1 \2 \3/' "$T/lat1")
expect_eq "lock: no TFTP download failed while it was held" "$f1" 0
check "lock: downloads went on while it was held (>= 50)" test "$n1" -ge 50
check "lock: no download took 100 ms or more (max $max1 ms)" \
    python3 -c "import sys; sys.exit(0 if float('$max1') < 100 else 1)"
check "lock: the daemon logged no commit error" bash -c "! grep -q 'state file: commit' '$PB_LOG'"
# every event of those downloads is in the file once the lock is gone (within 1 s)
n0=$(sed -E 's/n=([0-9]+).*/\1/' "$T/lat0")
want=$((base + n0 + n1))
got=ERR
for _ in $(seq 1 20); do
    got=$(sqlite3 "$DB" "SELECT count(*) FROM events WHERE kind = 'tftp-rrq'" 2>/dev/null)
    [ "$got" = "$want" ] && break
    sleep 0.05
done
expect_eq "lock: every download's event is committed after it (none lost)" "$got" "$want"

stop_daemon "daemon stops cleanly"
finish
