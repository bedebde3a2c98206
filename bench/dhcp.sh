#!/bin/bash
# dhcp.sh - `make bench-dhcp`: phoneboot's DHCP server beside kea-dhcp4 (single and
# multi-threaded) and dnsmasq, through the peer harness ../shared/bench/dhcp-peers.sh
# (perfdhcp in network namespaces it makes; nothing touches a real interface).
# Arguments go to dhcp-peers.sh (e.g. -n 1 -r "5000 max"); -K is always on: after
# each point the server is killed with SIGKILL and its leases are counted.
set -eu
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
[ -x "$SHARED/bench/dhcp-peers.sh" ] || { echo "bench: no $SHARED/bench/dhcp-peers.sh" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "bench: run as root (network namespaces)" >&2; exit 2; }
rm -rf build/bench-dhcp && mkdir -p build/bench-dhcp && cp -r "$SHARED/bench/." build/bench-dhcp/ &&
    chmod -R u+w build/bench-dhcp
out=${OUT:-/tmp/dhcpbench/out-$(date +%Y%m%d-%H%M%S)}
build/bench-dhcp/dhcp-peers.sh -K -o "$out" -s "phoneboot kea kea-mt dnsmasq" \
    -x "phoneboot=$PWD/bench/pb-dhcp {iface} {srvip} {first} {last} {leasefile}" \
    -L "phoneboot=$PWD/bench/pb-dhcp-count {leasefile}" "$@"
echo "bench: results in $out"
