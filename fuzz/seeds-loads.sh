#!/bin/sh
# seeds-loads.sh - write the seed corpus for the loads_body fuzzer: signed
# .loads files laid out as Cisco's (cisco-facts 1.2, 2.1), bare bodies, and a
# truncated header.
#
#   fuzz/seeds-loads.sh [DIR]   (default: fuzz/corpus/loads_body beside this script)
set -eu

dir=${1:-$(dirname "$0")/corpus/loads_body}
mkdir -p "$dir"

SIGNER='CN=someSigner;OU=someOrgUnit;O=someOrg'
CA='CN=someCA;OU=someOrgUnit;O=someOrg'

byte() { printf "\\$(printf '%03o' "$1")"; }
u16() { byte $(($1 >> 8)); byte $(($1 & 255)); }
# a NUL-terminated string TLV
str_tlv() { byte "$1"; u16 $((${#2} + 1)); printf '%s\000' "$2"; }
# a fixed byte pattern as the RSA-2048 signature
signature() {
	i=0
	while [ $i -lt 256 ]; do byte $(((i * 7 + 3) & 255)); i=$((i + 1)); done
}

# header FILENAME [TIMESTAMP]: version 1.1, length, signer id, signature info,
# signature, file name (and tag 15), 0x0D padding to a multiple of 4
header() {
	ls=$((${#SIGNER} + 1)) lc=$((${#CA} + 1)) lf=$((${#1} + 1))
	len=$((10 + 3 + 3 + ls + 11 + 3 + lc + 18 + 3 + 256 + 3 + lf))
	[ $# -lt 2 ] || len=$((len + 7))
	pad=$(((4 - len % 4) % 4))
	printf '\001\000\002\001\001\002\000\002'; u16 $((len + pad))
	byte 3; u16 $((3 + ls + 11 + 3 + lc))
	str_tlv 4 "$SIGNER"
	printf '\005\000\010\022\064\126\170\220\253\315\357'
	str_tlv 6 "$CA"
	printf '\007\000\017\010\000\001\001\011\000\010\012\000\001\000\013\000\001\002'
	printf '\014\001\000'; signature
	str_tlv 14 "$1"
	if [ $# -ge 2 ]; then byte 15; u16 4; u16 $(($2 >> 16)); u16 $(($2 & 65535)); fi
	while [ $pad -gt 0 ]; do printf '\015'; pad=$((pad - 1)); done
}

sip_body() {
	printf '#\r\n# This file contains a list of archive image files that will be requested by the\r\n'
	printf '# RELEASE load version 9-4-2ES9\r\n#\r\n#HARDWARE_COMP_1 1\r\n\r\n'
	printf 'jar11sip.9-4-2ES9.sbn\r\ncnu11.9-4-2ES9.sbn\r\napps11.9-4-2ES9.sbn\r\n'
	printf 'dsp11.9-4-2ES9.sbn \r\ncvm11sip.9-4-2ES9.sbn \r\n'
}

sccp_body() {
	printf '#\r\n# This file contains a list of archive image files that will be requested by the\r\n'
	printf '# RELEASE load version 8-5-2TH1-9\r\n#\r\n#HARDWARE_COMP_1 1\r\n\r\n'
	printf 'jar11sccp.8-5-2TH1-9.sbn\r\ncnu11.8-5-2TH1-9.sbn\r\napps11.8-5-2TH1-9.sbn\r\n'
	printf 'dsp11.8-5-2TH1-9.sbn \r\ncvm11sccp.8-5-2TH1-9.sbn \r\n'
}

body_7940() { printf 'P0030801SR02.sbn\r\nP0030801SR02.sb2\r\nLA_VERSION=PAS30831'; }

# SIP11.9-4-2SR1-1S.loads: header 0x198 with no padding
{ header SIP11.9-4-2SR1-1S.loads; sip_body; } >"$dir/SIP11.9-4-2SR1-1S.loads"
# term06.default.loads of the SCCP 8.5(2) package: 0x195 + 3 padding bytes
{ header term06.default.loads; sccp_body; } >"$dir/term06-sccp.default.loads"
# the 7940's signed list: 0x193 + 1 padding byte = 0x194
{ header P0030801SR02.loads; body_7940; } >"$dir/P0030801SR02.loads"
# a header with a timestamp (tag 15), as CERTUTILS may write it
{ header SIP42.9-4-2SR3-1S.loads 1262304000; sip_body | tr -d '\r'; } >"$dir/timestamped.loads"
# bare bodies
sip_body | tr -d '\r' >"$dir/body-lf"
body_7940 >"$dir/body-7940"
# a header cut inside the signature
header SIP11.9-4-2SR1-1S.loads | head -c 200 >"$dir/truncated"
