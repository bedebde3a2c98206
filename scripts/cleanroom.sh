#!/bin/bash
# cleanroom.sh - `make cleanroom`: run the README's commands on a fresh, minimal
# Debian root, as a new user would, so that a missing install step shows.
#
#   scripts/cleanroom.sh [--fresh] [--keep-log DIR] [--skip-test]
#     --fresh      build the base tarball again
#     --keep-log   the step logs go to DIR (default build/cleanroom/)
#     --skip-test  stop after make run (no make test, no package steps)
#
# Needs root on a Debian host (debootstrap, socat, unshare, python3: scripts/deps.sh
# cleanroom). What it does, each step timed and reported PASS/FAIL:
#  1. base: a debootstrap --variant=minbase root of this host's suite and arch, cached as
#     a tarball in $CLEANROOM_CACHE (default /var/cache/phoneboot-cleanroom); --fresh
#     builds it again. Every run unpacks the pristine tarball into a new root.
#  2. checkout: a git clone of HEAD (not the work tree) at /srv/ci/phoneboot in the root,
#     ../shared beside it as /srv/ci/shared, bind-mounted read-only.
#  3. in namespaces of its own (unshare --net --mount --pid): loopback and a veth pair
#     with both ends inside, so no server started inside is reachable from outside;
#     /proc, /sys, /dev, /dev/pts, /dev/shm and /run mounted in the root; then, chrooted,
#     as root, the README's commands: scripts/deps.sh where make is missing, `make run`
#     until a file put in the TFTP root it names comes back over TFTP, Ctrl-C, `make
#     test`, a check that every program tests/ looks for is there; then, where the
#     checkout has them, `make deb`, tests/package/install-test.sh and
#     scripts/record-syscalls.sh.
# At the end, on a failure or Ctrl-C too, it kills what it started (unshare, and with it
# everything in the PID namespace; the host-side socat, by PID) and removes the root.
# Exit status: 0 when every step passed, 1 when one failed, 2 when it could not start.
# The mirror: taken at run time from this host's apt sources (one-line and deb822).
# Inside, apt reaches it the one way out there is: each mirror host name maps to a
# loopback address in the root's /etc/hosts; a socat there forwards TCP to a Unix socket
# in a private directory, and a socat on the host side of that socket connects to the
# mirror. Nothing else leaves the namespace, and nothing enters it: the forward is
# outward only, the socket is the host's end. So scripts/deps.sh runs apt-get inside
# exactly as it does for a new user, and the tests' servers stay unreachable.
set -u

SELF=$(readlink -f "$0")
TOP=$(cd "$(dirname "$SELF")/.." && pwd)
CACHE=${CLEANROOM_CACHE:-/var/cache/phoneboot-cleanroom}
CI_DIR=/srv/ci                  # in the root: CI's layout, repo and shared/ side by side
FRESH=no SKIP_TEST=${SKIP_TEST:-no} KEEP_LOG=""

say() { printf '%s\n' "cleanroom: $*" >&2; }
die() { say "$*"; exit 2; }

# ---- apt sources of this host -------------------------------------------------------

# sources_entries: "URI SUITE COMPONENT..." for each enabled deb entry on this host
sources_entries() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" | awk '$1 == "deb" && NF >= 3 {
            $1 = ""; sub(/^ /, ""); print }'
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        deb822_entries "$f"
    done
}

