#!/bin/bash
# phone_import.sh - `phoneboot phone import`: FreePBX Bulk Handler exports (cisco-facts 13.2's
# headers: the chan_sip tools sample ending in empty header names, an UPPER-CASE one with a BOM
# and CRLF, a pjsip one) joined to --macs by extension; 32-character secrets refused with the
# message naming phone, length and limit, then imported with --fix-secrets (the phones listed,
# never a secret); REGEN; tech virtual rows skipped; our own CSV in any column order; --update,
# --skip-bad, --dry-run; every bad row reported as FILE:LINE (the record's first line) and none
# imported; duplicates in the file; a 10,000-row import beside a running daemon (time, longest
# transaction), killed halfway leaving the phones as they were.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

write_conf "$T/conf"
cd "$T" || exit 1
pb() {
    "$PHONEBOOT" -c "$T/conf" "$@" >"$T/out" 2>"$T/err"
    RC=$?
}
# err_has NAME LINE: stderr has exactly this line
err_has() {
    if grep -qxF -- "$2" "$T/err"; then ok "$1"; else notok "$1" "no line '$2' in: $(head -5 "$T/err")"; fi
}
out_has() {
    if grep -qxF -- "$2" "$T/out"; then ok "$1"; else notok "$1" "no line '$2' in: $(head -8 "$T/out")"; fi
}
nphones() {
    "$PHONEBOOT" -c "$T/conf" phone list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'
}
secret_of() {
    "$PHONEBOOT" -c "$T/conf" phone show "$1" --json --secret | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])'
}
E="phoneboot phone import: "

# ---- a FreePBX export, chan_sip era (the tools sample's shape: three empty names at the end) ----
H="extension,password,name,voicemail,ringtimer,noanswer,recording,outboundcid,sipname,noanswer_cid,busy_cid,chanunavail_cid,noanswer_dest,busy_dest,chanunavail_dest,mohclass,id,tech,dial,devicetype,user,description,emergency_cid,hint_override,cwtone,recording_in_external,recording_out_external,recording_in_internal,recording_out_internal,recording_ondemand,recording_priority,answermode,intercom,cid_masquerade,concurrency_limit,devicedata,accountcode,allow,avpf,callerid,canreinvite,context,defaultuser,deny,disallow,dtmfmode,encryption,force_avp,host,icesupport,namedcallgroup,namedpickupgroup,nat,permit,port,qualify,qualifyfreq,secret,sendrpid,sessiontimers,sipdriver,transport,trustrpid,type,videosupport,findmefollow_strategy,findmefollow_grptime,findmefollow_grplist,voicemail_enable,voicemail_vmpwd,voicemail_email,voicemail_pager,voicemail_options,,,"
row() { # EXT NAME TECH SECRET DESCRIPTION
    printf '%s,,%s,novm,0,,,,,,,,,,,default,%s,%s,%s/%s,fixed,%s,%s,,,disabled,dontcare,dontcare,dontcare,dontcare,disabled,10,,,%s,3,%s,,,no,device <%s>,no,from-internal,,0.0.0.0/0.0.0.0,,rfc2833,no,no,dynamic,no,,,no,0.0.0.0/0.0.0.0,5060,yes,60,%s,pai,accept,chan_sip,"udp,tcp,tls",yes,friend,inherit,ringallv2-prim,20,%s,,,,,,,,\n' \
        "$1" "$2" "$1" "$3" "$( [ "$3" = pjsip ] && echo PJSIP || echo SIP)" "$1" "$1" "$5" "$1" "$1" "$1" "$4" "$1"
}
S32A=0123456789abcdef0123456789abcdef
S32B=fedcba9876543210fedcba9876543210
{
    echo "$H"
    row 1006 '"Front Desk"' sip $S32A '"SCHOOL - IT Director"'
    row 1007 'Back office' sip $S32B ''
    row 1008 '' sip REGEN 'Lobby phone'
    row 2000 'Ring group' virtual '' ''
    row 1009 '"Anna ""Nan"" Smith"' sip Short1234 ''
} >ext.csv
cat >macs.csv <<'X'
extension,mac,model
1006,00:1e:4a:00:10:06,7906
1007,001E.4A00.1007,CP-7911G
1008,SEP001E4A001008,7942
1009,00-1E-4A-00-10-09,7962
X
check "setup: ext.csv rows have as many fields as the header" python3 -c '
import csv, sys
r = list(csv.reader(open("ext.csv")))
sys.exit(0 if len({len(x) for x in r}) == 1 and len(r[0]) > 70 else 1)'

