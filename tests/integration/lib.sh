# lib.sh - shared helpers for the integration tests; sourced, not run.
#
# Each script gets a private temp dir ($T, removed on exit), a free UDP port on 127.0.0.1
# ($PORT), a config writer, and one daemon at a time started in the background by PID
# (PB_PID) and stopped by that PID only. Results are printed as TAP-like lines that
# tests/run-tests.sh counts: "ok - NAME" and "not ok - NAME: WHY".
# Every wait here is bounded. Only 127.0.0.1 is used.

set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PHONEBOOT=${PHONEBOOT:-$HERE/../../build/asan/phoneboot}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=86}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=87}
RAW="python3 $HERE/tftpraw.py"

T=$(mktemp -d /tmp/phoneboot-it.XXXXXX) || exit 1
PB_PID=""
PB_LOG=""
N_OK=0
N_FAIL=0

cleanup() {
    if [ -n "$PB_PID" ] && kill -0 "$PB_PID" 2>/dev/null; then
        kill -KILL "$PB_PID" 2>/dev/null
        wait "$PB_PID" 2>/dev/null
    fi
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# PB_IO: the [tftp] io the daemon is given (the *_epoll.sh scripts run a suite again with
# io = epoll); it is named in every result line
ok() {
    N_OK=$((N_OK + 1))
    echo "ok - $1${PB_IO:+ [io = $PB_IO]}"
}

notok() {
    N_FAIL=$((N_FAIL + 1))
    echo "not ok - $1${PB_IO:+ [io = $PB_IO]}: $2"
}

# io_expected: what the daemon's start-up line must name with io = auto: io_uring where the
# kernel is 6.1 or later and io_uring is not disabled, else epoll
io_expected() {
    local v maj min
    v=$(uname -r)
    maj=${v%%.*} min=${v#*.} min=${min%%.*}
    if [ "$(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo 0)" = 0 ] &&
        { [ "$maj" -gt 6 ] || { [ "$maj" = 6 ] && [ "$min" -ge 1 ]; }; }; then
        echo io_uring
    else
        echo epoll
    fi
}

# check NAME CONDITION-COMMAND... : ok when the command succeeds
check() {
    local name=$1
    shift
    if "$@"; then ok "$name"; else notok "$name" "failed: $*"; fi
}

# expect_eq NAME GOT WANT
expect_eq() {
    if [ "$2" = "$3" ]; then ok "$1"; else notok "$1" "got '$2', want '$3'"; fi
}

# expect_match NAME GOT ERE
expect_match() {
    if [[ $2 =~ $3 ]]; then ok "$1"; else notok "$1" "got '$2', want /$3/"; fi
}

# finish: the script's last line; exit status tells the runner whether all passed
finish() {
    echo "# $N_OK passed, $N_FAIL failed"
    [ "$N_FAIL" = 0 ]
    exit
}

# free_port: a UDP port on 127.0.0.1 nobody is bound to right now
free_port() {
    python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

sha() { sha256sum <"$1" | cut -d' ' -f1; }

# make_file PATH SIZE: SIZE bytes of a reproducible pseudo-random pattern (not all zeros,
# so a shifted or repeated block changes the hash)
make_file() {
    python3 - "$1" "$2" <<'EOF'
import sys, hashlib
path, size = sys.argv[1], int(sys.argv[2])
seed = hashlib.sha256(path.encode()).digest()
chunk = b"".join(hashlib.sha256(seed + i.to_bytes(4, "big")).digest() for i in range(2048))
with open(path, "wb") as f:
    while size > 0:
        n = min(size, len(chunk))
        f.write(chunk[:n])
        size -= n
EOF
}

# write_conf FILE [LINE...]: a config for the daemon on $PORT with root $T/root and state
# $T/state; extra lines go into [tftp] and override the defaults written here
write_conf() {
    local f=$1
    shift
    mkdir -p "$T/root" "$T/state"
    {
        echo "[server]"
        echo "state_dir = $T/state"
        echo "user = root"
        echo "[tftp]"
        echo "listen = 127.0.0.1:$PORT"
        echo "root = $T/root"
        local l keys=" "
        for l in "$@"; do keys="$keys${l%% *} "; done
        [[ $keys == *" max_per_client "* ]] || echo "max_per_client = 0"
        [[ $keys == *" retries "* ]] || echo "retries = 5"
        [[ $keys == *" io "* ]] || [ -z "${PB_IO:-}" ] || echo "io = $PB_IO"
        for l in "$@"; do echo "$l"; done
    } >"$f"
}

# the file check_served fetches, and its hash
PROBE=probe.bin
probe_setup() {
    mkdir -p "$T/root"
    [ -f "$T/root/$PROBE" ] || make_file "$T/root/$PROBE" 1500
    PROBE_SHA=$(sha "$T/root/$PROBE")
}

# start_daemon CONF: the daemon in the background, its output in $PB_LOG; returns once it
# answers an RRQ for the probe file (at most 5 s), else non-zero
start_daemon() {
    local conf=$1
    probe_setup
    PB_LOG=$T/daemon.$((++PB_STARTS)).log
    "$PHONEBOOT" -c "$conf" serve >"$PB_LOG" 2>&1 &
    PB_PID=$!
    # one client repeats its RRQ from one socket until answered (at most 5 s), so no
    # request that waited in the socket buffer starts a transfer nobody reads
    local got
    got=$($RAW --ready 5 --wait 1 "$PORT" get "$PROBE" 2>&1)
    if [ "$got" = "OK 1500 3" ]; then
        return 0
    fi
    if ! kill -0 "$PB_PID" 2>/dev/null; then
        wait "$PB_PID"
        echo "# daemon exited at start with status $?:"
        PB_PID=""
    else
        echo "# daemon does not answer on 127.0.0.1:$PORT within 5 s ($got):"
    fi
    sed 's/^/#   /' "$PB_LOG" | tail -20
    return 1
}
PB_STARTS=0

# sanitizer_report FILE: prints the first sanitizer line, succeeds if there is one
sanitizer_report() {
    grep -m1 -E 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' "$1"
}

# stop_daemon NAME: SIGTERM to $PB_PID, wait (at most 15 s: ASan's leak check takes a
# moment), and report NAME ok when it exited 0 with no sanitizer report in its output
stop_daemon() {
    local name=$1 rc
    if [ -z "$PB_PID" ]; then
        notok "$name" "no daemon running"
        return 1
    fi
    kill -TERM "$PB_PID" 2>/dev/null
    for _ in $(seq 1 150); do
        kill -0 "$PB_PID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$PB_PID" 2>/dev/null; then
        kill -KILL "$PB_PID"
        wait "$PB_PID" 2>/dev/null
        PB_PID=""
        notok "$name" "still running 15 s after SIGTERM (killed)"
        return 1
    fi
    wait "$PB_PID"
    rc=$?
    PB_PID=""
    local san
    san=$(sanitizer_report "$PB_LOG")
    if [ -n "$san" ]; then
        notok "$name" "sanitizer report: $san"
        sed -n '/Sanitizer\|runtime error/,+25p' "$PB_LOG" | head -40 | sed 's/^/#   /'
        return 1
    fi
    if [ "$rc" != 0 ]; then
        notok "$name" "exit status $rc after SIGTERM"
        tail -10 "$PB_LOG" | sed 's/^/#   /'
        return 1
    fi
    ok "$name"
}

# alive: the daemon is running and has printed no sanitizer report
alive() {
    [ -n "$PB_PID" ] && kill -0 "$PB_PID" 2>/dev/null && ! sanitizer_report "$PB_LOG" >/dev/null
}

# check_served CASE: after a negative case, prove the daemon still runs and still serves the
# probe file byte-identical
check_served() {
    local got
    if ! alive; then
        notok "still serving after $1" "daemon is gone or reported: $(sanitizer_report "$PB_LOG")"
        return 1
    fi
    rm -f "$T/probe.out"
    got=$($RAW --wait 2 --out "$T/probe.out" "$PORT" get "$PROBE" 2>&1)
    if [ "$got" != "OK 1500 3" ]; then
        notok "still serving after $1" "probe download: $got"
        return 1
    fi
    if [ "$(sha "$T/probe.out")" != "$PROBE_SHA" ]; then
        notok "still serving after $1" "probe download differs"
        return 1
    fi
    ok "still serving after $1"
}

# log_has ERE [SECONDS]: the daemon's output has a matching line (waits up to SECONDS,
# default 2, for the line to be flushed)
log_has() {
    local n=$(( ${2:-2} * 10 ))
    for _ in $(seq 0 "$n"); do
        grep -qE -- "$1" "$PB_LOG" && return 0
        sleep 0.1
    done
    return 1
}

# log_mark: remember where the daemon's output ends now; log_since prints what came after
log_mark() {
    PB_MARK=$(wc -l <"$PB_LOG")
}
log_since() {
    tail -n +$((PB_MARK + 1)) "$PB_LOG"
}
PB_MARK=0

# since_has ERE [SECONDS]: a line after the mark matches (waits up to SECONDS, default 2)
since_has() {
    local n=$(( ${2:-2} * 10 ))
    for _ in $(seq 0 "$n"); do
        log_since | grep -qE -- "$1" && return 0
        sleep 0.1
    done
    return 1
}

# log_count ERE: how many lines of the daemon's output match
log_count() {
    grep -cE -- "$1" "$PB_LOG"
}

for tool in python3 sha256sum; do
    command -v "$tool" >/dev/null || { echo "not ok - setup: $tool missing"; exit 1; }
done
[ -x "$PHONEBOOT" ] || { echo "not ok - setup: $PHONEBOOT is not built"; exit 1; }
mkdir -p "$T/root" "$T/state"
PORT=$(free_port)

# netns_teardown NS...: end what still runs in these namespaces (only this script starts
# processes there) and delete them
netns_teardown() {
    local ns p
    for ns in "$@"; do
        ip netns list 2>/dev/null | grep -qw "$ns" || continue
        for p in $(ip netns pids "$ns" 2>/dev/null); do
            echo "# stray process $p in $ns: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"
            kill -KILL "$p" 2>/dev/null
        done
        ip netns del "$ns" 2>/dev/null
    done
}
