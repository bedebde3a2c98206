#!/bin/sh
# seeds-dhcp.sh - write the seed corpus for the dhcp_wire fuzzer: a Cisco 7906's
# DISCOVER and REQUEST (VCI with its NUL, request list 1,66,6,3,15,150,35:
# cisco-facts.md 8.2), an OFFER with 150 (two servers) and 66, one with
# options overloaded into file and sname, one with option 150 typed as text
# (the classic mistake, 8.4), and an ACK with a 300-byte option in two instances.
#
#   fuzz/seeds-dhcp.sh [DIR]   (default: fuzz/corpus/dhcp_wire beside this script)
set -eu

dir=${1:-$(dirname "$0")/corpus/dhcp_wire}
mkdir -p "$dir"

VCI='Cisco Systems, Inc. IP Phone CP-7906G'

# shellcheck disable=SC2059 # the format is the octal escape itself
byte() { printf "\\$(printf '%03o' "$1")"; }
zeros() { head -c "$1" /dev/zero; }
ip() {
	old=$IFS
	IFS=.
	# shellcheck disable=SC2086
	set -- $1
	IFS=$old
	for o; do byte "$o"; done
}
# opt CODE TEXT: an option holding text; opt_ip CODE IP...: addresses
opt() { byte "$1"; byte ${#2}; printf '%s' "$2"; }
opt_ip() {
	c=$1
	shift
	byte "$c"; byte $(($# * 4))
	for a; do ip "$a"; done
}
cookie() { printf '\143\202\123\143'; }

# header OP YIADDR SIADDR: the BOOTP header up to chaddr (xid 3903f326, broadcast flag)
header() {
	byte "$1"; printf '\001\006\000\071\003\363\046\000\004\200\000'
	zeros 4; ip "$2"; ip "$3"; zeros 4
	printf '\000\033\324\022\064\126'; zeros 10
}

# the 7906's own options
phone_opts() {
	printf '\075\007\001\000\033\324\022\064\126'   # 61: type 1 and the MAC
	printf '\071\002\002\100'                       # 57: 576
	byte 60; byte $((${#VCI} + 1)); printf '%s\000' "$VCI"
	printf '\067\007\001\102\006\003\017\226\043'   # 55: 1,66,6,3,15,150,35
}

# seed NAME: stdin into DIR/NAME, padded with zeros to BOOTP's 300 bytes
seed() {
	cat >"$dir/$1"
	n=$(wc -c <"$dir/$1")
	[ "$n" -ge 300 ] || zeros $((300 - n)) >>"$dir/$1"
}

{
	header 1 0.0.0.0 0.0.0.0; zeros 192; cookie
	printf '\065\001\001'; phone_opts; printf '\377'
} | seed discover-7906

{
	header 1 0.0.0.0 0.0.0.0; zeros 192; cookie
	printf '\065\001\003'; phone_opts
	opt_ip 50 192.168.0.50; opt_ip 54 192.168.0.195; printf '\377'
} | seed request-7906

{
	header 2 192.168.0.50 192.168.0.195; zeros 192; cookie
	printf '\065\001\002'; opt_ip 54 192.168.0.195; printf '\063\004\000\001\121\200'
	opt_ip 1 255.255.255.0; opt_ip 3 192.168.0.1; opt_ip 6 192.168.0.1 192.168.0.2
	opt 15 example.com; opt 66 192.168.0.195; opt_ip 150 192.168.0.195 192.168.0.196
	printf '\377'
} | seed offer-150-66

# 52 = 3: 150 and part of the domain in file, 66 and the rest of it in sname
{
	header 2 192.168.0.50 192.168.0.195
	opt 66 tftp.example.com; opt 15 .com; printf '\377'; zeros $((64 - 18 - 6 - 1))
	opt_ip 150 192.168.0.195; opt 15 ple; printf '\000\000\377'; zeros $((128 - 6 - 5 - 3))
	cookie
	printf '\064\001\003\065\001\002'; opt 15 exam; printf '\377'
} | seed offer-overload

{
	header 2 192.168.0.50 192.168.0.195; zeros 192; cookie
	printf '\065\001\002'; opt_ip 54 192.168.0.195; opt 150 192.168.0.195; printf '\377'
} | seed offer-150-as-text

{
	header 2 192.168.0.50 192.168.0.195; zeros 192; cookie
	printf '\065\001\005'; byte 43; byte 255; zeros 255; byte 43; byte 45; zeros 45
	printf '\377\000\000junk'
} | seed ack-long-option