pb phone import ext.csv
expect_eq "freepbx, no --macs: exit 1" "$RC" 1
err_has "freepbx, no --macs: says to give --macs" \
    "${E}ext.csv: no mac column (a FreePBX export has none): give --macs MACS.csv with the columns extension, mac, model"

pb phone import ext.csv --macs macs.csv
expect_eq "freepbx 32-character secrets: exit 1" "$RC" 1
err_has "freepbx: the 7906's 32-character secret refused, naming phone, length, limit" \
    "${E}ext.csv:2: 00:1e:4a:00:10:06 (extension 1006): secret of 32 characters; the 7906 accepts at most 12"
err_has "freepbx: the 7911's too, in the same run" \
    "${E}ext.csv:3: 00:1e:4a:00:10:07 (extension 1007): secret of 32 characters; the 7911 accepts at most 12"
err_has "freepbx: tech virtual skipped with a note" \
    "${E}ext.csv:5: extension 2000: tech virtual is not a SIP phone of ours; skipped"
err_has "freepbx: nothing imported" "${E}ext.csv: 2 bad rows; nothing imported (--skip-bad imports the others)"
expect_eq "freepbx: the inventory is still empty" "$(nphones)" 0

pb phone import ext.csv --macs macs.csv --fix-secrets --dry-run
expect_eq "--fix-secrets --dry-run: exit 0" "$RC" 0
out_has "--dry-run: the summary" "dry run: 4 added, 0 updated, 0 unchanged, 3 secrets generated (nothing written)"
out_has "--dry-run: lists a phone whose secret would change" "  00:1e:4a:00:10:06 (extension 1006)"
expect_eq "--dry-run: nothing written" "$(nphones)" 0

pb phone import ext.csv --macs macs.csv --fix-secrets
expect_eq "--fix-secrets: exit 0" "$RC" 0
out_has "--fix-secrets: says how many were replaced" "2 secrets longer than the model accepts, replaced with generated ones:"
out_has "--fix-secrets: lists the 7906 by MAC and extension" "  00:1e:4a:00:10:06 (extension 1006)"
out_has "--fix-secrets: lists the 7911" "  00:1e:4a:00:10:07 (extension 1007)"
out_has "--fix-secrets: points to pbx export" "the PBX must get the new secrets too: phoneboot pbx export"
out_has "--fix-secrets: the summary line" "4 added, 0 updated, 0 unchanged, 3 secrets generated"
out_has "--fix-secrets: the skipped row counted" "1 row skipped (not SIP phones)"
SA=$(secret_of 00:1e:4a:00:10:06) SR=$(secret_of 00:1e:4a:00:10:08)
expect_match "--fix-secrets: the 7906 got 12 characters of [A-Za-z0-9]" "$SA" '^[A-Za-z0-9]{12}$'
expect_match "REGEN: the 7942 got a generated secret" "$SR" '^[A-Za-z0-9]{12}$'
expect_eq "a short secret is kept as given" "$(secret_of 00:1e:4a:00:10:09)" Short1234
for s in $S32A $S32B "$SA" "$SR" Short1234; do
    check "no secret (${s:0:4}...) in the import's output" bash -c "! grep -qF -- '$s' '$T/out' '$T/err'"
done
pb phone show 00:1e:4a:00:10:09 --json
expect_eq "doubled quotes in a name" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["name"])' "$T/out")" 'Anna "Nan" Smith'
pb phone show 00:1e:4a:00:10:08 --json
expect_eq "an empty name falls back to the description" \
    "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["name"])' "$T/out")" 'Lobby phone'

