#!/bin/sh
# seeds.sh - write the seed corpus for the tftp_wire fuzzer.
#
#   fuzz/seeds.sh [DIR]   (default: fuzz/corpus/tftp_wire beside this script)
#
# Octal escapes are always three digits (\000), so a digit after one is data.
set -eu

dir=${1:-$(dirname "$0")/corpus/tftp_wire}
mkdir -p "$dir"

seed() {
	printf "$2" >"$dir/$1"
}

# requests: a phone's first config, a loads file with blksize+tsize, a
# big-window firmware fetch, mixed-case mode and option with an
# unknown option, an upload announcing its size, and NUL padding + junk
seed rrq-plain       '\000\001SEP001122334455.cnf.xml\000octet\000'
seed rrq-blksize-tsize '\000\001term06.default.loads\000octet\000blksize\0001428\000tsize\0000\000'
seed rrq-window      '\000\001SIP78xx.10-3-1.jar\000octet\000blksize\00065464\000windowsize\00064\000timeout\0003\000'
seed rrq-case-unknown '\000\001Jar11sip\000NetAscii\000BLKSIZE\000512\000multicast\000\000'
seed wrq-tsize       '\000\002upload.log\000netascii\000tsize\0001234\000'
seed rrq-trailing    '\000\001f\000octet\000blksize\0001024\000\000\000junk'
# transfer packets
seed data            '\000\003\000\001hello\r\nworld\n\r\000'
seed ack             '\000\004\000\001'
seed error           '\000\005\000\001File not found\000'
seed oack            '\000\006blksize\0001428\000tsize\0004096\000'
