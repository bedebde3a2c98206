#!/bin/bash
# firmware_kill.sh - an import killed with SIGKILL at any point leaves the library as it was
# (or, if it had already committed, as the finished import leaves it: exactly one of the
# two), `firmware verify` finds nothing damaged, and the next import completes and sweeps
# the killed one's temporary folder and orphaned content away.
#   1. random delays over the whole import of the SIP .tar.gz into an empty library;
#   2. the same over a library that already holds that load with other content (the
#      fixtures built with another seed), so a half-swapped load folder would show;
#   3. kills at chosen points, held there by strace's syscall delay injection: while
#      unpacking, after the first blob is moved in, after the new load folder is made, and
#      after the load folder is swapped in (before the state file's commit).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

command -v sqlite3 >/dev/null || { notok "setup" "sqlite3 is not installed"; finish; }
TRIES=${KILL_TRIES:-20}

for s in 1 2; do
    if ! "$HERE/../fixtures/mkfirmware.sh" -s $s "$T/fix$s" >"$T/mkfirmware.log" 2>&1; then
        notok "setup: mkfirmware.sh -s $s builds the fixtures" "$(tail -5 "$T/mkfirmware.log")"
        finish
    fi
done
PKG=cmterm-7911_7906-sip.9-4-2SR1-1.tar.gz
SIP1=$T/fix1/$PKG
SIP2=$T/fix2/$PKG
SCCP1=$T/fix1/cmterm-7911_7906-sccp.8-5-2.cop.sgn
check "setup: the two seeds' SIP packages differ" test "$(sha "$SIP1")" != "$(sha "$SIP2")"

write_conf "$T/conf"
FW=$T/state/firmware
DB=$T/state/phoneboot.db

# pb ARG...: stdout in $T/out, stderr in $T/err, status in $RC
pb() {
    timeout -k 5 120 "$PHONEBOOT" -c "$T/conf" "$@" >"$T/out" 2>"$T/err"
    RC=$?
    if sanitizer_report "$T/err" >/dev/null; then
        notok "phoneboot $*: no sanitizer report" "$(sanitizer_report "$T/err")"
    fi
}
# list_json: `firmware list --json`, and the tree files (list shows loads only)
list_json() {
    pb firmware list --json
    [ "$RC" = 0 ] && cat "$T/out"
    sqlite3 "$DB" "select path || ' ' || sha256 from fw_tree order by path" 2>&1
}
import_dirs() { find "$FW" -maxdepth 1 -name '.import-*' 2>/dev/null | wc -l; }
nblobs() { find "$FW/blobs" -mindepth 1 2>/dev/null | wc -l; }
distinct_refs() {
    sqlite3 "$DB" "select count(*) from (select sha256 from fw_files union select sha256 from fw_tree)"
}
blob_list() { find "$FW/blobs" -mindepth 1 -printf '%f\n' 2>/dev/null | LC_ALL=C sort; }
ref_list() { sqlite3 "$DB" "select sha256 from fw_files union select sha256 from fw_tree"; }
restore() {
    rm -rf "$T/state"
    cp -a "$1" "$T/state"
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# scenario NAME SNAPSHOT PACKAGE: sets BEFORE and AFTER (list --json of the snapshot, and after
# an uninterrupted import of PACKAGE into it) and DUR_MS (how long that import took)
scenario() {
    local name=$1 snap=$2 pkg=$3 t0
    restore "$snap"
    BEFORE=$(list_json)
    t0=$(now_ms)
    pb firmware import --force "$pkg"
    DUR_MS=$(($(now_ms) - t0))
    expect_eq "$name: the uninterrupted import succeeds" "$RC" 0
    AFTER=$(list_json)
    AFTER_BLOBS=$(blob_list)
    check "$name: before and after differ" test "$BEFORE" != "$AFTER"
    AFTER_NBLOBS=$(nblobs) AFTER_REFS=$(distinct_refs)
    restore "$snap"
}

# after_kill LABEL PKG [EXPECT]: the checks after one killed import. EXPECT "before" accepts
# only the before-state; otherwise either state is accepted. Prints nothing when all hold
# (so a loop of tries gives one line per kind of check), else "not ok" lines.
after_kill() {
    local label=$1 pkg=$2 expect=${3:-either} got state
    got=$(list_json)
    if [ "$got" = "$BEFORE" ]; then
        state=before
    elif [ "$got" = "$AFTER" ] && [ "$expect" != before ]; then
        state=after
    else
        notok "$label: library is the before or after state" \
            "$(diff <(echo "$BEFORE") <(echo "$got") | head -6 | tr '\n' ' ')"
        state=other
    fi
    pb firmware verify
    if [ "$RC" != 0 ]; then
        notok "$label: verify exits 0" "exit $RC: $(grep -m3 '^damaged' "$T/out" | tr '\n' ' ') $(tail -1 "$T/out")"
        state=damaged
    fi
    pb firmware import --force "$pkg"
    if [ "$RC" != 0 ]; then
        notok "$label: the next import completes" "exit $RC: $(head -2 "$T/err")"
        state=failed
    elif [ "$state" = before ] && grep -q 'already imported' "$T/out"; then
        notok "$label: the next import completes" "says already imported, library was the before state"
        state=failed
    fi
    got=$(list_json)
    if [ "$got" != "$AFTER" ]; then
        notok "$label: after the next import, the after state" \
            "$(diff <(echo "$AFTER") <(echo "$got") | head -6 | tr '\n' ' ')"
        state=failed
    fi
    pb firmware verify
    [ "$RC" = 0 ] || { notok "$label: verify after the next import" "exit $RC: $(tail -1 "$T/out")"; state=failed; }
    [ "$(import_dirs)" = 0 ] || { notok "$label: no .import-* after the next import" "$(import_dirs) left"; state=failed; }
    # no content the uninterrupted import would not have left too
    local extra
    extra=$(LC_ALL=C comm -23 <(blob_list) <({ echo "$AFTER_BLOBS"; ref_list; } | LC_ALL=C sort -u) | wc -l)
    [ "$extra" = 0 ] || { notok "$label: no orphaned blob after the next import" "$extra extra"; state=failed; }
    KILL_STATE=$state
}

# random_kills NAME SNAPSHOT PACKAGE: TRIES imports killed after delays spread over 0 to 1.3
# times the import's own duration (plus a little jitter)
random_kills() {
    local name=$1 snap=$2 pkg=$3 i d pid nb=0 na=0 bad=0 leftover=0
    scenario "$name" "$snap" "$pkg"
    expect_eq "$name: after the uninterrupted import, every blob is referenced (old content of a replaced file deleted)" \
        "$AFTER_NBLOBS" "$AFTER_REFS"
    echo "# $name: an import takes $DUR_MS ms; $TRIES kills"
    for i in $(seq 1 "$TRIES"); do
        restore "$snap"
        d=$((DUR_MS * 13 * i / (10 * TRIES) + RANDOM % 5))
        "$PHONEBOOT" -c "$T/conf" firmware import --force "$pkg" >/dev/null 2>&1 &
        pid=$!
        sleep "$(printf '%d.%03d' $((d / 1000)) $((d % 1000)))"
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        [ "$(import_dirs)" = 0 ] || leftover=$((leftover + 1))
        after_kill "$name: kill after $d ms" "$pkg"
        case $KILL_STATE in before) nb=$((nb + 1)) ;; after) na=$((na + 1)) ;; *) bad=$((bad + 1)) ;; esac
    done
    echo "# $name: $nb kills left the before state, $na the after state, $bad neither;" \
        "$leftover left a .import-* folder for the next import to sweep"
    expect_eq "$name: every one of $TRIES kills left the before or the after state, intact" "$bad" 0
    check "$name: some kills landed before the commit" test "$nb" -gt 0
}

