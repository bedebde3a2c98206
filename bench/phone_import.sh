#!/bin/bash
# phone_import.sh - `phoneboot phone import` of 10,000 phones while the daemon serves TFTP:
# the import's wall time, how soon the daemon logs the new inventory, and the TFTP request
# latency (median, p99, max; tests/integration/tftplat.py, one download at a time of a
# 1,500-byte file on loopback) during the import against the same without an import.
# Each run: a fresh state directory and daemon (./phoneboot, the -O2 build).
# Usage: bench/phone_import.sh [RUNS] [PHONES]   (default 3 runs of 10000)
set -eu
cd "$(dirname "$0")/.."
RUNS=${1:-3}
PHONES=${2:-10000}
LAT=tests/integration/tftplat.py
W=$(mktemp -d /tmp/pb-phone-bench.XXXXXX)
PID=""
# shellcheck disable=SC2317 # called by the trap
end() {
    [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
    rm -rf "$W"
}
trap end EXIT
PORT=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$W/root"
head -c 1500 /dev/urandom >"$W/root/cfg.bin"
python3 - "$PHONES" >"$W/phones.csv" <<'PY'
import sys
n = int(sys.argv[1])
print("mac,model,extension,name")
for i in range(n):
    print("00:1e:4a:%02x:%02x:%02x,7906,%d,Phone %d" % (i >> 16, (i >> 8) & 255, i & 255, 10000 + i, i))
PY

echo "machine: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(nproc) CPUs;" \
    "kernel $(uname -r); virtualization: $(systemd-detect-virt 2>/dev/null ||
    lscpu | sed -n 's/^Hypervisor vendor:[[:space:]]*//p' | grep . || echo none)"
echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'); $PHONES phones; $RUNS runs"
echo
echo "| run | import | wall s | daemon's reload line, ms after the import returned | TFTP during the import: n, median, p99, max ms |"
echo "|---|---|---|---|---|"
fmt() { sed -E 's/n=([0-9]+) fail=([0-9]+) median_ms=([0-9.]+) p99_ms=([0-9.]+) max_ms=([0-9.]+)/\1 (\2 failed), \3, \4, \5/'; }

# window FILE T0 T1: the downloads of tftplat's --samples FILE that started between T0 and T1
window() {
    python3 - "$@" <<'PY'
import sys
t0, t1 = float(sys.argv[2]), float(sys.argv[3])
lat, fail = [], 0
for line in open(sys.argv[1]):
    start, v = line.split()
    if t0 <= float(start) <= t1:
        if v == "fail":
            fail += 1
        else:
            lat.append(float(v))
lat.sort()
p = lambda q: lat[min(len(lat) - 1, int(round(q * (len(lat) - 1))))] if lat else float("nan")
print("%d (%d failed), %.2f, %.2f, %.2f" % (len(lat), fail, p(0.5), p(0.99), lat[-1] if lat else float("nan")))
PY
}

# import_run RUN WHAT CSV [ARG...]: one import while tftplat downloads; one table row
import_run() {
    local r=$1 what=$2 csv=$3 t0 t1 seen seen_ms lp
    shift 3
    rm -f "$W/done"
    python3 $LAT "$PORT" cfg.bin --count 1000000 --seconds 120 --until-file "$W/done" \
        --samples "$W/samples" >/dev/null &
    lp=$!
    sleep 0.5 # python is running and downloading
    local before
    before=$(grep -c "inventory: $PHONES phones (reloaded" "$W/log" || true)
    t0=$(date +%s.%N)
    ./phoneboot -c "$W/conf" phone import "$csv" "$@" >"$W/imp.out" 2>&1
    t1=$(date +%s.%N)
    touch "$W/done"
    wait $lp
    for _ in $(seq 1 40); do
        [ "$(grep -c "inventory: $PHONES phones (reloaded" "$W/log")" -gt "$before" ] && break
        sleep 0.05
    done
    seen=$(sed -n "s/^\([0-9-]* [0-9:.]*\) inventory: $PHONES phones (reloaded.*/\1/p" "$W/log" | sed -n "$((before + 1))p")
    seen_ms=$(python3 -c "
import datetime, sys
s = '$seen'
if not s: print('never'); sys.exit()
t = datetime.datetime.strptime(s, '%Y-%m-%d %H:%M:%S.%f').timestamp()
print('%.0f' % ((t - $t1) * 1000))")
    echo "| $r | $what | $(python3 -c "print('%.3f' % ($t1 - $t0))") | $seen_ms | $(window "$W/samples" "$t0" "$t1") |"
    sed 's/^/    /' "$W/imp.out" >>"$W/reports"
}

sed 's/Phone /Renamed /' "$W/phones.csv" >"$W/phones2.csv"
: >"$W/reports"
for r in $(seq 1 "$RUNS"); do
    rm -rf "$W/state"
    printf '[server]\nstate_dir = %s/state\nuser = root\n[tftp]\nlisten = 127.0.0.1:%s\nroot = %s/root\nmax_per_client = 0\n' \
        "$W" "$PORT" "$W" >"$W/conf"
    ./phoneboot -c "$W/conf" serve >"$W/log" 2>&1 &
    PID=$!
    for _ in $(seq 1 100); do grep -qs 'TFTP on' "$W/log" && break; sleep 0.05; done
    echo "| $r | none (3 s) | | | $(python3 $LAT "$PORT" cfg.bin --count 100000 --seconds 3 | fmt) |"
    import_run "$r" "add $PHONES" "$W/phones.csv"
    import_run "$r" "update $PHONES (--update)" "$W/phones2.csv" --update
    kill -TERM "$PID"
    wait "$PID" || true
    PID=""
done
echo
echo "the imports' own reports:"
cat "$W/reports"
