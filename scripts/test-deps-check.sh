#!/bin/bash
# test-deps-check.sh - `make test-deps-check`: every program the integration tests run
# must come from a package that `scripts/deps.sh test` installs, or from the base system.
#
# The integration tests run once under `strace -f -e trace=execve`; each program that
# was executed successfully is resolved (symlinks, and the /usr merge: dpkg may know it
# as /bin/X while it lives in /usr/bin/X) and looked up with `dpkg -S`. A program passes
# when one of its owning packages is in the allowed set:
#   - the packages of the build and test groups, read from `scripts/deps.sh --list test`
#     at run time (so whatever another change adds there counts), and their installed
#     dependencies (Depends, Pre-Depends: deps.sh installs without recommends);
#   - the base system, by this rule: Essential: yes or Priority: required. That is what
#     `debootstrap --variant=minbase` (the clean room, a container image) has; Priority:
#     important (iproute2, ...) is NOT assumed, a minimal machine does not have it.
#   - atftpd, which deps.sh unpacks into its ATFTPD_ROOT instead of installing.
# Ours, not checked: programs in the checkout (./phoneboot, build/..., tests' scripts)
# and under /tmp (the tests' temp dirs: copies of the binary, generated scripts).
# Each offending program is printed with its package; exit 1 if there is one.
#
#   scripts/test-deps-check.sh            (env: TESTS, a subset, as for make test)
#   scripts/test-deps-check.sh --trace F  check an existing strace log F instead
#   scripts/test-deps-check.sh --keep F   keep the strace log in F
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 2
say() { printf 'test-deps-check: %s\n' "$*" >&2; }

trace="" own_trace=no keep=""
if [ "${1:-}" = --keep ]; then keep=$2; shift 2; fi
if [ "${1:-}" = --trace ]; then
    trace=$2
else
    command -v strace >/dev/null || { say "strace missing: scripts/deps.sh test"; exit 2; }
    [ -x build/asan/phoneboot ] || { say "build/asan/phoneboot not built (make test builds it)"; exit 2; }
    trace=$(mktemp /tmp/phoneboot-execve.XXXXXX)
    own_trace=yes
    # LeakSanitizer stops the process with ptrace, which a traced process cannot: no leak
    # check here (make test does it); --seccomp-bpf keeps the tracing cost to execve only
    say "integration tests under strace (slow; the verdict below is about programs only)"
    # Debian's PATH for root, as on a fresh machine: a python3 or tool that this machine
    # has in ~/.pyenv or similar is not what the tests get there
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:exitcode=86 UNIT_BINS="" \
        strace -f -qq --seccomp-bpf -e trace=execve -e signal=none -s 256 -o "$trace" \
        tests/run-tests.sh | tail -3
    tests_rc=${PIPESTATUS[0]}
    [ -z "$keep" ] || cp "$trace" "$keep"
    [ "$tests_rc" = 0 ] || say "note: the tests themselves did not all pass under strace"
fi

# executed PATHs: successful execve lines, also when strace split them into
# "<unfinished ...>" and "<... execve resumed>" because processes ran at once
executed() {
    awk '
    /execve\("/ {
        pid = $1; p = $0; sub(/^[^"]*"/, "", p); sub(/".*/, "", p)
        if ($0 ~ /<unfinished \.\.\.>$/) { pending[pid] = p; next }
        if ($0 ~ /\) = 0$/) print p
        next
    }
    /<\.\.\. execve resumed>/ {
        pid = $1
        if ((pid in pending) && $0 ~ / = 0$/) print pending[pid]
        delete pending[pid]
    }' "$1" | sort -u
}

# the allowed packages: deps.sh's list, the base system, and their dependency closure
allowed_packages() {
    {
        scripts/deps.sh --list test
        dpkg-query -W -f='${db:Status-Status} ${Package} ${Essential} ${Priority}\n' |
            awk '$1 == "installed" && ($3 == "yes" || $4 == "required") { print $2 }'
    } | sort -u >"$1.roots"
    # every installed package the roots depend on (virtual packages through providers)
    # shellcheck disable=SC2046
    apt-cache depends --recurse --installed --no-recommends --no-suggests --no-conflicts \
        --no-breaks --no-replaces --no-enhances $(cat "$1.roots") 2>/dev/null |
        sed -n -e 's/^\([a-z0-9][^ <>]*\)$/\1/p' -e 's/^ *[|]*\(Pre\)\{0,1\}Depends: \([^<>]*\)$/\2/p' |
        sed 's/:any$//; s/:amd64$//' | cat - "$1.roots" | sort -u >"$1"
}

# owners PATH: the packages dpkg says own PATH, under any name the /usr merge gives it
owners() {
    local p=$1 c
    for c in "$p" "${p#/usr}" "/usr$p"; do
        dpkg -S "$c" 2>/dev/null | grep -v '^diversion by' | sed 's/: .*//' | tr ', ' '\n\n'
    done | sed '/^$/d; s/:.*//' | sort -u
}

# names PATH: PATH, each step of its symlink chain, and its real path
names() {
    local p=$1 n=0
    echo "$p"
    while [ -L "$p" ] && [ $n -lt 20 ]; do
        local t
        t=$(readlink "$p")
        case $t in /*) p=$t ;; *) p=$(dirname "$p")/$t ;; esac
        echo "$p"
        n=$((n + 1))
    done
    readlink -f "$1" 2>/dev/null
}

atftpd_root=$(sed -n 's/^ATFTPD_ROOT=//p' scripts/deps.sh)
work=$(mktemp -d /tmp/phoneboot-depscheck.XXXXXX)
trap 'rm -rf "$work"; [ $own_trace = no ] || rm -f "$trace"' EXIT
allowed_packages "$work/allowed"
executed "$trace" >"$work/programs"
say "$(wc -l <"$work/programs") distinct programs executed; $(wc -l <"$work/allowed") packages allowed"

bad=0
while read -r prog; do
    case $prog in
    "$TOP"/* | /tmp/* | ./* | build/* | tests/*) continue ;;
    "$atftpd_root"/*) [ -n "$atftpd_root" ] && continue ;;
    esac
    pkgs=$(names "$prog" | sort -u | while read -r n; do owners "$n"; done | sort -u)
    if [ -z "$pkgs" ]; then
        echo "test-deps-check: $prog: belongs to no Debian package"
        bad=$((bad + 1))
        continue
    fi
    if ! grep -qxFf "$work/allowed" <<<"$pkgs"; then
        echo "test-deps-check: $prog: package $(echo $pkgs | tr ' ' ','), not in scripts/deps.sh test nor the base system"
        bad=$((bad + 1))
    fi
done <"$work/programs"

if [ $bad != 0 ]; then
    echo "test-deps-check: $bad program(s) the tests run are not installed by scripts/deps.sh test"
    exit 1
fi
echo "test-deps-check: every program the integration tests ran comes from scripts/deps.sh test or the base system"