pb phone import ext.csv --macs macs.csv --fix-secrets
expect_eq "again, without --update: exit 1" "$RC" 1
err_has "a known MAC changes only with --update" \
    "${E}ext.csv:2: 00:1e:4a:00:10:06 is already in the inventory (extension 1006); --update changes it"
pb phone import ext.csv --macs macs.csv --skip-bad
expect_eq "--skip-bad: exit 0" "$RC" 0
out_has "--skip-bad: the unchanged row counted, the rest left out" "0 added, 0 updated, 1 unchanged, 0 secrets generated"
err_has "--skip-bad: says how many were left out" "${E}ext.csv: 3 bad rows left out (--skip-bad)"

# ---- UPPER-CASE header, BOM, CRLF, a pjsip export, a row with no --macs entry ----
{
    printf '\xef\xbb\xbf'
    echo "EXTENSION,PASSWORD,NAME,VOICEMAIL,TECH,DIAL,DESCRIPTION,CALLERID,MAX_CONTACTS,MEDIA_ENCRYPTION,REWRITE_CONTACT,RTP_SYMMETRIC,SECRET,SIPDRIVER,TRANSPORT,,,"
    echo '5000,,"User 5000 functional testing",novm,pjsip,PJSIP/5000,,device <5000>,1,no,yes,yes,REGEN,chan_pjsip,,,,'
    echo '5001,,"Two'
    echo 'line name",novm,pjsip,PJSIP/5001,,device <5001>,1,no,yes,yes,abc,chan_pjsip,,,,'
    echo '5002,,Nobody,novm,pjsip,PJSIP/5002,,device <5002>,1,no,yes,yes,abc,chan_pjsip,,,,'
    echo '5003,,,novm,pjsip,PJSIP/5003,,,1,no,yes,yes,abc,chan_pjsip,,,,'
    echo '5004,,Iax,novm,iax2,IAX2/5004,,,1,no,yes,yes,abc,,,,,'
    echo '5005,,Short row,novm,pjsip'
} | sed 's/$/\r/' >upper.csv
printf 'EXTENSION,MAC,MODEL\r\n5000,00:1e:4a:00:50:00,7906\r\n5001,00:1e:4a:00:50:01,7906\r\n5003,00:1e:4a:00:50:03,7906\r\n5005,00:1e:4a:00:50:05,7906\r\n' >macs5.csv
pb phone import upper.csv --macs macs5.csv
expect_eq "upper-case pjsip export with bad rows: exit 1" "$RC" 1
err_has "an embedded newline in a name: refused at the record's first line" \
    "${E}upper.csv:3: 00:1e:4a:00:50:01 (extension 5001): name has a control character (byte 0x0d at 4): one line of plain text only"
err_has "a row with no --macs entry names the extension (line counted past the 2-line record)" \
    "${E}upper.csv:5: extension 5002 has no entry in macs5.csv"
err_has "no name and no description" \
    "${E}upper.csv:6: 00:1e:4a:00:50:03 (extension 5003): no name (FreePBX requires one; description is empty too)"
err_has "tech iax2 skipped" "${E}upper.csv:7: extension 5004: tech iax2 is not a SIP phone of ours; skipped"
err_has "a short row" "${E}upper.csv:8: 5 fields; the header has 18"
err_has "all 4 bad rows counted" "${E}upper.csv: 4 bad rows; nothing imported (--skip-bad imports the others)"
pb phone import upper.csv --macs macs5.csv --skip-bad
out_has "upper-case header, BOM, CRLF: the good row imported" "1 added, 0 updated, 0 unchanged, 1 secrets generated"
pb phone show 00:1e:4a:00:50:00 --json
expect_eq "a quoted name with spaces, read through BOM and CRLF" \
    "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["name"])' "$T/out")" 'User 5000 functional testing'