# deb822_entries FILE: the same from a deb822 .sources file (stanzas split by blank lines,
# continuation lines start with a space, Enabled: no skips a stanza)
deb822_entries() {
    sed -e '/^#/d' "$1" | awk '
    function flush(   n, u, s, i, j, uris, suites) {
        if (types ~ /(^| )deb( |$)/ && enabled != "no") {
            n = split(uri, uris, " "); u = split(suite, suites, " ")
            for (i = 1; i <= n; i++) for (j = 1; j <= u; j++)
                print uris[i], suites[j], comp
        }
        types = uri = suite = comp = key = ""; enabled = "yes"
    }
    BEGIN { enabled = "yes" }
    /^[ \t]*$/ { flush(); next }
    /^[ \t]/ { v = $0; sub(/^[ \t]+/, "", v); add(key, v); next }
    {
        key = tolower($0); sub(/:.*/, "", key)
        v = $0; sub(/^[^:]*:[ \t]*/, "", v); add(key, v)
    }
    function add(k, v) {
        if (k == "types") types = types " " v
        else if (k == "uris") uri = uri " " v
        else if (k == "suites") suite = suite " " v
        else if (k == "components") comp = comp " " v
        else if (k == "enabled") enabled = tolower(v)
    }
    END { flush() }' | sed 's/  */ /g; s/^ //'
}

# suite_entries SUITE: the host entries for SUITE, SUITE-updates and SUITE-security,
# only http(s) mirrors (the forward below carries TCP to a named host)
suite_entries() {
    sources_entries | awk -v s="$1" '($2 == s || $2 == s "-updates" || $2 == s "-security" ||
        $2 == s "/updates") && $1 ~ /^https?:\/\// { sub(/\/+$/, "", $1); print }' | sort -u
}

# ---- the base tarball ---------------------------------------------------------------

# a mirror on https needs the CA certificates in the root, as a machine installed from it has
base_tarball() { echo "$CACHE/$SUITE-$ARCH-minbase${BASE_INCLUDE:+-$BASE_INCLUDE}.tar.gz"; }

# build_base: debootstrap into a temp dir, then tar it; an interrupted build leaves no
# tarball behind (temp name, then rename). debootstrap mounts /proc in the target: in a
# mount namespace of its own, those mounts cannot outlive it
build_base() {
    local dir tar
    tar=$(base_tarball)
    mkdir -p "$CACHE" || return 1
    dir=$(mktemp -d "$CACHE/build.XXXXXX") || return 1
    BUILD_DIR=$dir
    echo "debootstrap $SUITE ($ARCH) from $MIRROR${BASE_INCLUDE:+, with $BASE_INCLUDE}"
    if ! unshare --mount --propagation private debootstrap --variant=minbase --arch="$ARCH" \
        ${BASE_INCLUDE:+--include=$BASE_INCLUDE} "$SUITE" "$dir/root" "$MIRROR"; then
        rm -rf --one-file-system "$dir"
        return 1
    fi
    rm -f "$dir/root/etc/hostname"
    tar -C "$dir/root" -czf "$tar.tmp" . && mv "$tar.tmp" "$tar"
    local rc=$?
    rm -rf --one-file-system "$dir"
    BUILD_DIR=""
    return $rc
}

# ---- the forward to the mirror ------------------------------------------------------

# plan_forwards: one line "ADDR PORT HOST" per mirror host and port; ADDR is the loopback
# address the root's /etc/hosts gives HOST
plan_forwards() {
    echo "$ENTRIES" | awk '{
        u = $1; scheme = u; sub(/:.*/, "", scheme); sub(/^[a-z]+:\/\//, "", u); sub(/\/.*/, "", u)
        h = u; p = (scheme == "https") ? 443 : 80
        if (u ~ /:[0-9]+$/) { p = u; sub(/.*:/, "", p); h = u; sub(/:[0-9]+$/, "", h) }
        if (!(h in addr)) addr[h] = "127.0.2." (++n)
        if (!((h, p) in seen)) { seen[h, p] = 1; print addr[h], p, h }
    }'
}

start_host_forwards() {
    local addr port host i=0
    while read -r addr port host; do
        [ -n "$host" ] || continue
        i=$((i + 1))
        socat UNIX-LISTEN:"$RUN/fwd-$i.sock",fork,mode=600 TCP:"$host:$port" 2>>"$RUN/socat.log" &
        HOST_PIDS="$HOST_PIDS $!"
    done <<<"$FORWARDS"
}

