#!/bin/bash
# tftp_privdrop.sh - started as root with [server] user = nobody, the daemon binds, then
# runs as nobody (all of real, effective and saved IDs, no supplementary groups); the state
# directory and its SQLite file belong to nobody; it still serves and records transfers; an
# unknown user or an upload directory nobody cannot write stops start-up with status 2.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
    ok "# SKIP privilege drop: needs root"
    finish
fi
nobody_uid=$(id -u nobody)
nobody_gid=$(id -g nobody)
# nobody must be able to reach the root and the state dir
chmod 755 "$T"
PORT=$(free_port)
write_conf "$T/conf"
sed -i 's/^user = root$/user = nobody/' "$T/conf"
chmod 755 "$T/root"
start_daemon "$T/conf" || { notok "daemon starts as root with user = nobody" "see above"; finish; }
ok "daemon starts as root with user = nobody"

uids=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$PB_PID/status")
gids=$(awk '/^Gid:/ {print $2, $3, $4, $5}' "/proc/$PB_PID/status")
groups=$(awk '/^Groups:/ {$1 = ""; print}' "/proc/$PB_PID/status" | xargs)
expect_eq "real, effective, saved and fs uid are nobody's" "$uids" \
    "$nobody_uid $nobody_uid $nobody_uid $nobody_uid"
expect_eq "real, effective, saved and fs gid are nobody's" "$gids" \
    "$nobody_gid $nobody_gid $nobody_gid $nobody_gid"
expect_eq "supplementary groups: only nobody's group" "$groups" "$nobody_gid"
capeff=$(awk '/^CapEff:/ {print $2}' "/proc/$PB_PID/status")
expect_eq "no effective capabilities left" "$capeff" "0000000000000000"
check_served "serves after dropping root"
expect_eq "state directory belongs to nobody" "$(stat -c %u "$T/state")" "$nobody_uid"
expect_eq "state file belongs to nobody" "$(stat -c %u "$T/state/phoneboot.db")" "$nobody_uid"
stop_daemon "stops on SIGTERM as nobody"
n=$("$PHONEBOOT" -c "$T/conf" log | grep -c ' probe\.bin ok ')
check "its transfers are in the state file" test "$n" -ge 2

# an unknown user: a configuration error, before any packet
sed -i 's/^user = nobody$/user = no-such-user-pb/' "$T/conf"
err=$("$PHONEBOOT" -c "$T/conf" serve 2>&1)
rc=$?
expect_eq "unknown user: exit status 2" "$rc" 2
expect_match "unknown user: named in the message" "$err" "no-such-user-pb: no such user"

# an upload directory nobody cannot write
sed -i 's/^user = no-such-user-pb$/user = nobody/' "$T/conf"
mkdir -p "$T/up" && chmod 700 "$T/up"
echo "allow_write = $T/up" >>"$T/conf"
err=$("$PHONEBOOT" -c "$T/conf" serve 2>&1)
rc=$?
expect_eq "upload dir not writable by nobody: exit status 2" "$rc" 2
expect_match "upload dir not writable: the message names it" "$err" "allow_write = $T/up: not writable by user nobody"
finish
