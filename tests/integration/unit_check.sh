#!/bin/bash
# unit_check.sh - the systemd unit (contrib/phoneboot.service, which make install and the
# Debian package install), checked offline: no systemd needs to run as PID 1.
#   - `systemd-analyze verify` prints nothing and exits 0;
#   - `systemd-analyze security --offline=true`: exposure at most 3.0, and the README
#     gives the same score;
#   - SystemCallFilter= (applied line by line as systemd does: the first line decides
#     allow or deny list, "~" lines take away, plain lines add back; @groups expanded with
#     `systemd-analyze syscall-filter`) allows every call in debian/syscalls.txt, and
#     RestrictAddressFamilies= every family in debian/address-families.txt (both recorded by
#     scripts/record-syscalls.sh);
#   - the coverage check itself fails on a unit that denies one recorded call (~@aio, which
#     holds io_uring_setup) or leaves out one recorded family.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

TOP=$(cd "$HERE/../.." && pwd)
MAX_EXPOSURE=3.0
command -v systemd-analyze >/dev/null || { notok "setup" "systemd-analyze missing (scripts/deps.sh test)"; finish; }
for f in contrib/phoneboot.service debian/syscalls.txt debian/address-families.txt; do
    [ -s "$TOP/$f" ] || { notok "setup" "$f missing"; finish; }
done

# the unit as installed, ExecStart naming the binary under test (verify wants it to exist)
UNIT=$T/phoneboot.service
sed "s|@SBINDIR@/phoneboot|$PHONEBOOT|" "$TOP/contrib/phoneboot.service" >"$UNIT"

# verify runs man for Documentation=: our pages, from the checkout
vargs=()
if command -v man >/dev/null; then
    mkdir -p "$T/man/man8" "$T/man/man5"
    cp "$TOP/man/phoneboot.8" "$T/man/man8/" && cp "$TOP/man/phoneboot.conf.5" "$T/man/man5/"
    export MANPATH=$T/man
else
    notok "setup: man (scripts/deps.sh test)" "missing: verify runs without the Documentation= check"
    vargs=(--man=no)
fi
out=$(cd "$T" && systemd-analyze verify "${vargs[@]}" "$UNIT" 2>&1)
rc=$?
expect_eq "systemd-analyze verify: exit 0" "$rc" 0
expect_eq "systemd-analyze verify: no message" "$out" ""

sec=$(cd "$T" && systemd-analyze security --offline=true "$UNIT" 2>&1)
score=$(sed -n 's/.*Overall exposure level for phoneboot.service: \([0-9.]*\).*/\1/p' <<<"$sec")
if [ -z "$score" ]; then
    notok "systemd-analyze security --offline=true: a score" "$(tail -3 <<<"$sec")"
else
    check "exposure $score is at most $MAX_EXPOSURE" awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s <= m) }'
    check "the README gives the exposure score ($score)" grep -qE "exposure (level |score )?(of )?\\**$score\\b" "$TOP/README.md"
fi

# expand NAME...: system call names, @groups expanded (recursively)
declare -A EXPANDED
expand() {
    local n
    for n in "$@"; do
        case $n in
        @*)
            if [ -z "${EXPANDED[$n]+x}" ]; then
                EXPANDED[$n]=$(systemd-analyze syscall-filter "$n" 2>/dev/null |
                    sed -n 's/^ \{1,\}\([-@a-z0-9_]\{1,\}\)$/\1/p' | tr '\n' ' ')
                [ -n "${EXPANDED[$n]}" ] || echo "# unknown group $n" >&2
            fi
            # shellcheck disable=SC2086
            expand ${EXPANDED[$n]}
            ;;
        *) echo "$n" ;;
        esac
    done
}

# filter_allows UNIT LIST: every call in LIST is allowed by UNIT's SystemCallFilter= lines;
# prints the ones that are not
filter_allows() {
    local unit=$1 list=$2 mode="" line neg
    declare -A set=()
    while IFS= read -r line; do
        line=${line#SystemCallFilter=}
        if [ -z "$line" ]; then mode="" set=(); continue; fi
        neg=no
        [ "${line:0:1}" = "~" ] && { neg=yes; line=${line:1}; }
        # the first line decides: an allow list (deny the rest) or a deny list
        [ -n "$mode" ] || { if [ $neg = yes ]; then mode=deny; else mode=allow; fi; }
        local n
        # shellcheck disable=SC2086
        for n in $(expand $line); do
            if { [ $mode = allow ] && [ $neg = no ]; } || { [ $mode = deny ] && [ $neg = yes ]; }; then
                set[$n]=1
            else
                unset "set[$n]"
            fi
        done
    done < <(grep '^SystemCallFilter=' "$unit")
    local bad="" c
    while read -r c; do
        case $c in '#'* | '') continue ;; esac
        if [ -z "$mode" ]; then continue; fi
        if [ $mode = allow ] && [ -z "${set[$c]+x}" ]; then bad="$bad $c"; fi
        if [ $mode = deny ] && [ -n "${set[$c]+x}" ]; then bad="$bad $c"; fi
    done <"$list"
    echo "${bad# }"
    [ -z "$bad" ]
}

# families_allowed UNIT LIST: every family in LIST passes RestrictAddressFamilies=
families_allowed() {
    local v neg=no bad="" f
    v=$(sed -n 's/^RestrictAddressFamilies=//p' "$1" | tail -1)
    [ "${v:0:1}" = "~" ] && { neg=yes; v=${v:1}; }
    while read -r f; do
        case $f in '#'* | '') continue ;; esac
        [ -z "$v" ] && continue
        if [[ " $v " == *" $f "* ]]; then [ $neg = yes ] && bad="$bad $f"; else [ $neg = no ] && bad="$bad $f"; fi
    done <"$2"
    echo "${bad# }"
    [ -z "$bad" ]
}

n_calls=$(grep -vc '^#' "$TOP/debian/syscalls.txt")
miss=$(filter_allows "$UNIT" "$TOP/debian/syscalls.txt")
expect_eq "SystemCallFilter= allows the $n_calls recorded calls (debian/syscalls.txt)" "$miss" ""
miss=$(families_allowed "$UNIT" "$TOP/debian/address-families.txt")
expect_eq "RestrictAddressFamilies= allows the recorded families ($(grep -v '^#' "$TOP/debian/address-families.txt" | tr '\n' ' '| sed 's/ $//'))" "$miss" ""
for c in io_uring_setup io_uring_enter io_uring_register; do
    check "@system-service has $c (systemd $(systemd-analyze --version | awk 'NR == 1 { print $2 }'))" \
        grep -qx "$c" <(expand @system-service)
done

# the check can fail: a unit that denies @aio, and one without AF_NETLINK
sed 's/^SystemCallFilter=~@privileged @resources$/SystemCallFilter=~@privileged @resources @aio/' "$UNIT" >"$T/no-aio.service"
miss=$(filter_allows "$T/no-aio.service" "$TOP/debian/syscalls.txt")
expect_match "a unit with ~@aio is caught (io_uring denied)" "$miss" 'io_uring_setup'
sed 's/^RestrictAddressFamilies=.*/RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6/' "$UNIT" >"$T/no-netlink.service"
miss=$(families_allowed "$T/no-netlink.service" "$TOP/debian/address-families.txt")
expect_eq "a unit without AF_NETLINK is caught" "$miss" AF_NETLINK
finish