# ---- the root of one run ------------------------------------------------------------

unpack_root() {
    mkdir -p "$ROOT" && tar -C "$ROOT" -xzf "$(base_tarball)" || return 1
    echo "$ENTRIES" | awk '{ printf "deb %s", $1; for (i = 2; i <= NF; i++) printf " %s", $i; print "" }' \
        >"$ROOT/etc/apt/sources.list"
    rm -f "$ROOT"/etc/apt/sources.list.d/*
    {
        echo "127.0.0.1 localhost cleanroom"
        echo "::1 localhost ip6-localhost ip6-loopback"
        echo "$FORWARDS" | awk 'NF == 3 && !seen[$3]++ { print $1, $3 }'
    } >"$ROOT/etc/hosts"
    echo cleanroom >"$ROOT/etc/hostname"
    : >"$ROOT/etc/resolv.conf"
}

clone_checkout() {
    local sha
    sha=$(git -C "$TOP" rev-parse HEAD) || return 1
    mkdir -p "$ROOT$CI_DIR/shared" || return 1
    git clone -q --no-hardlinks --no-checkout "$TOP" "$ROOT$CI_DIR/phoneboot" &&
        git -C "$ROOT$CI_DIR/phoneboot" checkout -q --detach "$sha" || return 1
    rm -rf "$ROOT$CI_DIR/phoneboot/.git/hooks"
    say "checkout: $sha${DIRTY:+ (the work tree has uncommitted changes: not in the root)}"
}

# ---- steps --------------------------------------------------------------------------

# step NAME COMMAND...: runs COMMAND with its output in $LOGS/NAME.log, times it and
# records "PASS|FAIL NAME SECONDS" in $RUN/results; the log's tail shows on a failure
step() {
    local name=$1 t0 rc secs
    shift
    say "step $name: ..."
    t0=$(date +%s)
    "$@" >"$LOGS/$name.log" 2>&1
    rc=$?
    secs=$(($(date +%s) - t0))
    if [ $rc = 0 ]; then
        echo "PASS $name $secs" >>"$RUN/results"
        say "step $name: PASS ($secs s)"
    else
        echo "FAIL $name $secs" >>"$RUN/results"
        say "step $name: FAIL ($secs s, exit $rc); last lines of $LOGS/$name.log:"
        tail -25 "$LOGS/$name.log" | sed 's/^/    /' >&2
    fi
    return $rc
}

# in_root COMMAND: a shell command in the checkout inside the root, as root, with the
# environment of a login there and nothing of this host's
in_root() {
    chroot "$ROOT" /usr/bin/env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/sh \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb LANG=C.UTF-8 \
        /bin/sh -c "cd $CI_DIR/phoneboot && $1"
}

# tftp_get HOST PORT NAME OUT: a plain octet RRQ from this host's python3 (the root has no
# TFTP client before `make test` installs some)
tftp_get() {
    python3 - "$@" <<'PY'
import socket, sys
host, port, name, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.sendto(b"\0\1" + name.encode() + b"\0octet\0", (host, port))
data, want = b"", 1
while True:
    pkt, peer = s.recvfrom(65536)
    op = int.from_bytes(pkt[:2], "big")
    if op == 5:
        sys.exit("TFTP error: " + pkt[4:].rstrip(b"\0").decode(errors="replace"))
    if op != 3:
        sys.exit("unexpected TFTP opcode %d" % op)
    blk = int.from_bytes(pkt[2:4], "big")
    s.sendto(b"\0\4" + pkt[2:4], peer)
    if blk == want:
        data += pkt[4:]
        want = (want + 1) & 0xFFFF
        if len(pkt) - 4 < 512:
            break
open(out, "wb").write(data)
PY
}

# make_run: `make run` in the background until it serves a file we put in the TFTP root
# its start-up line names; then stop it by its process group and see that it ends
make_run() {
    local log=$RUN/make-run.out pid line root port n=0 limit=1200
    head -c 3000 /dev/urandom >"$RUN/probe.bin"
    setsid bash -c "$(declare -f in_root); ROOT=$ROOT CI_DIR=$CI_DIR in_root 'make run'" \
        >"$log" 2>&1 </dev/null &
    pid=$!
    echo "make run: pid $pid"
    while :; do
        if ! kill -0 $pid 2>/dev/null; then
            cat "$log"; echo "make run ended before it served the file"; return 1
        fi
        line=$(grep -m1 ': TFTP on .*, root ' "$log" 2>/dev/null)
        if [ -n "$line" ]; then
            root=$(sed 's/.*, root \([^,]*\),.*/\1/' <<<"$line")
            port=$(sed 's/.*: TFTP on [^ ]*:\([0-9]*\),.*/\1/' <<<"$line")
            cp "$RUN/probe.bin" "$ROOT$root/cleanroom-probe.bin" 2>/dev/null &&
                tftp_get 127.0.0.1 "$port" cleanroom-probe.bin "$RUN/got.bin" 2>"$RUN/get.err" &&
                cmp "$RUN/probe.bin" "$RUN/got.bin" && break
        fi
        n=$((n + 2))
        if [ $n -ge $limit ]; then
            cat "$log"; cat "$RUN/get.err" 2>/dev/null; echo "no file served after $limit s"
            kill -KILL -- -$pid; return 1
        fi
        sleep 2
    done
    cat "$log"
    echo "served cleanroom-probe.bin (3000 bytes) from $root over TFTP on 127.0.0.1:$port: same bytes"
    # Ctrl-C in a terminal: the signal goes to the whole process group
    kill -INT -- -$pid
    for n in $(seq 50); do kill -0 -- -$pid 2>/dev/null || break; sleep 0.2; done
    if kill -0 -- -$pid 2>/dev/null; then
        echo "make run still running 10 s after SIGINT"; kill -KILL -- -$pid; return 1
    fi
    wait $pid
    echo "make run stopped by SIGINT (exit $?)"
    tail -3 "$log"
    grep -q 'stopped$' "$log" || { echo "the daemon did not log 'stopped'"; return 1; }
}

