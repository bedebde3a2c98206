#!/bin/bash
# statewatch_dhcp.sh - an ACK goes out only once its lease is committed, also when another
# process holds the state file's write lock: in two network namespaces of this script's own
# (veth, 10.93.0.0/16), holdlock.py keeps BEGIN IMMEDIATE open for 2 s while a raw DHCP
# client (dhcpraw.py) runs DISCOVER/REQUEST and tftplat.py downloads from the daemon. Checks:
# the OFFER comes at once, the ACK only after the lock is released (and within 1 s of it),
# the lease is in the file, TFTP latency stays low meanwhile, and every download's event is
# committed. Needs root (namespaces); prints "ok - # SKIP" otherwise.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
    ok "# SKIP statewatch dhcp: needs root for network namespaces"
    finish
fi
command -v ip >/dev/null || { notok "setup" "ip missing (scripts/deps.sh test)"; finish; }

NS_S=pbw$$s NS_C=pbw$$c IF_S=pbw$$s0 IF_C=pbw$$c0
SRV=10.93.0.1 CLI=10.93.0.2 MAC=02:00:00:00:d0:01
DB=$T/state/phoneboot.db
HOLD=""

# shellcheck disable=SC2317 # called by the trap
wcleanup() {
    [ -n "$HOLD" ] && kill -TERM "$HOLD" 2>/dev/null && wait "$HOLD" 2>/dev/null
    if [ -n "$PB_PID" ] && kill -0 "$PB_PID" 2>/dev/null; then
        kill -KILL "$PB_PID" 2>/dev/null
        wait "$PB_PID" 2>/dev/null
    fi
    PB_PID=""
    netns_teardown "$NS_C" "$NS_S"
    cleanup
}
trap wcleanup EXIT

ip netns add "$NS_S" && ip netns add "$NS_C" || { notok "setup" "ip netns add failed"; finish; }
ip link add "$IF_S" netns "$NS_S" type veth peer name "$IF_C" netns "$NS_C" || { notok "setup" "veth"; finish; }
ip -n "$NS_S" addr add $SRV/16 dev "$IF_S"
ip -n "$NS_C" link set dev "$IF_C" address $MAC
ip -n "$NS_C" addr add $CLI/16 dev "$IF_C"
for n in $NS_S $NS_C; do ip -n "$n" link set lo up; done
ip -n "$NS_S" link set "$IF_S" up
ip -n "$NS_C" link set "$IF_C" up
for _ in $(seq 1 30); do
    ip -n "$NS_C" -o link show "$IF_C" | grep -q LOWER_UP && break
    sleep 0.1
done

mkdir -p "$T/root" "$T/state"
make_file "$T/root/probe.bin" 1500
cat >"$T/pb.conf" <<CONF
[server]
state_dir = $T/state
user = root
[tftp]
listen = $SRV:69
root = $T/root
max_per_client = 0
[dhcp]
enabled = yes
interface = $IF_S
range = 10.93.1.1-10.93.1.50
lease_time = 1h
CONF

PB_LOG=$T/daemon.log
ip netns exec "$NS_S" "$PHONEBOOT" -c "$T/pb.conf" serve >"$PB_LOG" 2>&1 &
PB_PID=$!
for _ in $(seq 1 150); do
    grep -qE 'phoneboot .*: TFTP on' "$PB_LOG" && break
    kill -0 "$PB_PID" 2>/dev/null || break
    sleep 0.1
done
if ! grep -qE 'phoneboot .*: TFTP on' "$PB_LOG"; then
    notok "daemon starts with [dhcp]" "$(tail -5 "$PB_LOG" | tr '\n' ' ')"
    finish
fi
ok "daemon starts with [dhcp]"
now() { date +%s.%N; }

python3 "$HERE/holdlock.py" "$DB" 2 "$T/locked" "$T/released" &
HOLD=$!
for _ in $(seq 1 50); do [ -e "$T/locked" ] && break; sleep 0.05; done
check "the lock is taken by another process" test -e "$T/locked"
ip netns exec "$NS_S" python3 "$HERE/tftplat.py" 69 probe.bin --host $SRV --count 100000 --seconds 10 \
    --until-file "$T/released" >"$T/lat" 2>&1 &
LAT=$!
t0=$(now)
timeout 20 ip netns exec "$NS_C" python3 "$HERE/dhcpraw.py" dora --iface "$IF_C" --mac $MAC --wait 5 \
    >"$T/dora.out" 2>&1
t_ack=$(now)
wait "$HOLD"
HOLD=""
wait "$LAT"
released=$(cat "$T/released" 2>/dev/null || echo 0)
echo "# lock taken, DORA started at +0; ACK at +$(python3 -c "print('%.3f' % ($t_ack - $t0))") s," \
    "lock released at +$(python3 -c "print('%.3f' % ($released - $t0))") s"
echo "# TFTP while the lock was held: $(cat "$T/lat")"
expect_eq "DHCP: the OFFER came" "$(sed -n '/^# offer/,/^# ack/p' "$T/dora.out" | sed -n 's/^reply=//p')" OFFER
expect_eq "DHCP: the ACK came" "$(sed -n '/^# ack/,$p' "$T/dora.out" | sed -n 's/^reply=//p')" ACK
check "DHCP: the ACK came after the lock was released" \
    python3 -c "import sys; sys.exit(0 if $t_ack >= $released > 0 else 1)"
check "DHCP: ... and within 1 s of it" python3 -c "import sys; sys.exit(0 if $t_ack - $released < 1 else 1)"
ip_got=$(sed -n '/^# ack/,$p' "$T/dora.out" | sed -n 's/^yiaddr=//p')
expect_eq "DHCP: the lease is in the state file" \
    "$(sqlite3 "$DB" "SELECT state FROM leases WHERE mac = '$MAC' AND ip = '$ip_got'")" active
read -r n f mx < <(sed -E 's/n=([0-9]+) fail=([0-9]+) .* max_ms=([0-9.na]+)/\1 \2 \3/' "$T/lat")
expect_eq "TFTP: no download failed while the lock was held" "$f" 0
check "TFTP: downloads went on (>= 50: $n)" test "$n" -ge 50
check "TFTP: no download took 100 ms or more (max $mx ms)" \
    python3 -c "import sys; sys.exit(0 if float('$mx') < 100 else 1)"
got=ERR
for _ in $(seq 1 20); do
    got=$(sqlite3 "$DB" "SELECT count(*) FROM events WHERE kind = 'tftp-rrq'" 2>/dev/null)
    [ "$got" = "$n" ] && break
    sleep 0.05
done
expect_eq "no event lost: every download's event is committed" "$got" "$n"
stop_daemon "daemon stops cleanly"
finish
