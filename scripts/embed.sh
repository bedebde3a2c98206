#!/bin/sh
# embed.sh NAME FILE - a C file defining `const char NAME[]`: FILE's bytes and a NUL.
# Data the binary carries with it (the model table), so it runs without an install.
set -eu
echo "/* generated from $2 by scripts/embed.sh: do not edit */"
echo "extern const char $1[];"
echo "const char $1[] = {"
od -An -v -tx1 "$2" | sed 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g'
echo "0x00};"
