#!/bin/bash
# import.sh - firmware import time against plain `tar xzf` of the same payload
# (the .cop.sgn's gzip tar after its signed header), for the two 7906/7911
# packages built by tests/fixtures/mkfirmware.sh (real names and sizes).
# phoneboot's import does more than tar: it hashes every byte twice (SHA-1,
# SHA-256), parses the .loads, writes into a temporary folder, fsyncs, links
# and records in SQLite. Each run starts from an empty library.
# Usage: bench/import.sh [RUNS]   (hyperfine from Debian; default 10 runs)
set -eu
cd "$(dirname "$0")/.."
RUNS=${1:-10}
command -v hyperfine >/dev/null || { echo "bench: hyperfine missing (scripts/deps.sh bench)" >&2; exit 2; }
W=$(mktemp -d /tmp/pb-import-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
tests/fixtures/mkfirmware.sh "$W/fx" >/dev/null
printf '[server]\nstate_dir = %s/state\nuser = root\n' "$W" >"$W/conf"
for pkg in cmterm-7911_7906-sccp.8-5-2 cmterm-7911_7906-sip.9-4-2SR1-1; do
    cop=$W/fx/$pkg.cop.sgn
    hlen=$(od -An -tu1 -j8 -N2 "$cop" | awk '{print $1 * 256 + $2}')
    tail -c +$((hlen + 1)) "$cop" >"$W/$pkg.tar.gz"
    hyperfine -N --runs "$RUNS" --export-markdown "$W/$pkg.md" \
        --prepare "sh -c 'rm -rf $W/state $W/x && mkdir -p $W/x'" \
        -n "phoneboot firmware import --force $pkg.cop.sgn" "./phoneboot -c $W/conf firmware import --force $cop" \
        -n "tar xzf (payload of $pkg.cop.sgn)" "tar xzf $W/$pkg.tar.gz -C $W/x" >/dev/null
    cat "$W/$pkg.md"
done
