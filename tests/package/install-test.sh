#!/bin/bash
# install-test.sh - the Debian package on a machine of its own (the clean room runs it,
# as root, in a throwaway Debian 12 root; do not run it on a machine you care about: it
# installs and purges phoneboot and makes the system user phoneboot).
#
#   tests/package/install-test.sh [DEB]    (default: build/deb/phoneboot_*_*.deb, make deb)
#
#  1. `apt-get install ./phoneboot_*.deb`: dependencies from the archive; the user
#     phoneboot (a system user), /var/lib/phoneboot (its own, 0700), the conffile;
#  2. the daemon started as the unit would: StateDirectory='s ownership step, then the
#     unit's ExecStart as root (the unit has no User=), with the unit's
#     CapabilityBoundingSet= and NoNewPrivileges= (setpriv); the
#     conffile's listen changed to 127.0.0.1:69, as an admin would edit it; it drops to
#     phoneboot, and a file in /var/lib/phoneboot/tftp comes back over TFTP byte-identical;
#  3. `phoneboot firmware import --force` of a fixture package (tests/fixtures/mkfirmware.sh:
#     fake images under a genuine name, so --force) with
#     the installed CLI and its default config; `firmware list` shows the load, and the
#     running daemon serves one of its files over TFTP;
#  4. SIGTERM: exit 0; `apt-get remove`: the binary goes, the conffile and the state stay;
#     `apt-get purge`: the conffile, /etc/phoneboot and /var/lib/phoneboot go too, dpkg
#     forgets the package, and of its files nothing is left (the user stays: Debian leaves
#     system users in place, files they own may remain elsewhere).
# Prints "ok - ..." / "not ok - ..." and "N passed, N failed" last; exit 1 on a failure.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP" || exit 2
N_OK=0 N_FAIL=0
ok() { N_OK=$((N_OK + 1)); echo "ok - $1"; }
notok() { N_FAIL=$((N_FAIL + 1)); echo "not ok - $1: $2"; }
expect_eq() { if [ "$2" = "$3" ]; then ok "$1"; else notok "$1" "got '$2', want '$3'"; fi; }
check() { local n=$1; shift; if "$@"; then ok "$n"; else notok "$n" "failed: $*"; fi; }
finish() {
    echo "$N_OK passed, $N_FAIL failed"
    [ "$N_FAIL" = 0 ]
    exit
}

[ "$(id -u)" = 0 ] || { notok "setup" "needs root (apt-get install)"; finish; }
DEB=${1:-$(ls "$TOP"/build/deb/phoneboot_*_*.deb 2>/dev/null | grep -v dbgsym | head -1)}
[ -n "$DEB" ] && [ -f "$DEB" ] || { notok "setup" "no .deb: run make deb first, or name one"; finish; }
DEB=$(readlink -f "$DEB")
if dpkg-query -W -f='${db:Status-Status}' phoneboot 2>/dev/null | grep -q installed; then
    notok "setup" "phoneboot is installed already: this test installs and purges it"
    finish
fi
for t in python3 setpriv; do
    command -v $t >/dev/null || { notok "setup" "$t missing (scripts/deps.sh test)"; finish; }