# ---- our own CSV: any column order and case; --update; duplicates; bad input ----
cat >ours.csv <<'X'
Label,SECRET,Extension,MAC,Model,name
Desk1,Abc123,1100,00:1e:4a:00:11:00,7906,Desk one
,,1101,00:1e:4a:00:11:01,7962,Desk two
X
pb phone import ours.csv
out_has "ours: imported" "2 added, 0 updated, 0 unchanged, 1 secrets generated"
pb phone import ours.csv
out_has "ours again: unchanged, and no --update needed for that" "0 added, 0 updated, 2 unchanged, 0 secrets generated"
cat >swap.csv <<'X'
mac,model,extension,name
00:1e:4a:00:11:00,7906,1101,Desk one
00:1e:4a:00:11:01,7962,1100,Desk two
X
pb phone import swap.csv --update
out_has "--update: two phones swap extensions" "0 added, 2 updated, 0 unchanged, 0 secrets generated"
pb phone show 00:1e:4a:00:11:00 --json --secret
expect_eq "--update: the moved phone kept its secret and label" \
    "$(python3 -c 'import json,sys; j = json.load(open(sys.argv[1])); print(j["extension"], j["secret"], j["label"])' "$T/out")" \
    "1101 Abc123 Desk1"
cat >bad.csv <<'X'
mac,model,extension,name,secret,label
00:1e:4a:00:12:00,7906,1200,Good,,
00:1e:4a:00:12:0g,7906,1201,Bad MAC,,
00:1e:4a:00:12:02,7999,1202,Bad model,,
00:1e:4a:00:12:03,7906,12a3,Bad extension,,
00:1e:4a:00:12:00,7906,1204,Same MAC,,
00:1e:4a:00:12:05,7906,1200,Same extension,,
00:1e:4a:00:12:06,7906,1006,Taken extension,,
00:1e:4a:00:12:07,7906,1207,Spaced label,,Front Desk
00:1e:4a:00:12:08,7906,1208,Spaced secret,a b,
00:1e:4a:00:12:09,,1209,No model,,
X
pb phone import bad.csv
expect_eq "bad rows: exit 1" "$RC" 1
err_has "bad MAC" "${E}bad.csv:3: extension 1201: MAC '00:1e:4a:00:12:0g': a character that is not a hex digit or : - ."
err_has "unknown model lists the known" \
    "${E}bad.csv:4: 00:1e:4a:00:12:02 (extension 1202): unknown model '7999' (known: 7906, 7911, 7931, 7941, 7941GE, 7961, 7961GE, 7942, 7962, 7945, 7965, 7970, 7971, 7975, 7940, 7960)"
err_has "bad extension" "${E}bad.csv:5: 00:1e:4a:00:12:03: extension '12a3' is not digits only"
err_has "a MAC twice in the file names the first line" "${E}bad.csv:6: 00:1e:4a:00:12:00 (extension 1204): MAC also on line 2"
err_has "an extension twice in the file" "${E}bad.csv:7: 00:1e:4a:00:12:05: extension 1200 also on line 2 (00:1e:4a:00:12:00)"
err_has "an extension another phone has" "${E}bad.csv:8: 00:1e:4a:00:12:06: extension 1006 is already phone 00:1e:4a:00:10:06's"
err_has "a label with a space on a 7906" \
    "${E}bad.csv:9: 00:1e:4a:00:12:07 (extension 1207): label 'Front Desk' has a space; the 7906 takes none in its phoneLabel"
err_has "a secret with a space" \
    "${E}bad.csv:10: 00:1e:4a:00:12:08 (extension 1208): secret has a space (at 2): PBX configs and CSV tools trim or split at it"
err_has "no model" "${E}bad.csv:11: 00:1e:4a:00:12:09 (extension 1209): no model (a model column)"
err_has "every bad row reported" "${E}bad.csv: 9 bad rows; nothing imported (--skip-bad imports the others)"
expect_eq "bad rows: nothing imported" "$(nphones)" 7
printf 'mac,model,extension\n00:1e:4a:00:13:00,7906,1300\n00:1e:4a:00:13:01,7906,"13"01\n' >quote.csv
pb phone import quote.csv
err_has "malformed quoting: the file refused at its line" \
    "${E}quote.csv:3: a \" inside an unquoted field, or text after a closing quote; nothing imported"
