#!/bin/bash
# firmware.sh - the firmware library end to end: the fixtures (real names, random bytes) are
# refused as MISMATCH without --force and leave nothing behind; with --force every package
# form imports (.cop.sgn, .zip, .tar.gz, a zip holding a tar, a directory, loose files), a
# re-import is a no-op that says so, list/list --json/show report loads, files, hashes and
# verdicts exactly, content is stored once, an incomplete load says what it lacks and is
# completed by a loose image, every broken fixture is refused with a message naming the
# problem and changes nothing, the locale package fills the TFTP tree, verify finds a
# flipped byte, remove drops a load and the content only it held, and the daemon serves the
# library behind an empty TFTP root byte-identical (tftp-hpa, curl), ignoring case, picking
# term06.default.loads from the newest complete load, letting the root win.
# Every library group starts from a fresh state directory.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

for tool in sqlite3 tftp curl tar; do
    command -v $tool >/dev/null || { notok "setup" "$tool is not installed"; finish; }
done

# ---- the fixtures, built once ----
FIX=$T/fix
if ! "$HERE/../fixtures/mkfirmware.sh" "$FIX" >"$T/mkfirmware.log" 2>&1; then
    notok "setup: mkfirmware.sh builds the fixtures" "$(tail -5 "$T/mkfirmware.log")"
    finish
fi
SCCP_COP=$FIX/cmterm-7911_7906-sccp.8-5-2.cop.sgn
SIP_ZIP=$FIX/cmterm-7911_7906-sip.9-4-2SR1-1.zip
SIP_TGZ=$FIX/cmterm-7911_7906-sip.9-4-2SR1-1.tar.gz
SIP_INTAR=$FIX/cmterm-7911_7906-sip.9-4-2SR1-1-in-tar.zip
LOCALE=$FIX/po-locale-de_DE-9.4.2.cop.sgn
LOOSE=$FIX/loose-sccp
SCCP=SCCP11.8-5-2S
SIP=SIP11.9-4-2SR1-1S
SCCP_IMAGES="jar11sccp.8-5-2TH1-9.sbn cnu11.8-5-2TH1-9.sbn apps11.8-5-2TH1-9.sbn dsp11.8-5-2TH1-9.sbn cvm11sccp.8-5-2TH1-9.sbn"
SIP_IMAGES="jar11sip.9-4-2ES9.sbn cnu11.9-4-2ES9.sbn apps11.9-4-2ES9.sbn dsp11.9-4-2ES9.sbn cvm11sip.9-4-2ES9.sbn"
EXTRAS="copstart.py copstart.sh load307.txt load369.txt"

# the SIP package's files (the MANIFEST lists packages and loose-sccp/, not these)
mkdir -p "$T/sip" "$T/locale"
tar xzf "$SIP_TGZ" -C "$T/sip" || { notok "setup: tar xzf the SIP package" "failed"; finish; }
# the locale package's files: payload after the signed header, a tgz holding a tar
python3 - "$LOCALE" "$T/locale" <<'EOF' || { notok "setup: unpack the locale package" "failed"; finish; }
import io, sys, tarfile
data = open(sys.argv[1], "rb").read()
hl = int.from_bytes(data[8:10], "big")
outer = tarfile.open(fileobj=io.BytesIO(data[hl:]), mode="r:gz")
for m in outer.getmembers():
    if m.name.endswith(".tar"):
        inner = tarfile.open(fileobj=outer.extractfile(m))
        for n in inner.getmembers():
            if n.isfile() and n.name.startswith("usr/local/cm/tftp/"):
                n.name = n.name[len("usr/local/cm/tftp/"):]
                inner.extract(n, sys.argv[2])
EOF

# man_sha PATH: the MANIFEST's sha256 of PATH (relative to the fixture dir)
man_sha() { awk -v p="$1" '$3 == p {print $1}' "$FIX/MANIFEST"; }
# want_sha LOAD NAME: the fixture's sha256 of a file of a load
want_sha() {
    if [ "$1" = "$SCCP" ]; then man_sha "loose-sccp/$2"; else sha "$T/sip/$2"; fi
}
check "setup: MANIFEST matches the fixture files" \
    bash -c "cd '$FIX' && awk '!/^#/ {print \$1 \"  \" \$3}' MANIFEST | sha256sum -c --quiet"