# make_test: `make test`; it must exit 0 and end with "N passed, 0 failed"
make_test() {
    local last
    in_root 'make test'
    local rc=$?
    last=$(tail -1 "$LOGS/make-test.log")
    echo "make test: exit $rc"
    [ $rc = 0 ] && [[ $last =~ ^[0-9]+\ passed,\ 0\ failed$ ]]
}

# test_tools: every program tests/ looks for by name (`command -v NAME`, `for tool in ...`)
# is in the root after `make test`: a test that skips or fails when one is missing cannot
# say so louder than this (a skip counts as "ok" in the tally)
test_tools() {
    local dir=$ROOT$CI_DIR/phoneboot/tests names missing
    names=$( { grep -rhoE 'command -v "?[A-Za-z0-9._+-]+' "$dir" | sed 's/.* "\{0,1\}//'
        grep -rhoE 'for tool in [^;]*;' "$dir" | sed 's/^for tool in //; s/;$//' | tr ' ' '\n'
    } | grep -v '^\$' | sort -u | tr '\n' ' ')
    echo "programs the tests look for: $names"
    missing=$(in_root "for t in $names; do command -v \$t >/dev/null || echo \$t; done")
    [ -z "$missing" ] || { echo "not in the root after make test:" $missing; return 1; }
    echo "all there"
}

# ---- inside the namespaces ----------------------------------------------------------