printf 'mac,model,name\n00:1e:4a:00:13:00,7906,x\n' >noext.csv
pb phone import noext.csv
err_has "no extension column" "${E}noext.csv:1: no extension column in the header"
printf 'mac,model,extension,MAC\n' >twice.csv
pb phone import twice.csv
err_has "a column twice" "${E}twice.csv:1: column 'mac' twice (columns 1 and 4)"
pb phone import ours.csv --macs macs.csv
err_has "--macs with a mac column" "${E}ours.csv has a mac column: --macs is for a file without one (FreePBX's)"
pb phone import nosuch.csv
err_has "a missing file" "${E}nosuch.csv: No such file or directory"
pb phone import
expect_eq "no file: usage, exit 2" "$RC" 2
pb phone import ours.csv --frobnicate
expect_eq "an unknown option: exit 2" "$RC" 2

# ---- staging rows a killed import left are never published ----
sqlite3 "$T/state/phoneboot.db" "INSERT INTO phone_staging VALUES ('00:1e:4a:00:99:99','7906','9999','ghost','','x',1,1)"
expect_eq "leftover staging rows are not phones" "$(nphones)" 7
pb phone import ours.csv
expect_eq "the next import: the leftover stays out" "$("$PHONEBOOT" -c "$T/conf" phone show 00:1e:4a:00:99:99 >/dev/null 2>&1; echo $?)" 1

# ---- 10,000 rows beside a running daemon ----
python3 - <<'X'
with open("big.csv", "w") as f:
    f.write("mac,model,extension,name\n")
    for i in range(10000):
        f.write("00:1e:4b:%02x:%02x:%02x,7906,%d,Phone %d\n" % (i >> 16, (i >> 8) & 255, i & 255 or 0, 20000 + i, i) if i else "00:1e:4b:ff:ff:ff,7906,20000,Phone 0\n")
X
start_daemon "$T/conf" || { notok "setup: phoneboot serve starts" "see above"; finish; }
pb phone import big.csv
out_has "10,000 rows: the summary" "10000 added, 0 updated, 0 unchanged, 10000 secrets generated"
tl=$(grep '^written in' "$T/out")
echo "# 10,000 rows (ASan build, daemon running): $tl"
longest=$(sed -n 's/.* of at most \([0-9.]*\) ms.*/\1/p' <<<"$tl")
publish=$(sed -n 's/.*published in \([0-9.]*\) ms.*/\1/p' <<<"$tl")
check "10,000 rows: no chunk transaction over 200 ms under ASan ($longest ms)" python3 -c "import sys; sys.exit(0 if float('$longest') < 200 else 1)"
check "10,000 rows: the publish under 50 ms under ASan ($publish ms)" python3 -c "import sys; sys.exit(0 if float('$publish') < 50 else 1)"
expect_eq "10,000 rows: all there" "$(nphones)" 10007
check_served "the 10,000-row import"
# killed at some point of an update of all 10,000 (a few delays, to land in validation, in the
# staging chunks, or after): the phones are all old or all new, none lost
sed 's/,Phone /,Desk /' big.csv >big2.csv
desk=0
for delay in 0.2 0.4 0.6 0.8; do
    f=big2.csv
    [ "$desk" = 10000 ] && f=big.csv # published last round: change them back
    "$PHONEBOOT" -c "$T/conf" phone import $f --update >/dev/null 2>&1 &
    KP=$!
    sleep $delay
    kill -KILL "$KP" 2>/dev/null
    wait "$KP" 2>/dev/null
    n=$(sqlite3 "$T/state/phoneboot.db" "SELECT count(*) FROM phones WHERE name GLOB 'Desk [0-9]*'; SELECT count(*) FROM phones;
        SELECT count(*) FROM phone_staging" | tr '\n' ' ')
    desk=${n%% *}
    echo "# import of $f killed after $delay s: 'Desk' names, phones, staging rows left: $n"
    check "killed after $delay s: none or all of the 10,000 changed, none lost" \
        bash -c "[[ '$n' =~ ^(0|10000)\ 10007\  ]]"
done
pb phone import big2.csv --update
expect_match "after the kill an import runs" "$(grep -E 'added' "$T/out")" '^0 added, (10000|0) updated, (0|10000) unchanged'
check_served "the killed import"
stop_daemon "daemon stops cleanly"
finish