# ---- 1. an empty library ----
fresh_snap=$T/snap-empty
rm -rf "$T/state"
mkdir -p "$T/state"
pb firmware list
expect_eq "empty library: 0 loads" "$(tail -1 "$T/out")" "0 loads"
cp -a "$T/state" "$fresh_snap"
random_kills "empty library" "$fresh_snap" "$SIP1"

# ---- 2. the load already there, with other content ----
full_snap=$T/snap-full
rm -rf "$T/state"
mkdir -p "$T/state"
pb firmware import --force "$SCCP1" "$SIP1"
expect_eq "library with SCCP and the seed-1 SIP load: imported" "$RC" 0
cp -a "$T/state" "$full_snap"
random_kills "SIP load replaced" "$full_snap" "$SIP2"

# ---- 3. kills at chosen points (strace holds the import there) ----
if ! strace -f -o /dev/null true 2>/dev/null; then
    echo "# strace is missing or cannot trace here: chosen-point kills skipped"
    finish
fi
# calls SYSCALL: how many times the strace log shows it entered
calls() {
    if [ -f "$T/strace.log" ]; then grep -cE "^[0-9]+ +$1\(" "$T/strace.log"; else echo 0; fi
}
# first_call SNAPSHOT PACKAGE SYSCALL ERE: the number of the first call of SYSCALL whose
# strace line matches ERE, in an uninterrupted import of PACKAGE into SNAPSHOT (0: none)
first_call() {
    restore "$1"
    ASAN_OPTIONS=detect_leaks=0 timeout -k 5 60 strace -f -o "$T/strace.log" -e trace="$3" \
        "$PHONEBOOT" -c "$T/conf" firmware import --force "$2" >/dev/null 2>&1
    grep -E "^[0-9]+ +$3\(" "$T/strace.log" | grep -nE -m1 -- "$4" | cut -d: -f1 | grep . || echo 0
}
# held_kill LABEL SNAPSHOT PACKAGE SYSCALL WHEN [EXPECT]: import under strace, syscall number
# WHEN of SYSCALL held (delayed 10 s on its exit); once it is held, SIGKILL. EXPECT: the state
# the library must be in (before: killed before the commit; after: killed after it, while the
# served folders were being linked to the committed content)
held_kill() {
    local label=$1 snap=$2 pkg=$3 sc=$4 when=$5 expect=${6:-before} pid="" i
    scenario "$label" "$snap" "$pkg"
    restore "$snap"
    rm -f "$T/pid" "$T/strace.log"
    # shellcheck disable=SC2016 # $$ and $@ are the inner shell's
    ASAN_OPTIONS=detect_leaks=0 strace -f -o "$T/strace.log" -e trace="$sc" -e inject="$sc":delay_exit=10000000:when="$when" \
        sh -c 'echo $$ >"$0"; exec "$@"' "$T/pid" "$PHONEBOOT" -c "$T/conf" firmware import --force "$pkg" \
        >/dev/null 2>&1 &
    local spid=$!
    # held: the strace log shows the call number WHEN entered (at most 20 s)
    for i in $(seq 1 200); do
        [ "$(calls "$sc")" -ge "$when" ] && break
        sleep 0.1
    done
    sleep 0.2
    pid=$(cat "$T/pid" 2>/dev/null)
    local reached
    reached=$(calls "$sc")
    # the tracee first, then strace itself (it would sit out the delay before noticing)
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
    kill -KILL "$spid" 2>/dev/null
    wait "$spid" 2>/dev/null
    for i in $(seq 1 50); do
        if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then break; fi
        sleep 0.1
    done
    if [ -z "$pid" ] || [ "$reached" -lt "$when" ]; then
        notok "$label: the import reached $sc #$when" "$(tail -3 "$T/strace.log" 2>/dev/null | tr '\n' ' ')"
        return
    fi
    if [ "$expect" = before ]; then
        after_kill "$label" "$pkg" before
    else
        after_kill "$label" "$pkg"
    fi
    if [ "$KILL_STATE" = "$expect" ]; then
        ok "$label: library as $expect, verify clean, next import completes and sweeps"
    elif [ "$KILL_STATE" = before ] || [ "$KILL_STATE" = after ]; then
        notok "$label: library as $expect" "it is the $KILL_STATE state"
    fi
}
# the SIP .tar.gz: 12 files written into the temporary folder (the 20th write is mid-way),
# then renameat per new blob into blobs/ (unreferenced until the commit), the commit, then the
# served folders linked to the committed content: linkat to a .new.NAME, renameat over NAME
held_kill "empty library, kill while unpacking" "$fresh_snap" "$SIP1" write 20
held_kill "empty library, kill after the first blob moved in" "$fresh_snap" "$SIP1" renameat 1
held_kill "empty library, kill after the commit, at the first link" "$fresh_snap" "$SIP1" linkat 1 after
held_kill "SIP load replaced, kill after the first blob moved in" "$full_snap" "$SIP2" renameat 1
n=$(first_call "$full_snap" "$SIP2" renameat '"\.new\.')
check "SIP load replaced: the import renames a new file into its load folder (call $n)" test "$n" -gt 0
held_kill "SIP load replaced, kill after the commit, with one file of the load replaced" "$full_snap" "$SIP2" \
    renameat "$n" after