mount_root() {
    local d
    ip link set lo up || return 1
    # a machine has a NIC: without an IPv4 address other than 127.0.0.1, getaddrinfo with
    # AI_ADDRCONFIG refuses even "127.0.0.1" (in.tftpd -a 127.0.0.1 exits 66). A veth pair
    # whose both ends are in here, on TEST-NET-1 (RFC 5737), no route beyond it: what is
    # sent there is dropped inside the namespace
    ip link add cr0 type veth peer name cr1 && ip addr add 192.0.2.1/24 dev cr0 &&
        ip link set cr0 up && ip link set cr1 up || return 1
    # / must be a mount point in the root: `ip netns exec` makes it a slave mount
    mount --bind "$ROOT" "$ROOT" &&
        mount -t proc proc "$ROOT/proc" &&
        mount -t sysfs sysfs "$ROOT/sys" &&
        mount --bind /dev "$ROOT/dev" &&
        mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts "$ROOT/dev/pts" &&
        mount --bind "$ROOT/dev/pts/ptmx" "$ROOT/dev/ptmx" &&
        mount -t tmpfs -o mode=1777,nosuid,nodev shm "$ROOT/dev/shm" &&
        mount -t tmpfs -o mode=755,nosuid,nodev run "$ROOT/run" || return 1
    mkdir -m 1777 "$ROOT/run/lock"
    if [ -n "$SHARED" ]; then
        d=$ROOT$CI_DIR/shared
        mount --bind "$SHARED" "$d" && mount -o remount,bind,ro "$d" || return 1
    fi
    findmnt -rn -o TARGET,FSTYPE,OPTIONS | grep -F "$ROOT"
}

start_inner_forwards() {
    local addr port host i=0
    while read -r addr port host; do
        [ -n "$host" ] || continue
        i=$((i + 1))
        socat TCP-LISTEN:"$port",bind="$addr",fork,reuseaddr UNIX-CONNECT:"$RUN/fwd-$i.sock" \
            2>>"$RUN/socat-inner.log" &
    done <<<"$FORWARDS"
}

inner() {
    step mount mount_root || return 1
    start_inner_forwards
    step deps-sh in_root 'command -v make >/dev/null || scripts/deps.sh' || return 1
    step make-run make_run
    [ "$SKIP_TEST" = no ] || return 0
    step make-test make_test
    step test-tools test_tools
    package_steps
    return 0
}

# package_steps: the .deb built in the root, its install test and the syscall record,
# where this checkout has them (debian/ and the two scripts come from packaging)
package_steps() {
    local top=$ROOT$CI_DIR/phoneboot
    [ -d "$top/debian" ] || { say "no debian/: package steps skipped"; return 0; }
    if step deb-build in_root 'make deb && ls -l build/deb/' &&
        [ -x "$top/tests/package/install-test.sh" ]; then
        step install-test in_root 'tests/package/install-test.sh && [ "$(dpkg-query -W -f="\${db:Status-Status}" phoneboot 2>/dev/null)" != installed ]'
    fi
    [ -x "$top/scripts/record-syscalls.sh" ] &&
        step record-syscalls in_root 'mkdir -p /tmp/recorded && scripts/record-syscalls.sh -o /tmp/recorded &&
            for f in syscalls.txt address-families.txt; do
                echo "$f: recorded here against the committed one:"
                diff debian/$f /tmp/recorded/$f && echo "  the same"
            done; true'
    return 0
}

# ---- on the host --------------------------------------------------------------------

NS_PID="" HOST_PIDS="" WORK="" BUILD_DIR=""

# remove_tree DIR: only where nothing is mounted below it (this mount namespace's view)
remove_tree() {
    [ -n "$1" ] && [ -d "$1" ] || return 0
    if grep -qF " $1/" /proc/self/mountinfo; then
        say "something is still mounted under $1: not removed"
    else
        rm -rf --one-file-system "$1"
    fi
}

cleanup() {
    local p
    trap - EXIT INT TERM
    # unshare --fork ignores SIGINT and SIGTERM: SIGKILL. Its child, the PID namespace's
    # first process, dies with it (--kill-child), and with that every process of the
    # namespace; their mounts go with the mount namespace
    [ -n "$NS_PID" ] && kill -KILL "$NS_PID" 2>/dev/null
    for p in $HOST_PIDS; do kill -TERM "$p" 2>/dev/null; done
    wait 2>/dev/null
    remove_tree "$WORK"
    remove_tree "$BUILD_DIR"
}

