#!/bin/bash
# run.sh - `make bench`: phoneboot side by side with in.tftpd (tftpd-hpa),
# atftpd and dnsmasq, through the peer harness in ../shared/bench, on loopback.
# Arguments go to tftp-peers.sh (e.g. -r 1 -p "c1_b1428_w8 c1000_boot").
# The harness is copied to build/bench so ../shared stays untouched.
set -eu
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
[ -x "$SHARED/bench/tftp-peers.sh" ] || { echo "bench: no $SHARED/bench/tftp-peers.sh" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "bench: run as root (the peers bind port 69 and drop to nobody)" >&2; exit 2; }
rm -rf build/bench && mkdir -p build/bench && cp -r "$SHARED/bench/." build/bench/ && chmod -R u+w build/bench
out=${OUT:-/tmp/tftpbench/out-$(date +%Y%m%d-%H%M%S)}
# EPOLL=1 adds phoneboot-epoll: the same daemon with [tftp] io = epoll
build/bench/tftp-peers.sh -o "$out" -x "phoneboot=$PWD/bench/pb-serve {root} {addr} {port}" \
    ${EPOLL:+-x "phoneboot-epoll=env PB_IO=epoll $PWD/bench/pb-serve {root} {addr} {port}"} "$@"
echo "bench: results in $out (results.csv, summary.md, commands.txt)"