# a locale package over the same locale with other content: the tree files are replaced
locale_snap=$T/snap-locale
rm -rf "$T/state"
mkdir -p "$T/state"
pb firmware import --force "$T/fix1/po-locale-de_DE-9.4.2.cop.sgn"
expect_eq "library with the seed-1 locale: imported" "$RC" 0
cp -a "$T/state" "$locale_snap"
n=$(first_call "$locale_snap" "$T/fix2/po-locale-de_DE-9.4.2.cop.sgn" renameat '"\.new\.')
check "locale replaced: the import renames a new tree file in (call $n)" test "$n" -gt 0
held_kill "locale replaced, kill after the first tree file is renamed in" "$locale_snap" \
    "$T/fix2/po-locale-de_DE-9.4.2.cop.sgn" renameat "$n" after

# the last word: a plain import sweeps whatever a killed one left
restore "$full_snap"
mkdir -p "$FW/.import-leftover/load.0"
echo junk >"$FW/.import-leftover/in.0"
echo orphan >"$FW/blobs/0000000000000000000000000000000000000000000000000000000000000000"
pb firmware import --force "$SIP2"
expect_eq "sweep: the next import succeeds" "$RC" 0
expect_eq "sweep: no .import-* folder left" "$(import_dirs)" 0
check "sweep: the orphaned blob is gone" test ! -e "$FW/blobs/0000000000000000000000000000000000000000000000000000000000000000"
expect_eq "sweep: blobs == distinct sha256 referenced" "$(nblobs)" "$(distinct_refs)"

finish
