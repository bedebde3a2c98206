#!/bin/bash
# package_build.sh - the Debian package, built as from a clean clone: a copy of the
# checkout's files (less what .gitignore names: no build/, no ./phoneboot) in $T, then
# `dpkg-buildpackage -us -uc -b` there (no apt-get, no test suite: debian/rules), then
#   - `dpkg -c`: the binary in /usr/sbin, both man pages, data/ in /usr/share/phoneboot,
#     the unit, /etc/phoneboot/phoneboot.conf; nothing else under /usr/local or the
#     build tree;
#   - the conffile is listed and sets user = phoneboot, every other line as
#     contrib/phoneboot.conf; the unit names /usr/sbin/phoneboot;
#   - Depends names the dlopen'ed libraries and adduser; postinst makes the system user
#     and a 0700 state dir; postrm removes the state on purge only;
#   - the packaged binary runs (version) and its built-in user is still nobody;
#   - lintian: no error (warnings are listed in docs/packaging.md).
# Installing it is tests/package/install-test.sh's (the clean room runs it).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

TOP=$(cd "$HERE/../.." && pwd)
for tool in dpkg-buildpackage dh lintian tar; do
    command -v $tool >/dev/null || { notok "setup" "$tool missing (scripts/deps.sh test)"; finish; }
done

SRC=$T/src/phoneboot
mkdir -p "$SRC"
# what .gitignore leaves out, by name (no git needed: the clean room has none)
if ! tar -C "$TOP" -cf - --exclude=./.git --exclude=./build --exclude=./var --exclude=./phoneboot \
    --exclude=./debian/phoneboot --exclude=./debian/.debhelper --exclude=./debian/files \
    --exclude='./debian/*.substvars' --exclude='./debian/*.debhelper*' \
    --exclude=./debian/debhelper-build-stamp --exclude=__pycache__ --exclude='*.o' . |
    tar xf - -C "$SRC"; then
    notok "setup: copy the checkout" "tar failed"
    finish
fi
[ -f "$SRC/debian/rules" ] || { notok "setup: debian/rules in the copy" "missing"; finish; }

t0=$(date +%s)
(cd "$SRC" && dpkg-buildpackage -us -uc -b) >"$T/build.log" 2>&1
rc=$?
secs=$(($(date +%s) - t0))
expect_eq "dpkg-buildpackage -us -uc -b exits 0 (${secs} s)" "$rc" 0
if [ "$rc" != 0 ]; then
    tail -25 "$T/build.log" | sed 's/^/#   /'
    finish
fi
check "the package build ran no apt-get (NO_DEPS=1)" bash -c "! grep -q 'deps.sh: installing' '$T/build.log'"
check "the package build ran no test suite" bash -c "! grep -qE '^(unit |integration )|passed, [0-9]+ failed' '$T/build.log'"

DEB=$(ls "$T"/src/phoneboot_*_*.deb 2>/dev/null | head -1)
[ -n "$DEB" ] || { notok "phoneboot_*.deb built" "none in $T/src"; finish; }
ok "phoneboot_*.deb built: $(basename "$DEB")"

expect_eq "the package's version (debian/changelog) is the Makefile's VERSION" \
    "$(dpkg-deb -f "$DEB" Version)" "$(sed -n 's/^VERSION := //p' "$TOP/Makefile")"
dpkg -c "$DEB" >"$T/contents"
# want_file MODE PATH: dpkg -c lists PATH (relative, ./...) with that mode
want_file() {
    local got
    got=$(awk -v p="$2" '$6 == p { print $1 }' "$T/contents")
    expect_eq "dpkg -c: $2" "$got" "$1"
}
want_file -rwxr-xr-x ./usr/sbin/phoneboot
want_file -rw-r--r-- ./usr/share/man/man8/phoneboot.8.gz
want_file -rw-r--r-- ./usr/share/man/man5/phoneboot.conf.5.gz
want_file -rw-r--r-- ./usr/share/phoneboot/models.conf
want_file -rw-r--r-- ./usr/share/phoneboot/known-firmware.conf
want_file -rw-r--r-- ./etc/phoneboot/phoneboot.conf
want_file -rw-r--r-- ./lib/systemd/system/phoneboot.service
check "dpkg -c: every file owned by root" bash -c "awk '{ print \$2 }' '$T/contents' | grep -qvx root/root && exit 1 || exit 0"
check "dpkg -c: nothing under /usr/local, /var/lib/phoneboot or the build tree" \
    bash -c "! grep -E '\\./usr/local|\\./var/lib/phoneboot|$T' '$T/contents'"