done
T=$(mktemp -d /tmp/phoneboot-pkg.XXXXXX)
chmod 755 "$T"
PID=""
cleanup() {
    [ -n "$PID" ] && kill -KILL "$PID" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
RAW="python3 $TOP/tests/integration/tftpraw.py"
UNIT=/lib/systemd/system/phoneboot.service
CONF=/etc/phoneboot/phoneboot.conf

# ---- 1. install -----------------------------------------------------------------------
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends "$DEB" >"$T/install.log" 2>&1
rc=$?
expect_eq "apt-get install ./$(basename "$DEB"): exit 0" "$rc" 0
[ $rc = 0 ] || { tail -20 "$T/install.log" | sed 's/^/#   /'; finish; }
dpkg -L phoneboot | sort >"$T/files"
check "installed: /usr/sbin/phoneboot" test -x /usr/sbin/phoneboot
check "installed: the man pages" test -f /usr/share/man/man8/phoneboot.8.gz -a -f /usr/share/man/man5/phoneboot.conf.5.gz
check "installed: /usr/share/phoneboot/models.conf" test -f /usr/share/phoneboot/models.conf
check "installed: the unit" test -f $UNIT
check "installed: $CONF is a conffile" bash -c "dpkg-query -W -f='\${Conffiles}' phoneboot | grep -q '$CONF'"
check "user phoneboot exists" bash -c "id phoneboot >/dev/null"
uid=$(id -u phoneboot 2>/dev/null || echo none)
check "phoneboot is a system user (uid $uid below 1000)" test "$uid" -lt 1000 2>/dev/null
expect_eq "/var/lib/phoneboot: phoneboot's, 0700" "$(stat -c '%U %a' /var/lib/phoneboot 2>&1)" "phoneboot 700"
expect_eq "the conffile says user = phoneboot" "$(grep -c '^user = phoneboot$' $CONF)" 1

# ---- 2. the daemon as the unit starts it ----------------------------------------------
exec_start=$(sed -n 's/^ExecStart=//p' $UNIT)
caps=$(sed -n 's/^CapabilityBoundingSet=//p' $UNIT | tr 'A-Z' 'a-z' | sed 's/cap_//g; s/ /,+/g')
nnp=$(sed -n 's/^NoNewPrivileges=yes$/--no-new-privs/p' $UNIT)
expect_eq "the unit's ExecStart" "$exec_start" "/usr/sbin/phoneboot -c $CONF serve"
# the admin's one edit: loopback only, so nothing outside this machine can reach it
sed -i 's|^;listen = 0.0.0.0:69$|listen = 127.0.0.1:69|' $CONF
check "conffile edited: listen = 127.0.0.1:69" grep -qx 'listen = 127.0.0.1:69' $CONF
mkdir -p /var/lib/phoneboot/tftp
python3 -c 'import os, sys; open(sys.argv[1], "wb").write(os.urandom(50000))' /var/lib/phoneboot/tftp/dial.xml
chmod 644 /var/lib/phoneboot/tftp/dial.xml
# what systemd does for StateDirectory=phoneboot (no User=) before each start: the tree
# back to root when its top is not root's, StateDirectoryMode= on the top; the daemon
# then gives the top and its state files to phoneboot itself, before the first packet
sdmode=$(sed -n 's/^StateDirectoryMode=//p' $UNIT)
[ "$(stat -c %u /var/lib/phoneboot)" = 0 ] || chown -R root:root /var/lib/phoneboot
chmod "${sdmode:-0755}" /var/lib/phoneboot
# shellcheck disable=SC2086
setpriv --bounding-set=-all,+$caps $nnp -- $exec_start >"$T/daemon.log" 2>&1 &
PID=$!
got=$($RAW --ready 5 --wait 2 --out "$T/dial.out" 69 get dial.xml 2>&1 | tail -1)
expect_eq "TFTP on 127.0.0.1:69: dial.xml" "$got" "OK 50000 98"
check "dial.xml byte-identical" cmp -s /var/lib/phoneboot/tftp/dial.xml "$T/dial.out"
if kill -0 "$PID" 2>/dev/null; then
    expect_eq "the daemon runs as phoneboot (real, effective, saved)" \
        "$(awk '/^Uid:/ {print $2, $3, $4}' /proc/$PID/status)" "$uid $uid $uid"
    expect_eq "the daemon has no effective capability left" \
        "$(awk '/^CapEff:/ {print $2}' /proc/$PID/status)" 0000000000000000
else
    notok "the daemon runs" "it exited: $(tail -5 "$T/daemon.log")"
fi
expect_eq "/var/lib/phoneboot stays phoneboot's, 0700" "$(stat -c '%U %a' /var/lib/phoneboot)" "phoneboot 700"
expect_eq "the state file is phoneboot's" "$(stat -c %U /var/lib/phoneboot/phoneboot.db 2>&1)" phoneboot

# ---- 3. firmware import with the installed CLI ----------------------------------------
FIX=$T/fix
if tests/fixtures/mkfirmware.sh "$FIX" >"$T/mkfw.log" 2>&1; then
    /usr/sbin/phoneboot firmware import --force "$FIX/cmterm-7911_7906-sccp.8-5-2.cop.sgn" >"$T/import.out" 2>&1
    rc=$?
    expect_eq "phoneboot firmware import --force (the package's CLI, default config): exit 0" "$rc" 0
    [ $rc = 0 ] || sed 's/^/#   /' "$T/import.out" | tail -5
    check "firmware list names SCCP11.8-5-2S" bash -c "/usr/sbin/phoneboot firmware list | grep -q SCCP11.8-5-2S"
    img=cnu11.8-5-2TH1-9.sbn
    want=$(awk -v p="loose-sccp/$img" '$3 == p { print $1, $2 }' "$FIX/MANIFEST")
    got=$($RAW --wait 3 --out "$T/img.out" 69 get "$img" blksize 1468 2>&1 | tail -1)
    expect_eq "the daemon serves $img from the library" \
        "$(sha256sum <"$T/img.out" 2>/dev/null | cut -d' ' -f1) $(stat -c %s "$T/img.out" 2>/dev/null)" "$want"
else
    notok "tests/fixtures/mkfirmware.sh" "$(tail -3 "$T/mkfw.log")"
fi

kill -TERM "$PID" 2>/dev/null
for _ in $(seq 1 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$PID" 2>/dev/null; then
    notok "the daemon stops on SIGTERM" "still running after 10 s"
else
    wait "$PID"
    expect_eq "the daemon stops on SIGTERM: exit 0" "$?" 0
fi
PID=""

# ---- 4. remove, then purge --------------------------------------------------------------
apt-get remove -y -q phoneboot >"$T/remove.log" 2>&1
expect_eq "apt-get remove: exit 0" "$?" 0
check "after remove: the binary is gone" test ! -e /usr/sbin/phoneboot
check "after remove: the conffile stays" test -f $CONF
check "after remove: the state stays" test -f /var/lib/phoneboot/phoneboot.db
apt-get purge -y -q phoneboot >"$T/purge.log" 2>&1
expect_eq "apt-get purge: exit 0" "$?" 0
check "after purge: /etc/phoneboot is gone" test ! -e /etc/phoneboot
check "after purge: /var/lib/phoneboot is gone" test ! -e /var/lib/phoneboot
st=$(dpkg-query -W -f='${db:Status-Status}' phoneboot 2>/dev/null)
check "after purge: dpkg forgets phoneboot (status '${st:-unknown}')" test "${st:-not-installed}" = not-installed
left=""
while read -r f; do
    [ -d "$f" ] && continue # shared directories (/usr/sbin, ...) stay, empty ones of ours go
    [ -e "$f" ] || [ -L "$f" ] && left="$left $f"
done <"$T/files"
for d in /usr/share/phoneboot /usr/share/doc/phoneboot; do [ -e $d ] && left="$left $d"; done
expect_eq "after purge: none of the package's files is left" "${left# }" ""
check "after purge: the system user stays (Debian policy)" bash -c "id phoneboot >/dev/null"
finish
