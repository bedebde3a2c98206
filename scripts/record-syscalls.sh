#!/bin/bash
# record-syscalls.sh - the system calls and address families the daemon (`serve`) uses,
# recorded with `strace -f -C` while it works, into debian/syscalls.txt and
# debian/address-families.txt (one name a line). tests/integration/unit_check.sh fails
# when the unit's SystemCallFilter= or RestrictAddressFamilies= does not cover them.
#
#   scripts/record-syscalls.sh [-o DIR] [BINARY]    (root; default ./phoneboot, built if
#                                                    missing; DIR default debian/)
#
# What the daemon is made to do, each run started as root with [server] user = nobody
# (the bind, the chown of the state and the drop are recorded too), under setpriv with the
# unit's CapabilityBoundingSet= and NoNewPrivileges= (so DHCP is shown to work without
# CAP_NET_RAW), and ended by SIGTERM:
#   1. io = io_uring (where the kernel has it): TFTP downloads on 127.0.0.1 (default and
#      negotiated blksize/windowsize, 1 to ~100 blocks), a missing file, a refused WRQ;
#   2. io = epoll, log = syslog: the same;
#   3. DHCP in two network namespaces of this script's own (veth): `phoneboot probe
#      --request` (DISCOVER, OFFER, REQUEST, ACK, then a TFTP fetch from option 150);
#      the interface's address comes from netlink (getifaddrs).
# `firmware import` is the CLI's, not the daemon's: not recorded.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 2
OUT=debian
while getopts o: opt; do
    case $opt in
    o) OUT=$OPTARG ;;
    *) echo "usage: $0 [-o DIR] [BINARY]" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