X=$T/x
mkdir -p "$X/ctl" "$X/root"
dpkg-deb -e "$DEB" "$X/ctl" && dpkg-deb -x "$DEB" "$X/root"
expect_eq "conffiles: /etc/phoneboot/phoneboot.conf" "$(cat "$X/ctl/conffiles" 2>/dev/null)" \
    /etc/phoneboot/phoneboot.conf
CONF=$X/root/etc/phoneboot/phoneboot.conf
expect_eq "the conffile sets user = phoneboot" "$(grep -c '^user = phoneboot$' "$CONF")" 1
expect_eq "the conffile differs from contrib/phoneboot.conf only there" \
    "$(diff "$TOP/contrib/phoneboot.conf" "$CONF" | grep -c '^[<>]')" 2
expect_match "the unit starts /usr/sbin/phoneboot" \
    "$(grep '^ExecStart=' "$X/root/lib/systemd/system/phoneboot.service")" \
    '^ExecStart=/usr/sbin/phoneboot -c /etc/phoneboot/phoneboot.conf serve$'
dep=$(dpkg-deb -f "$DEB" Depends)
for d in adduser libarchive13 libxml2 libsqlite3-0 libjansson4 libinih1; do
    expect_match "Depends names $d" "$dep" "(^|, )$d( |,|$)"
done
check "postinst: adduser --system phoneboot" grep -qE 'adduser --system .*phoneboot' "$X/ctl/postinst"
check "postinst: /var/lib/phoneboot 0700 for phoneboot" \
    bash -c "grep -q 'chmod 0700 /var/lib/phoneboot' '$X/ctl/postinst' && grep -q 'chown phoneboot:phoneboot /var/lib/phoneboot' '$X/ctl/postinst'"
check "postrm: the state goes on purge only" \
    bash -c "sed -n '/\"\$1\" = purge/,/^fi/p' '$X/ctl/postrm' | grep -q 'rm -rf /var/lib/phoneboot'"

BIN=$X/root/usr/sbin/phoneboot
expect_match "the packaged binary runs: version" "$("$BIN" version 2>&1)" '0\.1'
# a config without [server] user: the built-in default, nobody, as DESIGN.md says (the
# package's conffile says phoneboot); started as root, it drops to nobody
if [ "$(id -u)" = 0 ]; then
    chmod 755 "$T"
    write_conf "$T/bare.conf"
    sed -i '/^user = /d' "$T/bare.conf"
    chmod 755 "$T/root"
    PHONEBOOT=$BIN
    if start_daemon "$T/bare.conf"; then
        expect_eq "the packaged binary's built-in user is nobody" \
            "$(awk '/^Uid:/ {print $3}' "/proc/$PB_PID/status")" "$(id -u nobody)"
        stop_daemon "the packaged binary stops on SIGTERM"
    else
        notok "the packaged binary serves with the built-in user" "see above"
    fi
else
    ok "# SKIP the packaged binary's built-in user: needs root"
fi
check "the packaged binary is hardened (relro, now)" \
    bash -c "readelf -d '$BIN' | grep -q 'BIND_NOW\\|FLAGS.*NOW'"

lintian --no-tag-display-limit "$DEB" >"$T/lintian.log" 2>&1
expect_eq "lintian: no error" "$(grep -c '^E: ' "$T/lintian.log")" 0
grep -E '^[EW]: ' "$T/lintian.log" | sed 's/^/# lintian: /'
finish
