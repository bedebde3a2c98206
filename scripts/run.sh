#!/bin/sh
# run.sh - `make run`: serve from the source tree, no install. On first use it
# writes var/phoneboot.conf (state in ./var, TFTP root ./var/tftp, port 69 as
# root, else 6969), then runs the daemon in the foreground, log on stdout.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
conf=var/phoneboot.conf
if [ ! -e $conf ]; then
    mkdir -p var/tftp
    if [ "$(id -u)" = 0 ]; then port=69 user=root; else port=6969 user=$(id -un); fi
    tmp=$conf.tmp.$$
    cat >$tmp <<CONF
; written by 'make run' for a phoneboot served from the source tree
[server]
state_dir = $top/var
user = $user
log = stdout

[tftp]
listen = 0.0.0.0:$port
root = $top/var/tftp
CONF
    mv $tmp $conf
    echo "make run: wrote $conf" >&2
fi
echo "make run: the CLI for this daemon: ./phoneboot -c $conf COMMAND (e.g. log -f)" >&2
exec ./phoneboot -c $conf serve