BIN=${1:-$TOP/phoneboot}
say() { printf 'record-syscalls: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (port 69 in a namespace, the drop to nobody)"
for t in strace ip python3 setpriv; do command -v $t >/dev/null || die "$t missing: scripts/deps.sh test"; done
if [ ! -x "$BIN" ] && [ "$BIN" = "$TOP/phoneboot" ]; then
    make -s phoneboot >&2 || die "make phoneboot failed"
fi
[ -x "$BIN" ] || die "$BIN: not an executable"

W=$(mktemp -d /tmp/phoneboot-rec.XXXXXX)
chmod 755 "$W"
NS_S=pbrec$$s NS_C=pbrec$$c IF_S=pbrec$$s0 IF_C=pbrec$$c0
SPID=""
cleanup() {
    local p
    [ -n "$SPID" ] && kill -KILL "$SPID" 2>/dev/null
    for ns in $NS_C $NS_S; do
        ip netns list 2>/dev/null | grep -qw "$ns" || continue
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
        ip netns del "$ns" 2>/dev/null
    done
    rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

RAW="python3 $TOP/tests/integration/tftpraw.py"
mkdir -p "$W/root"
python3 -c 'import os, sys
for n, s in (("small.bin", 700), ("one.bin", 1500), ("big.bin", 140000)):
    open(os.path.join(sys.argv[1], n), "wb").write(os.urandom(s))' "$W/root"
chmod -R a+rX "$W/root"

# conf N LISTEN LINE...: a config for run N
conf() {
    local n=$1 listen=$2
    shift 2
    mkdir -p "$W/state$n"
    {
        printf '[server]\nstate_dir = %s/state%s\nuser = nobody\n' "$W" "$n"
        printf '[tftp]\nlisten = %s\nroot = %s/root\nmax_per_client = 0\n' "$listen" "$W"
        local l
        for l in "$@"; do printf '%s\n' "$l"; done
    } >"$W/conf$n"
}

# the unit's capability bounding set and NoNewPrivileges=, for setpriv: the daemon is
# recorded with what the unit leaves it (not its seccomp filter: that is what is checked)
UNIT=$TOP/contrib/phoneboot.service
CAPS=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT" | tr 'A-Z' 'a-z' | sed 's/cap_//g; s/ /,+/g')
[ -n "$CAPS" ] || die "$UNIT: no CapabilityBoundingSet="
SETPRIV=(setpriv "--bounding-set=-all,+$CAPS")
grep -qx 'NoNewPrivileges=yes' "$UNIT" && SETPRIV+=(--no-new-privs)

# traced N [NETNS]: the daemon under strace, in the background; SPID is strace's
traced() {
    local n=$1 pre=()
    [ -n "${2:-}" ] && pre=(ip netns exec "$2")
    "${pre[@]}" "${SETPRIV[@]}" -- strace -f -qq -C -o "$W/trace$n" "$BIN" -c "$W/conf$n" serve \
        >"$W/log$n" 2>&1 &
    SPID=$!
}

# stop_traced: SIGTERM to the daemon (strace's child), then wait for strace to end
stop_traced() {
    local child
    child=$(cat "/proc/$SPID/task/$SPID/children" 2>/dev/null | awk '{ print $1 }')
    [ -n "$child" ] && kill -TERM "$child"
    for _ in $(seq 1 100); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$SPID" 2>/dev/null && { kill -KILL "$SPID"; say "the daemon did not stop on SIGTERM"; }
    wait "$SPID" 2>/dev/null
    SPID=""
}

# downloads PORT: the TFTP work of runs 1 and 2; fails unless each answer is the one expected
downloads() {
    local p=$1 r fail=0
    r=$($RAW --ready 5 --wait 2 "$p" get one.bin) ; [ "$r" = "OK 1500 3" ] || fail=1
    r=$($RAW --wait 2 "$p" get small.bin) ; [ "$r" = "OK 700 2" ] || fail=1
    r=$($RAW --wait 2 "$p" get big.bin blksize 1468 windowsize 8 tsize 0 | tail -1)
    [[ $r == "OK 140000 "* ]] || fail=1
    r=$($RAW --wait 2 "$p" get nosuch.bin | tail -1) ; [[ $r == "ERROR 1 "* ]] || fail=1
    r=$($RAW --wait 2 --wrq "$p" rrq up.bin octet) ; [[ $r == "ERROR "* ]] || fail=1
    [ $fail = 0 ] || say "run on port $p: an answer was not the expected one (last: $r)"
    return $fail
}

free_port() {
    python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

runs=""
v=$(uname -r)
maj=${v%%.*} min=${v#*.} min=${min%%.*}
if [ "$(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo 0)" = 0 ] &&
    { [ "$maj" -gt 6 ] || { [ "$maj" = 6 ] && [ "$min" -ge 1 ]; }; }; then
    P=$(free_port)
    conf 1 "127.0.0.1:$P" "io = io_uring"
    traced 1
    downloads "$P" || die "run 1 (io_uring) failed; its log: $(tail -3 "$W/log1")"
    stop_traced
    grep -q 'io_uring' "$W/log1" || die "run 1 did not use io_uring: $(head -3 "$W/log1")"
    runs="$runs 1"
else
    say "this kernel ($v) has no io_uring for phoneboot: run 1 skipped, the list lacks it"
fi

P=$(free_port)
conf 2 "127.0.0.1:$P" "io = epoll"
sed -i 's/^user = nobody$/user = nobody\nlog = syslog/' "$W/conf2"
traced 2
downloads "$P" || die "run 2 (epoll) failed; its log: $(tail -3 "$W/log2")"
stop_traced
runs="$runs 2"

# run 3: DHCP between two namespaces
ip netns add "$NS_S" && ip netns add "$NS_C" || die "ip netns add failed"
ip link add "$IF_S" netns "$NS_S" type veth peer name "$IF_C" netns "$NS_C" || die "veth failed"
ip -n "$NS_S" addr add 10.79.0.1/24 dev "$IF_S"
for n in $NS_S $NS_C; do ip -n "$n" link set lo up; done
ip -n "$NS_S" link set "$IF_S" up
ip -n "$NS_C" link set "$IF_C" up
# the probe fetches over TFTP from this address once DHCP has named the server
ip -n "$NS_C" addr add 10.79.0.50/24 dev "$IF_C"
conf 3 "10.79.0.1:69" "[dhcp]" "enabled = yes" "interface = $IF_S" "range = 10.79.0.100-10.79.0.110"
traced 3 "$NS_S"
for _ in $(seq 1 100); do grep -q 'TFTP on' "$W/log3" && break; sleep 0.1; done
grep -q 'TFTP on' "$W/log3" || die "run 3: the daemon did not start: $(tail -3 "$W/log3")"
sleep 0.5
timeout 30 ip netns exec "$NS_C" "$BIN" -c "$W/conf3" probe --iface "$IF_C" --request >"$W/probe3" 2>&1
prc=$?
stop_traced
[ $prc = 0 ] || die "run 3: probe --request exited $prc: $(tail -5 "$W/probe3")"
runs="$runs 3"

# the summary table of each trace: the last field of its rows is the call's name
for n in $runs; do
    awk '/^% time/ { t = 1; next } t && /^-/ { if (++d == 2) exit; next } t && d == 1 { print $NF }' \
        "$W/trace$n"
done | sort -u >"$W/syscalls"
for n in $runs; do
    grep -oE '(socket|socketpair)\(AF_[A-Z0-9]+' "$W/trace$n" | sed 's/.*(//'
done | sort -u >"$W/families"
[ -s "$W/syscalls" ] && [ -s "$W/families" ] || die "nothing recorded"

mkdir -p "$OUT"
hdr="# recorded by scripts/record-syscalls.sh (runs:$runs) on Linux $v, $(ldd --version | head -1 | sed 's/.* //') glibc"
for f in syscalls families; do
    dest=$OUT/syscalls.txt
    [ $f = families ] && dest=$OUT/address-families.txt
    if [ -f "$dest" ]; then
        added=$(comm -13 <(grep -v '^#' "$dest" | sort -u) "$W/$f" | tr '\n' ' ')
        [ -n "$added" ] && say "$dest: new since the last record: $added"
    fi
    { echo "$hdr"; cat "$W/$f"; } >"$dest"
    say "$dest: $(wc -l <"$W/$f") names"
done