report() {
    local total=$1 verdict=PASS
    echo
    echo "cleanroom: $SUITE/$ARCH, $(git -C "$TOP" rev-parse --short HEAD), logs in $LOGS"
    while read -r r name secs; do
        printf '  %-4s %-16s %5d s\n' "$r" "$name" "$secs"
        [ "$r" = PASS ] || verdict=FAIL
    done <"$RUN/results"
    [ -s "$RUN/results" ] || verdict=FAIL
    printf '  %-4s %-16s %5d s\n' "$verdict" total "$total"
    [ $verdict = PASS ]
}

host_main() {
    local t0 rc
    [ "$(id -u)" = 0 ] || die "run as root (debootstrap, chroot, namespaces)"
    "$TOP/scripts/deps.sh" cleanroom || exit 2
    t0=$(date +%s)
    SUITE=${CLEANROOM_SUITE:-$(. /etc/os-release && echo "$VERSION_CODENAME")}
    ARCH=$(dpkg --print-architecture)
    ENTRIES=$(suite_entries "$SUITE")
    MIRROR=$(echo "$ENTRIES" | awk -v s="$SUITE" '$2 == s { print $1; exit }')
    BASE_INCLUDE=""
    case $ENTRIES in *https://*) BASE_INCLUDE=ca-certificates ;; esac
    [ -n "$MIRROR" ] || die "no http(s) deb entry for $SUITE in this host's apt sources"
    FORWARDS=$(plan_forwards)
    SHARED=$(readlink -f "$TOP/../shared" 2>/dev/null)
    [ -d "$SHARED" ] || { say "no ../shared beside the checkout: the root gets none"; SHARED=""; }
    git -C "$TOP" diff --quiet HEAD 2>/dev/null || DIRTY=yes
    LOGS=${KEEP_LOG:-$TOP/build/cleanroom}
    mkdir -p "$LOGS" && rm -f "$LOGS"/*.log || exit 2
    WORK=$(mktemp -d /var/tmp/phoneboot-cleanroom.XXXXXX) || exit 2
    ROOT=$WORK/root RUN=$WORK/run
    mkdir -m 700 "$RUN"
    : >"$RUN/results"
    trap cleanup EXIT
    trap 'say interrupted; exit 130' INT TERM

    if [ $FRESH = yes ] || [ ! -s "$(base_tarball)" ]; then
        step base build_base || { report $(($(date +%s) - t0)); return 1; }
    fi
    step root unpack_root && step checkout clone_checkout ||
        { report $(($(date +%s) - t0)); return 1; }
    start_host_forwards
    export ROOT RUN LOGS FORWARDS SHARED SKIP_TEST SUITE ARCH
    unshare --net --mount --pid --fork --kill-child=SIGKILL --propagation private \
        "$SELF" --inner &
    NS_PID=$!
    wait $NS_PID
    rc=$?
    NS_PID=""
    [ $rc = 0 ] || echo "FAIL namespaces-exit-$rc 0" >>"$RUN/results"
    report $(($(date +%s) - t0))
}

main() {
    while [ $# -gt 0 ]; do
        case $1 in
        --fresh) FRESH=yes ;;
        --skip-test) SKIP_TEST=yes ;;
        --keep-log) KEEP_LOG=$2; shift ;;
        --inner) inner; return ;;
        -h|--help) sed -n '2,/^set -u/p' "$SELF" | sed '$d; s/^# \{0,1\}//'; return 0 ;;
        *) die "unknown option $1 (see --help)" ;;
        esac
        shift
    done
    host_main
}

# one line: bash reads a script as it runs it, so an edit during a run cannot change it
main "$@"; exit $?
