#!/bin/sh
# deps.sh - install the Debian packages phoneboot needs, only those missing.
#
#   scripts/deps.sh [build|test|fuzz|bench|package|cleanroom|all]   (default: build)
#   scripts/deps.sh --list GROUP   print the packages GROUP installs, one a line
#                                  (scripts/test-deps-check.sh reads the list this way)
#
# One list, below: "GROUP PACKAGE". A group pulls in the groups it needs
# (test: build+test+package, as tests/integration/package_build.sh builds the
# .deb; fuzz: build+fuzz; bench: build+bench; package: build+package; cleanroom: only
# its own, for the host that runs scripts/cleanroom.sh).
# Servers installed for tests and benches (tftpd-hpa, dnsmasq, dhcpd) must never start
# as services: they are installed under a policy-rc.d that exits 101, and
# their units are masked; tests run them by hand. atftpd conflicts with
# tftpd-hpa, so it is unpacked into /opt/atftpd/root instead of installed.
set -eu

PACKAGES='
build   gcc
build   make
build   pkg-config
build   libsqlite3-dev
build   libinih-dev
build   libjansson-dev
build   libarchive-dev
build   libxml2-dev
build   libcsv-dev
test    libcmocka-dev
test    tftp-hpa
test    curl
test    busybox
test    atftp
test    python3
test    iproute2
test    sqlite3
test    tftpd-hpa
test    isc-dhcp-client
test    dhcpcd-base
test    dnsmasq
test    isc-dhcp-server
test    strace
test    systemd
test    man-db
fuzz    clang
fuzz    libclang-rt-14-dev
bench   python3
bench   tftpd-hpa
bench   dnsmasq
bench   hyperfine
bench   kea-dhcp4-server
bench   kea-admin
package build-essential
package debhelper
package dpkg-dev
package fakeroot
package lintian
cleanroom debootstrap
cleanroom socat
cleanroom python3
cleanroom iproute2
cleanroom git
'
ATFTPD_ROOT=/opt/atftpd/root

list=no
if [ "${1:-}" = --list ]; then list=yes; shift; fi
want=${1:-build}
case $want in
build) groups="build" ;;
test) groups="build test package" ;;
fuzz) groups="build fuzz" ;;
bench) groups="build bench" ;;
package) groups="build package" ;;
cleanroom) groups="cleanroom" ;;
all) groups="build test fuzz bench package cleanroom" ;;
*) echo "usage: $0 [--list] [build|test|fuzz|bench|package|cleanroom|all]" >&2; exit 2 ;;
esac

if [ $list = yes ]; then
    for g in $groups; do echo "$PACKAGES" | awk -v g="$g" '$1 == g { print $2 }'; done | sort -u
    exit 0
fi

missing=""
for g in $groups; do
    for p in $(echo "$PACKAGES" | awk -v g="$g" '$1 == g { print $2 }'); do
        case " $missing " in *" $p "*) continue ;; esac
        s=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
        [ "$s" = installed ] || missing="$missing $p"
    done
done
need_atftpd=no
case " $groups " in *" test "*|*" bench "*)
    [ -x "$ATFTPD_ROOT/usr/sbin/atftpd" ] || need_atftpd=yes ;;
esac

[ -n "$missing" ] || [ $need_atftpd = yes ] || exit 0

if [ "$(id -u)" != 0 ]; then
    echo "phoneboot: missing Debian packages:$missing" >&2
    [ $need_atftpd = yes ] && echo "phoneboot: and atftpd unpacked in $ATFTPD_ROOT" >&2
    echo "phoneboot: run as root: $0 $want" >&2
    exit 1
fi

if [ -n "$missing" ]; then
    echo "deps.sh: installing$missing" >&2
    # no service of a package installed here may start: policy-rc.d says no
    prc=/usr/sbin/policy-rc.d
    had_prc=no
    [ -e $prc ] && had_prc=yes
    if [ $had_prc = no ]; then
        printf '#!/bin/sh\nexit 101\n' >$prc
        chmod 755 $prc
        trap 'rm -f '$prc EXIT
    fi
    export DEBIAN_FRONTEND=noninteractive
    # an old package list may not know a package yet: update once, then retry
    # shellcheck disable=SC2086
    if ! apt-get install -y -q --no-install-recommends $missing >&2; then
        apt-get update -q >&2
        apt-get install -y -q --no-install-recommends $missing >&2
    fi
    for svc in tftpd-hpa dnsmasq isc-dhcp-server isc-kea-dhcp4-server kea-dhcp4-server; do
        case " $missing " in *" $svc "*)
            systemctl disable --now "$svc" >/dev/null 2>&1 || true
            systemctl mask "$svc" >/dev/null 2>&1 || true ;;
        esac
    done
fi

if [ $need_atftpd = yes ]; then
    echo "deps.sh: unpacking atftpd into $ATFTPD_ROOT" >&2
    tmp=$(mktemp -d)
    (cd "$tmp" && apt-get download atftpd >&2) || { apt-get update -q >&2; (cd "$tmp" && apt-get download atftpd >&2); }
    mkdir -p "$ATFTPD_ROOT"
    dpkg-deb -x "$tmp"/atftpd_*.deb "$ATFTPD_ROOT"
    rm -rf "$tmp"
fi