# the .cop.sgn and the loose directory carry the same SCCP files
tar xzf "$FIX/cmterm-7911_7906-sccp.8-5-2.tar.gz" -C "$T" --one-top-level=sccp-tgz
same=1
for f in "$LOOSE"/*; do cmp -s "$f" "$T/sccp-tgz/$(basename "$f")" || same=0; done
expect_eq "setup: loose-sccp/ holds the SCCP package's files" "$same" 1

write_conf "$T/conf"
DB=$T/state/phoneboot.db
FW=$T/state/firmware

# pb ARG...: phoneboot with the test config; stdout in $T/out, stderr in $T/err, status in
# $RC; a sanitizer report is a failure of its own
pb() {
    timeout -k 5 120 "$PHONEBOOT" -c "$T/conf" "$@" >"$T/out" 2>"$T/err"
    RC=$?
    if sanitizer_report "$T/err" >/dev/null; then
        notok "phoneboot $*: no sanitizer report" "$(sanitizer_report "$T/err")"
    fi
}

# fresh: an empty state directory (no daemon may be running)
fresh() {
    rm -rf "$T/state"
    mkdir -p "$T/state"
}

# import_ok NAME FILE...: import --force succeeds, nothing on stderr
import_ok() {
    local name=$1
    shift
    pb firmware import --force "$@"
    if [ "$RC" = 0 ] && [ ! -s "$T/err" ]; then
        ok "$name"
    else
        notok "$name" "exit $RC: $(head -3 "$T/err")"
    fi
}

# list_line LOAD: "LOAD PROTO FAMILY VERSION STATE" from `firmware list`
list_line() {
    pb firmware list
    awk -v id="$1" '$1 == id {print $1, $2, $3, $4, $5}' "$T/out"
}

counts() {
    sqlite3 "$DB" "select (select count(*) from fw_packages) || ' ' || (select count(*) from fw_loads)
        || ' ' || (select count(*) from fw_images) || ' ' || (select count(*) from fw_files)
        || ' ' || (select count(*) from fw_tree)" 2>&1
}
blobs() { find "$FW/blobs" -mindepth 1 -printf '%f\n' 2>/dev/null | LC_ALL=C sort | tr '\n' ' '; }
nblobs() { find "$FW/blobs" -mindepth 1 2>/dev/null | wc -l; }
import_dirs() { find "$FW" -maxdepth 1 -name '.import-*' 2>/dev/null | wc -l; }
distinct_refs() {
    sqlite3 "$DB" "select count(*) from (select sha256 from fw_files union select sha256 from fw_tree)"
}
# lib_state: everything a refused import must leave as it was
lib_state() {
    pb firmware list --json
    cat "$T/out"
    counts
    blobs
    echo
    (cd "$FW" && find loads tree -printf '%p %i %s\n' | LC_ALL=C sort)
}
inode() { stat -c %i "$1" 2>/dev/null; }

# json_checks SCRIPT [ARG...]: python SCRIPT over the JSON in $T/out prints "PASS name" or
# "FAIL name: why" lines, which become ok / not ok
json_checks() {
    local script=$1 verdict rest
    shift
    while read -r verdict rest; do
        case $verdict in
        PASS) ok "$rest" ;;
        FAIL) notok "${rest%%: *}" "${rest#*: }" ;;
        *) notok "json checks" "unexpected output: $verdict $rest" ;;
        esac
    done < <(python3 - "$T/out" "$@" <<<"$script" 2>&1)
}

# ==== without --force: refused, nothing left behind ====
fresh
pb firmware import "$SCCP_COP"
expect_eq "no --force: MISMATCH package refused, exit 1" "$RC" 1
err=$(cat "$T/err")
expect_match "no --force: stderr says MISMATCH and --force" "$err" 'MISMATCH:.*refused \(use --force'
missing_names=""
for f in $SCCP.loads $SCCP_IMAGES term06.default.loads term11.default.loads; do
    [[ $err == *" $f"* ]] || missing_names="$missing_names $f"
done
expect_eq "no --force: stderr names every mismatching file" "$missing_names" ""
check "no --force: copstart.sh (unknown, not MISMATCH) is not named" test "${err/copstart/}" = "$err"
check "no --force: nothing on stdout" test ! -s "$T/out"
pb firmware list
expect_eq "no --force: firmware list shows 0 loads" "$(tail -1 "$T/out")" "0 loads"
pb firmware list --json
expect_eq "no --force: firmware list --json is []" "$(tr -d ' \n' <"$T/out")" "[]"
expect_eq "no --force: no .import-* left" "$(import_dirs)" 0
expect_eq "no --force: no blobs" "$(nblobs)" 0
expect_eq "no --force: loads/ empty" "$(find "$FW/loads" -mindepth 1 | wc -l)" 0
expect_eq "no --force: no rows (packages loads images files tree)" "$(counts)" "0 0 0 0 0"
pb firmware import "$SIP_TGZ" "$SIP_ZIP"
expect_eq "no --force: two packages, both refused, exit 1" "$RC" 1
expect_eq "no --force: one MISMATCH line per package" "$(grep -c 'MISMATCH:' "$T/err")" 2
expect_eq "no --force: still no blobs, no rows" "$(nblobs) $(counts)" "0 0 0 0 0 0"

# ==== every package form, with --force ====
fresh
import_ok "import --force the SCCP 8.5(2) .cop.sgn" "$SCCP_COP"
expect_eq "SCCP .cop.sgn: the report says the load is complete" \
    "$(grep '^load ' "$T/out")" "load $SCCP: complete, 5 images"
expect_eq "SCCP .cop.sgn: package verdict unknown (not in known-firmware.conf)" \
    "$(head -1 "$T/out" | cut -d' ' -f1-3)" "package cmterm-7911_7906-sccp.8-5-2.cop.sgn: unknown"
expect_eq "SCCP .cop.sgn: report line of the jar" \
    "$(awk '$1 == "jar11sccp.8-5-2TH1-9.sbn" {print $2, $3, $4, $5, $6}' "$T/out")" \
    "1616098 MISMATCH image of $SCCP"
expect_eq "SCCP .cop.sgn: report line of copstart.sh" \
    "$(awk '$1 == "copstart.sh" {print $2, $3, $4, $5, $6}' "$T/out")" "304 unknown extra of $SCCP"
expect_eq "firmware list: $SCCP complete, SCCP, family 11, version 8.5(2)" \
    "$(list_line $SCCP)" "$SCCP SCCP 11 8.5(2) complete"
expect_eq "firmware list: 1 loads" "$(tail -1 "$T/out")" "1 loads"

import_ok "import --force the SIP 9.4(2)SR1 .zip" "$SIP_ZIP"
expect_eq "SIP .zip: complete" "$(grep '^load ' "$T/out")" "load $SIP: complete, 5 images"
expect_eq "firmware list: $SIP complete, SIP, family 11, version 9.4(2)SR1-1" \
    "$(list_line $SIP)" "$SIP SIP 11 9.4(2)SR1-1 complete"
import_ok "import --force the SIP .tar.gz (same load, another package)" "$SIP_TGZ"
expect_eq "SIP .tar.gz: complete, 5 images" "$(grep '^load ' "$T/out")" "load $SIP: complete, 5 images"
expect_eq "SIP .tar.gz: the cop's leftovers are extras of the load" \
    "$(awk '$1 == "load307.txt" {print $2, $3, $4, $5, $6}' "$T/out")" "69 unknown extra of $SIP"
import_ok "import --force the SIP zip holding a tar" "$SIP_INTAR"
expect_eq "SIP -in-tar.zip: complete" "$(grep '^load ' "$T/out")" "load $SIP: complete, 5 images"
import_ok "import --force the loose-sccp/ directory" "$LOOSE"
expect_eq "loose-sccp/: complete" "$(grep '^load ' "$T/out")" "load $SCCP: complete, 5 images"
import_ok "import --force the locale .cop.sgn" "$LOCALE"
expect_eq "locale: CUCM's own file skipped, and said so" "$(tail -1 "$T/out")" \
    "skipped 1 files of CUCM's own (not for phones)"
expect_eq "locale: 7 files into the tree" "$(grep -c ' tree$' "$T/out")" 7
expect_eq "locale: German_Germany/* under STATE/firmware/tree" \
    "$(cd "$FW/tree" && find . -type f | LC_ALL=C sort | tr '\n' ' ')" \
    "./German_Germany/be-sip.jar ./German_Germany/mk-sip.jar ./German_Germany/phone/7906/gen-dictionary.utf8.xml ./German_Germany/phone/7906/glyphs.dat ./German_Germany/phone/7911/gen-dictionary.utf8.xml ./German_Germany/tc-sip.jar ./German_Germany/td-sip.jar "
bad=""
for f in $(cd "$T/locale" && find . -type f); do
    cmp -s "$T/locale/$f" "$FW/tree/$f" || bad="$bad $f"
done
expect_eq "locale: tree files byte-identical to the package's" "$bad" ""
expect_eq "locale: no locale file lands in a load" "$(find "$FW/loads" -name '*-sip.jar' | wc -l)" 0

# re-import: a no-op that says so
before_counts=$(counts) before_blobs=$(blobs)
pb firmware import --force "$SCCP_COP"
expect_eq "re-import the .cop.sgn: exit 0" "$RC" 0
expect_eq "re-import the .cop.sgn: says so" "$(cat "$T/out")" "$SCCP_COP: already imported, nothing to do"
pb firmware import --force "$LOOSE"
expect_eq "re-import loose-sccp/: says so" "$(cat "$T/out")" "$LOOSE: already imported, nothing to do"
pb firmware import --force "$SIP_INTAR"
expect_eq "re-import the -in-tar.zip: says so" "$(cat "$T/out")" "$SIP_INTAR: already imported, nothing to do"
expect_eq "re-imports change no row" "$(counts)" "$before_counts"
expect_eq "re-imports change no blob" "$(blobs)" "$before_blobs"
expect_eq "rows: 6 packages, 2 loads, 10 images, 24 files, 7 tree files" "$before_counts" "6 2 10 24 7"

# list --json
pb firmware list --json
expect_eq "list --json: exit 0, nothing on stderr" "$RC:$(cat "$T/err")" "0:"
want_json=$T/want.json
{
    echo "{"
    for l in $SCCP $SIP; do
        if [ "$l" = "$SCCP" ]; then imgs=$SCCP_IMAGES; else imgs=$SIP_IMAGES; fi
        echo "\"$l\": {"
        for f in $l.loads term06.default.loads term11.default.loads $imgs $EXTRAS; do
            echo "\"$f\": \"$(want_sha "$l" "$f")\","
        done
        echo '"": ""},'
    done
    echo '"": {}}'
} >"$want_json"
json_checks '
import json, sys
try:
    loads = json.load(open(sys.argv[1]))
except Exception as e:
    print("FAIL list --json: parses: %s" % e); sys.exit()
want = json.load(open(sys.argv[2]))
def check(name, got, exp):
    if got == exp: print("PASS " + name)
    else: print("FAIL %s: got %r, want %r" % (name, got, exp))
check("list --json: an array of 2 loads", [type(loads).__name__, len(loads)], ["list", 2])
check("list --json: load ids, sorted", [l.get("load_id") for l in loads], ["SCCP11.8-5-2S", "SIP11.9-4-2SR1-1S"])
meta = {"SCCP11.8-5-2S": ["11", "SCCP", "8.5(2)"], "SIP11.9-4-2SR1-1S": ["11", "SIP", "9.4(2)SR1-1"]}
for l in loads:
    i = l.get("load_id")
    if i not in meta: continue
    for k in ("load_id", "family", "protocol", "version", "complete", "missing", "verdict", "files"):
        if k not in l: print("FAIL list --json %s: has %s: missing" % (i, k))
    check("list --json %s: family, protocol, version" % i, [l.get("family"), l.get("protocol"), l.get("version")], meta[i])
    check("list --json %s: complete, nothing missing" % i, [l.get("complete"), l.get("missing")], [True, []])
    check("list --json %s: load verdict MISMATCH" % i, l.get("verdict"), "MISMATCH")
    files = {f.get("name"): f for f in l.get("files", [])}
    exp = {n: s for n, s in want[i].items() if n}
    check("list --json %s: the 12 file names" % i, sorted(files), sorted(exp))
    keys_bad = [n for n, f in files.items() if not {"name", "size", "sha256", "verdict"} <= set(f)]
    check("list --json %s: every file has name, size, sha256, verdict" % i, keys_bad, [])
    check("list --json %s: sha256 of every file equals the fixture" % i,
          {n: f.get("sha256") for n, f in files.items()}, exp)
    vexp = {n: ("unknown" if n.startswith(("copstart", "load3")) else "MISMATCH") for n in exp}
    check("list --json %s: per-file verdicts (MISMATCH images and lists, unknown copstart.sh)" % i,
          {n: f.get("verdict") for n, f in files.items()}, vexp)
    sizes_bad = [n for n, f in files.items() if not isinstance(f.get("size"), int) or f.get("size") <= 0]
    check("list --json %s: sizes are positive integers" % i, sizes_bad, [])
' "$want_json"
expect_eq "list --json: jar11sccp size as in the MANIFEST" \
    "$(python3 -c 'import json,sys; l=json.load(open(sys.argv[1])); print([f["size"] for f in l[0]["files"] if f["name"]=="jar11sccp.8-5-2TH1-9.sbn"][0])' "$T/out" 2>&1)" \
    "$(awk '$3 == "loose-sccp/jar11sccp.8-5-2TH1-9.sbn" {print $2}' "$FIX/MANIFEST")"

# show
pb firmware show $SIP
expect_eq "show $SIP: exit 0" "$RC" 0
expect_eq "show $SIP: first line" "$(head -1 "$T/out")" \
    "load $SIP: SIP, family 11, version 9.4(2)SR1-1 (release 9-4-2ES9), complete"
expect_eq "show $SIP: models 7906 and 7911" "$(grep '^models:' "$T/out")" "models: 7906 7911"
expect_eq "show $SIP: the 5 images in order (jar, cnu, apps, dsp, cvm)" \
    "$(grep -E '^  [0-9]+\. ' "$T/out" | tr -s ' ' | tr '\n' '|')" \
    " 1. jar11sip.9-4-2ES9.sbn| 2. cnu11.9-4-2ES9.sbn| 3. apps11.9-4-2ES9.sbn| 4. dsp11.9-4-2ES9.sbn| 5. cvm11sip.9-4-2ES9.sbn|"
expect_eq "show $SIP: the jar's size, verdict and sha256" \
    "$(awk '$1 == "jar11sip.9-4-2ES9.sbn" {print $2, $3, $4, $6}' "$T/out")" \
    "1620152 MISMATCH image $(want_sha $SIP jar11sip.9-4-2ES9.sbn)"
pb firmware show $SCCP
expect_eq "show $SCCP: images in order" \
    "$(grep -E '^  [0-9]+\. ' "$T/out" | awk '{print $2}' | tr '\n' ' ')" "$SCCP_IMAGES "
pb firmware show NOSUCH
expect_eq "show NOSUCH: exit 1" "$RC" 1
expect_eq "show NOSUCH: says so" "$(cat "$T/err")" \
    "phoneboot firmware show: no load NOSUCH in the library (see firmware list)"

# storage: one folder per load, content once
for l in $SCCP $SIP; do
    expect_eq "loads/$l/term06.default.loads is that load's" \
        "$(sha "$FW/loads/$l/term06.default.loads")" "$(want_sha "$l" term06.default.loads)"
done
check "the two term06.default.loads differ" \
    test "$(want_sha $SCCP term06.default.loads)" != "$(want_sha $SIP term06.default.loads)"
expect_eq "copstart.sh (same content in both loads) is one inode, the blob's" \
    "$(inode "$FW/loads/$SCCP/copstart.sh") $(inode "$FW/loads/$SIP/copstart.sh")" \
    "$(inode "$FW/blobs/$(want_sha $SCCP copstart.sh)") $(inode "$FW/blobs/$(want_sha $SCCP copstart.sh)")"
check "load307.txt (other content per load) is two inodes" \
    test "$(inode "$FW/loads/$SCCP/load307.txt")" != "$(inode "$FW/loads/$SIP/load307.txt")"
bad=""
for l in $SCCP $SIP; do
    for f in "$FW/loads/$l"/*; do
        [ "$(inode "$f")" = "$(inode "$FW/blobs/$(sha "$f")")" ] || bad="$bad $l/$(basename "$f")"
    done
done
expect_eq "every load file is a hard link of blobs/<its sha256>" "$bad" ""
expect_eq "blob count == distinct sha256 of fw_files and fw_tree" "$(nblobs)" "$(distinct_refs)"
expect_eq "no .import-* left after the imports" "$(import_dirs)" 0

# verify, damage, remove
pb firmware verify
expect_eq "verify intact library: exit 0" "$RC" 0
expect_eq "verify intact library: 31 files checked, 0 damaged" "$(tail -1 "$T/out")" \
    "31 files checked, 0 damaged"
blob=$FW/blobs/$(want_sha $SIP jar11sip.9-4-2ES9.sbn)
orig=$(od -An -tu1 -j 1000 -N 1 "$blob" | tr -d ' ')
# put_byte FILE OFFSET VALUE: one byte overwritten in place
put_byte() {
    python3 -c 'import sys; f = open(sys.argv[1], "r+b"); f.seek(int(sys.argv[2])); f.write(bytes([int(sys.argv[3])]))' "$@"
}
put_byte "$blob" 1000 $(((orig + 1) % 256))
pb firmware verify
expect_eq "verify after one flipped byte: exit 1" "$RC" 1
expect_eq "verify after one flipped byte: names the damaged file" \
    "$(grep '^damaged: ' "$T/out" | cut -d: -f1-2)" "damaged: loads/$SIP/jar11sip.9-4-2ES9.sbn"
expect_eq "verify after one flipped byte: 31 checked, 1 damaged" "$(tail -1 "$T/out")" \
    "31 files checked, 1 damaged"
put_byte "$blob" 1000 "$orig"
pb firmware verify
expect_eq "verify after the byte is back: exit 0" "$RC" 0

sip_only=""
for f in $SIP.loads term06.default.loads term11.default.loads $SIP_IMAGES load307.txt load369.txt; do
    sip_only="$sip_only $(want_sha $SIP "$f")"
done
pb firmware remove $SIP
expect_eq "remove $SIP: exit 0, says so" "$RC $(cat "$T/out")" "0 removed $SIP"
pb firmware list
expect_eq "remove $SIP: list shows only $SCCP" "$(awk 'NR > 1 {print $1}' "$T/out" | tr '\n' ' ')" "$SCCP 1 "
check "remove $SIP: loads/$SIP deleted" test ! -e "$FW/loads/$SIP"
left=""
for s in $sip_only; do [ -e "$FW/blobs/$s" ] && left="$left $s"; done
expect_eq "remove $SIP: the blobs only it held are deleted" "$left" ""
check "remove $SIP: copstart.sh's blob (SCCP holds it too) kept" \
    test -f "$FW/blobs/$(want_sha $SCCP copstart.sh)"
check "remove $SIP: SCCP's copstart.sh still that blob" \
    test "$(inode "$FW/loads/$SCCP/copstart.sh")" = "$(inode "$FW/blobs/$(want_sha $SCCP copstart.sh)")"
expect_eq "remove $SIP: blob count == distinct sha256 still referenced" "$(nblobs)" "$(distinct_refs)"
expect_eq "remove $SIP: no row of it left (images, files)" \
    "$(sqlite3 "$DB" "select count(*) from fw_images where load_id = '$SIP'; select count(*) from fw_files where load_id = '$SIP'" | tr '\n' ' ')" "0 0 "
pb firmware verify
expect_eq "verify after remove: 19 files checked, 0 damaged" "$RC $(tail -1 "$T/out")" \
    "0 19 files checked, 0 damaged"
pb firmware remove NOSUCH
expect_eq "remove NOSUCH: exit 1, says so" "$RC $(cat "$T/err")" \
    "1 phoneboot firmware remove: no load NOSUCH in the library"
# after a removal, importing the package again brings the load back (it is not "already
# imported": the library no longer holds it)
pb firmware import --force "$SIP_TGZ"
expect_eq "re-import after remove: exit 0" "$RC" 0
check "re-import after remove: not 'already imported'" bash -c "! grep -q 'already imported' '$T/out'"
expect_eq "re-import after remove: $SIP back, complete" "$(list_line $SIP)" "$SIP SIP 11 9.4(2)SR1-1 complete"

# ==== loose single files ====
fresh
pb firmware import --force "$LOOSE/jar11sccp.8-5-2TH1-9.sbn"
expect_eq "loose .sbn before its .loads: refused, exit 1" "$RC" 1
expect_eq "loose .sbn before its .loads: says why" "$(cat "$T/err")" \
    "phoneboot firmware import: jar11sccp.8-5-2TH1-9.sbn: no load names jar11sccp.8-5-2TH1-9.sbn: import it with its .loads"
expect_eq "loose .sbn refused: no blob, no row, no .import-*" "$(nblobs) $(counts) $(import_dirs)" "0 0 0 0 0 0 0"
import_ok "loose $SCCP.loads alone imports" "$LOOSE/$SCCP.loads"
expect_eq "loose .loads: INCOMPLETE, missing all 5 in order" "$(grep '^load ' "$T/out")" \
    "load $SCCP: INCOMPLETE, missing jar11sccp.8-5-2TH1-9.sbn, cnu11.8-5-2TH1-9.sbn, apps11.8-5-2TH1-9.sbn, dsp11.8-5-2TH1-9.sbn, cvm11sccp.8-5-2TH1-9.sbn"
import_ok "loose jar11sccp .sbn alone imports" "$LOOSE/jar11sccp.8-5-2TH1-9.sbn"
expect_eq "loose .sbn attaches to $SCCP" \
    "$(awk '$1 == "jar11sccp.8-5-2TH1-9.sbn" {print $3, $4, $5, $6}' "$T/out")" "MISMATCH image of $SCCP"
pb firmware list --json
json_checks '
import json, sys
l = json.load(open(sys.argv[1]))
ok = len(l) == 1 and l[0]["complete"] is False and l[0]["missing"] == ["cnu11.8-5-2TH1-9.sbn", "apps11.8-5-2TH1-9.sbn", "dsp11.8-5-2TH1-9.sbn", "cvm11sccp.8-5-2TH1-9.sbn"]
print(("PASS " if ok else "FAIL ") + "loose .sbn: list --json missing the other 4" + ("" if ok else ": %r" % l[0].get("missing")))
'
check "loose .sbn: loads/$SCCP/jar11sccp is the fixture's" \
    test "$(sha "$FW/loads/$SCCP/jar11sccp.8-5-2TH1-9.sbn")" = "$(man_sha loose-sccp/jar11sccp.8-5-2TH1-9.sbn)"
rest=""
for f in cnu11.8-5-2TH1-9.sbn apps11.8-5-2TH1-9.sbn dsp11.8-5-2TH1-9.sbn cvm11sccp.8-5-2TH1-9.sbn; do
    rest="$rest $LOOSE/$f"
done
# shellcheck disable=SC2086
import_ok "the 4 other loose .sbn in one command" $rest
expect_eq "loose files: $SCCP now complete" "$(list_line $SCCP)" "$SCCP SCCP 11 8.5(2) complete"
# a loose termXX.default.loads: the same list as a load in the library, so it belongs to it
pb firmware import --force "$LOOSE/term06.default.loads"
expect_eq "loose term06.default.loads (its load in the library): exit 0" "$RC:$(cat "$T/err")" "0:"
expect_eq "loose term06.default.loads: attaches to $SCCP" \
    "$(awk '$1 == "term06.default.loads" {print $3, $4, $5, $6}' "$T/out")" "MISMATCH loads of $SCCP"
pb firmware import --force "$LOOSE/copstart.sh"
expect_eq "a loose file that is no firmware: refused, exit 1" "$RC" 1
expect_eq "a loose file that is no firmware: no blob left" "$(nblobs)" "$(distinct_refs)"

# ==== an incomplete load, completed by a loose image ====
fresh
import_ok "missing-image.zip imports with --force" "$FIX/broken/missing-image.zip"
expect_eq "missing-image.zip: report says INCOMPLETE, missing dsp" "$(grep '^load ' "$T/out")" \
    "load $SIP: INCOMPLETE, missing dsp11.9-4-2ES9.sbn"
expect_eq "missing-image.zip: list shows INCOMPLETE" "$(list_line $SIP)" "$SIP SIP 11 9.4(2)SR1-1 INCOMPLETE"
expect_eq "missing-image.zip: list names what is missing" "$(grep '^    missing:' "$T/out")" \
    "    missing: dsp11.9-4-2ES9.sbn"
pb firmware list --json
json_checks '
import json, sys
l = json.load(open(sys.argv[1]))[0]
got = [l["load_id"], l["complete"], l["missing"]]
want = ["SIP11.9-4-2SR1-1S", False, ["dsp11.9-4-2ES9.sbn"]]
print(("PASS " if got == want else "FAIL ") + "missing-image.zip: list --json complete false, missing [dsp]" + ("" if got == want else ": %r" % got))
'
pb firmware show $SIP
expect_eq "missing-image.zip: show says INCOMPLETE and what is missing" \
    "$(sed -n 2p "$T/out")" "missing: dsp11.9-4-2ES9.sbn"
import_ok "the loose dsp11.9-4-2ES9.sbn (from tar xzf) imports" "$T/sip/dsp11.9-4-2ES9.sbn"
expect_eq "loose dsp: the load is complete now" "$(grep '^load ' "$T/out")" ""
expect_eq "loose dsp: list shows complete" "$(list_line $SIP)" "$SIP SIP 11 9.4(2)SR1-1 complete"
pb firmware list --json
json_checks '
import json, sys
l = json.load(open(sys.argv[1]))[0]
got = [l["complete"], l["missing"]]
print(("PASS " if got == [True, []] else "FAIL ") + "loose dsp: list --json complete, nothing missing" + ("" if got == [True, []] else ": %r" % got))
'

# ==== broken fixtures: refused, named, nothing changed ====
fresh
import_ok "a library to break into: the SCCP .cop.sgn" "$SCCP_COP"
# broken FILE ERE: import --force refused with exit 1 and a message matching ERE; the
# library (list --json, rows, blobs, load and tree folders) is as it was
broken() {
    local f=$1 ere=$2 name before after
    name=$(basename "$f")
    before=$(lib_state)
    pb firmware import --force "$f"
    expect_eq "$name: refused, exit 1" "$RC" 1
    expect_match "$name: message names the problem" "$(cat "$T/err")" "$ere"
    after=$(lib_state)
    if [ "$before" = "$after" ]; then
        ok "$name: library unchanged"
    else
        notok "$name: library unchanged" "$(diff <(echo "$before") <(echo "$after") | head -5 | tr '\n' ' ')"
    fi
    expect_eq "$name: no .import-* left" "$(import_dirs)" 0
}
B=$FIX/broken
P='^phoneboot firmware import: '
broken "$B/zip-slip.zip" "${P}zip-slip\\.zip: entry '\\.\\./evil\\.sbn' has a '\\.\\.' in its path: refused\$"
broken "$B/tar-slip.tar.gz" "${P}tar-slip\\.tar\\.gz: entry '\\.\\./evil\\.sbn' has a '\\.\\.' in its path: refused\$"
broken "$B/tar-bomb.tar.gz" "${P}tar-bomb\\.tar\\.gz: more than 10000 entries: refused"
broken "$B/truncated-header.cop.sgn" "${P}truncated-header\\.cop\\.sgn: header truncated"
broken "$B/header-length-past-end.cop.sgn" \
    "${P}header-length-past-end\\.cop\\.sgn: header length points past the end of the file\$"
broken "$B/gzip-garbage.cop.sgn" "${P}gzip-garbage\\.cop\\.sgn: a signed package whose payload is not gzip\$"
broken "$B/not-an-archive.zip" "${P}not-an-archive\\.zip: not a firmware package"
broken "$B/loads-binary.loads" "${P}loads-binary\\.loads: .*line 9 of its list: the \\.loads body is not text\$"
broken "$B/loads-no-header.loads" "${P}loads-no-header\\.loads: a \\.loads file without Cisco's signed header"

# archives of our own: one bad entry each, after a good one
python3 - "$T/evil" "$LOOSE/copstart.sh" <<'EOF'
import io, os, sys, tarfile
out, good = sys.argv[1], open(sys.argv[2], "rb").read()
os.makedirs(out, exist_ok=True)
def tar(name, info, data=None):
    with tarfile.open(os.path.join(out, name), "w") as t:
        g = tarfile.TarInfo("copstart.sh"); g.size = len(good)
        t.addfile(g, io.BytesIO(good))
        t.addfile(info, io.BytesIO(data) if data is not None else None)
i = tarfile.TarInfo("/etc/evil.sbn"); i.size = 5; tar("abs.tar", i, b"evil\n")
i = tarfile.TarInfo("link.sbn"); i.type = tarfile.SYMTYPE; i.linkname = "/etc/passwd"; tar("symlink.tar", i)
i = tarfile.TarInfo("hard.sbn"); i.type = tarfile.LNKTYPE; i.linkname = "copstart.sh"; tar("hardlink.tar", i)
i = tarfile.TarInfo("dev.sbn"); i.type = tarfile.CHRTYPE; i.devmajor = 1; i.devminor = 3; tar("chardev.tar", i)
i = tarfile.TarInfo("fifo.sbn"); i.type = tarfile.FIFOTYPE; tar("fifo.tar", i)
i = tarfile.TarInfo("x" * 300 + ".sbn"); i.size = 5; tar("longname.tar", i, b"long\n")
i = tarfile.TarInfo("a/b/../../../evil.sbn"); i.size = 5; tar("deepslip.tar", i, b"evil\n")
EOF
broken "$T/evil/abs.tar" "${P}abs\\.tar: entry '/etc/evil\\.sbn' has an absolute path: refused\$"
broken "$T/evil/symlink.tar" "${P}symlink\\.tar: entry 'link\\.sbn' is a symbolic link: refused\$"
broken "$T/evil/hardlink.tar" "${P}hardlink\\.tar: entry 'hard\\.sbn' is a hard link: refused\$"
broken "$T/evil/chardev.tar" "${P}chardev\\.tar: entry 'dev\\.sbn' is a character device: refused\$"
broken "$T/evil/fifo.tar" "${P}fifo\\.tar: entry 'fifo\\.sbn' is a FIFO: refused\$"
broken "$T/evil/longname.tar" "${P}longname\\.tar: entry 'x{200,}.*' has a name longer than 255 bytes: refused\$"
broken "$T/evil/deepslip.tar" "${P}deepslip\\.tar: entry 'a/b/\\.\\./\\.\\./\\.\\./evil\\.sbn' has a '\\.\\.' in its path"
check "no evil file written outside the state directory" test ! -e "$T/evil.sbn" -a ! -e "$T/state/evil.sbn"
pb firmware verify
expect_eq "after every refusal: verify 12 files, 0 damaged" "$RC $(tail -1 "$T/out")" "0 12 files checked, 0 damaged"

# ==== serving the library behind an empty TFTP root ====
fresh
import_ok "serving: import the SCCP .cop.sgn" "$SCCP_COP"
import_ok "serving: import the SIP .tar.gz" "$SIP_TGZ"
import_ok "serving: import the locale .cop.sgn" "$LOCALE"
rm -rf "$T/root"
mkdir -p "$T/root"
start_daemon "$T/conf" || { notok "daemon starts over the library" "see the log above"; finish; }
expect_eq "serving: the TFTP root holds only the probe file" "$(ls "$T/root")" "$PROBE"

# fetch_tftp NAME WANT_SHA LABEL / fetch_curl NAME WANT_SHA LABEL
fetch_tftp() {
    local out
    rm -f "$T/dl"
    out=$(cd "$T" && timeout -k 5 60 tftp 127.0.0.1 "$PORT" -m binary -c get "$1" "$T/dl" 2>&1)
    if [ -z "$out" ] && [ -f "$T/dl" ] && [ "$(sha "$T/dl")" = "$2" ]; then
        ok "tftp-hpa get $1: $3"
    else
        notok "tftp-hpa get $1: $3" "output '$out', sha256 $(sha "$T/dl" 2>/dev/null), want $2"
    fi
}
fetch_curl() {
    local rc
    rm -f "$T/dl"
    timeout -k 5 60 curl -s --max-time 50 -o "$T/dl" "tftp://127.0.0.1:$PORT/$1" 2>"$T/curl.err"
    rc=$?
    if [ "$rc" = 0 ] && [ -f "$T/dl" ] && [ "$(sha "$T/dl")" = "$2" ]; then
        ok "curl get $1: $3"
    else
        notok "curl get $1: $3" "curl exit $rc, sha256 $(sha "$T/dl" 2>/dev/null), want $2"
    fi
}
for l in $SCCP $SIP; do
    if [ "$l" = "$SCCP" ]; then imgs=$SCCP_IMAGES; else imgs=$SIP_IMAGES; fi
    for f in $l.loads $imgs; do
        fetch_tftp "$f" "$(want_sha "$l" "$f")" "byte-identical to the fixture"
        fetch_curl "$f" "$(want_sha "$l" "$f")" "byte-identical to the fixture"
    done
done
SIP_TERM06=$(want_sha $SIP term06.default.loads)
SCCP_TERM06=$(want_sha $SCCP term06.default.loads)
fetch_tftp term06.default.loads "$SIP_TERM06" "the SIP load's (newest complete of family 11)"
fetch_curl term11.default.loads "$(want_sha $SIP term11.default.loads)" "the SIP load's"
fetch_tftp JAR11SIP.9-4-2ES9.sbn "$(want_sha $SIP jar11sip.9-4-2ES9.sbn)" "served ignoring case"
fetch_curl Cnu11.8-5-2TH1-9.SBN "$(want_sha $SCCP cnu11.8-5-2TH1-9.sbn)" "served ignoring case"
fetch_curl German_Germany/tc-sip.jar "$(sha "$T/locale/German_Germany/tc-sip.jar")" "from the tree"
fetch_tftp German_Germany/phone/7906/glyphs.dat "$(sha "$T/locale/German_Germany/phone/7906/glyphs.dat")" \
    "from the tree"
expect_eq "a name in no load: ERROR 1" "$($RAW "$PORT" rrq nosuch11.9-4-2ES9.sbn octet)" "ERROR 1 File not found"
expect_eq "a path beside the tree: ERROR 1" "$($RAW "$PORT" rrq German_Germany/nosuch.jar octet)" \
    "ERROR 1 File not found"
make_file "$T/root/cnu11.9-4-2ES9.sbn" 3000
fetch_tftp cnu11.9-4-2ES9.sbn "$(sha "$T/root/cnu11.9-4-2ES9.sbn")" "the TFTP root's file wins over the library's"
rm -f "$T/root/cnu11.9-4-2ES9.sbn"
fetch_tftp cnu11.9-4-2ES9.sbn "$(want_sha $SIP cnu11.9-4-2ES9.sbn)" "the library's again once the root's is gone"

# what the timeline says was served
served() {
    sqlite3 "$DB" "select served from events where file = '$1' and outcome = 'ok' order by id desc limit 1"
}
# events are committed per loop turn: wait (bounded) for the last transfer's
for _ in $(seq 1 30); do
    [ "$(sqlite3 "$DB" "select count(*) from events where file = 'cnu11.9-4-2ES9.sbn'" 2>/dev/null)" = 4 ] && break
    sleep 0.1
done
expect_eq "events: JAR11SIP... served from the SIP load's folder" "$(served JAR11SIP.9-4-2ES9.sbn)" \
    "firmware/loads/$SIP/jar11sip.9-4-2ES9.sbn"
expect_eq "events: term06.default.loads served from the SIP load" "$(served term06.default.loads)" \
    "firmware/loads/$SIP/term06.default.loads"
expect_eq "events: German_Germany/tc-sip.jar served from the tree" "$(served German_Germany/tc-sip.jar)" \
    "firmware/tree/German_Germany/tc-sip.jar"
pb log
expect_eq "phoneboot log: exit 0" "$RC" 0
# log_line NAME [N]: the Nth (default first) `phoneboot log` line for NAME, without date, time
# and duration
log_line() {
    grep -F " RRQ $1 " "$T/out" | sed -n "${2:-1}p" | sed -E 's/^[^ ]+ [^ ]+ //; s/ [0-9]+\.[0-9]+ s / T s /'
}
expect_eq "phoneboot log: JAR11SIP... served from the SIP load's folder" "$(log_line JAR11SIP.9-4-2ES9.sbn)" \
    "127.0.0.1 RRQ JAR11SIP.9-4-2ES9.sbn ok 1620152 bytes 3165 blocks T s 0 retransmits from firmware/loads/$SIP/jar11sip.9-4-2ES9.sbn"
expect_eq "phoneboot log: term06.default.loads served from the SIP load" "$(log_line term06.default.loads)" \
    "127.0.0.1 RRQ term06.default.loads ok 660 bytes 2 blocks T s 0 retransmits from firmware/loads/$SIP/term06.default.loads"
expect_eq "phoneboot log: German_Germany/tc-sip.jar served from the tree" "$(log_line German_Germany/tc-sip.jar)" \
    "127.0.0.1 RRQ German_Germany/tc-sip.jar ok 3603 bytes 8 blocks T s 0 retransmits from firmware/tree/German_Germany/tc-sip.jar"
# cnu11.9-4-2ES9.sbn: tftp-hpa and curl from the library, the root's, the library's again
expect_eq "phoneboot log: the root's cnu11.9-4-2ES9.sbn: no 'from' (served as asked)" \
    "$(log_line cnu11.9-4-2ES9.sbn 3)" "127.0.0.1 RRQ cnu11.9-4-2ES9.sbn ok 3000 bytes 6 blocks T s 0 retransmits"
expect_eq "phoneboot log: cnu11.9-4-2ES9.sbn from the library again after the root's" \
    "$(log_line cnu11.9-4-2ES9.sbn 4)" \
    "127.0.0.1 RRQ cnu11.9-4-2ES9.sbn ok 559855 bytes 1094 blocks T s 0 retransmits from firmware/loads/$SIP/cnu11.9-4-2ES9.sbn"
expect_eq "phoneboot log: a name in no load: not found" "$(log_line nosuch11.9-4-2ES9.sbn)" \
    "127.0.0.1 RRQ nosuch11.9-4-2ES9.sbn not found 0 bytes 0 blocks T s 0 retransmits"

# only SCCP complete: term06 comes from it
pb firmware remove $SIP
expect_eq "serving: remove $SIP while the daemon runs" "$RC" 0
fetch_tftp term06.default.loads "$SCCP_TERM06" "the SCCP load's once SIP is removed"
expect_eq "serving: removed load's jar: ERROR 1" "$($RAW "$PORT" rrq jar11sip.9-4-2ES9.sbn octet)" \
    "ERROR 1 File not found"
import_ok "serving: import missing-image.zip (SIP incomplete)" "$FIX/broken/missing-image.zip"
fetch_curl term06.default.loads "$SCCP_TERM06" "the SCCP load's while SIP is incomplete"
fetch_curl jar11sip.9-4-2ES9.sbn "$(want_sha $SIP jar11sip.9-4-2ES9.sbn)" "from the incomplete load that holds it"
import_ok "serving: import the loose dsp11.9-4-2ES9.sbn" "$T/sip/dsp11.9-4-2ES9.sbn"
fetch_tftp term06.default.loads "$SIP_TERM06" "the SIP load's once it is complete"
fetch_curl dsp11.9-4-2ES9.sbn "$(want_sha $SIP dsp11.9-4-2ES9.sbn)" "the image just imported"
check_served "the library's transfers"
stop_daemon "daemon over the library: SIGTERM, exit 0, no sanitizer report"

finish
