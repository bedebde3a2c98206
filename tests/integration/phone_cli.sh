#!/bin/bash
# phone_cli.sh - `phoneboot phone add|set|remove|list|show`: the MAC in every notation is one
# key; two phones on one extension refused naming the other; unknown models refused listing
# the known ones; secrets generated to the model's limit (12 on the 7906), refused when longer
# (naming phone, length and limit), with blanks or control characters; labels with a space
# refused on the 7900 series; the secret never in list, list --json, show, show --json or the
# daemon's log, only in show --secret; the state file mode 0600 (also fixed when it was 0644).
# A daemon runs beside the commands (sharing the WAL state file) and keeps serving.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

write_conf "$T/conf"
# pb ARG...: `phoneboot -c $T/conf ARG...`; stdout in $T/out, stderr in $T/err, status in $RC
pb() {
    "$PHONEBOOT" -c "$T/conf" "$@" >"$T/out" 2>"$T/err"
    RC=$?
}
# refused NAME WANT-RC ERE ARG...: the command exits WANT-RC with a stderr line matching ERE
refused() {
    local name=$1 want=$2 ere=$3
    shift 3
    pb "$@"
    if [ "$RC" != "$want" ]; then
        notok "$name" "exit $RC, want $want; stderr: $(head -3 "$T/err")"
    elif ! grep -qE -- "$ere" "$T/err"; then
        notok "$name" "stderr '$(head -3 "$T/err")' does not match /$ere/"
    else
        ok "$name"
    fi
}

start_daemon "$T/conf" || { notok "setup: phoneboot serve starts" "see above"; finish; }

pb phone add 00:1E:4A:00:00:01 --model 7906 --ext 1006 --name "Front desk" --label Desk
expect_eq "add: exit 0" "$RC" 0
expect_eq "add: says what it added, not the secret" "$(cat "$T/out")" \
    "added 00:1e:4a:00:00:01: 7906, extension 1006; secret generated (phone show MAC --secret shows it)"
pb phone show 001e.4a00.0001 --secret --json
S1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["secret"])' "$T/out")
expect_match "add: generated secret of 12 characters from [A-Za-z0-9] (the 7906's limit)" "$S1" '^[A-Za-z0-9]{12}$'
pb phone add SEP001E4A000002 --model CP-7962G --ext 1007 --secret REGEN
pb phone show 00-1e-4a-00-00-02 --secret
expect_match "add REGEN on a 7962: a secret of that model's limit" "$(sed -n 's/^secret *//p' "$T/out")" \
    '^[A-Za-z0-9]{12}$'
pb phone add 001E4A000003 --model 7911 --ext 99 --secret 'Pa$$w0rd'
expect_eq "add with --secret: exit 0" "$RC" 0
expect_eq "add with --secret: nothing said about generating" "$(cat "$T/out")" "added 00:1e:4a:00:00:03: 7911, extension 99"

# ---- refusals ----
refused "add: a known MAC (another notation) is refused, pointing to set" 1 \
    '^phoneboot phone: 00:1e:4a:00:00:01 is already in the inventory \(extension 1006\); phone set changes it$' \
    phone add 001e4a000001 --model 7906 --ext 1100
refused "add: a taken extension names the other phone" 1 \
    "^phoneboot phone: 00:1e:4a:00:00:09: extension 1006 is already phone 00:1e:4a:00:00:01's \(7906\)$" \
    phone add 00:1e:4a:00:00:09 --model 7906 --ext 1006
refused "add: unknown model lists the known ones" 1 \
    "^phoneboot phone: 00:1e:4a:00:00:09: unknown model '7999' \(known: 7906, 7911, 7931, .*7960\)$" \
    phone add 00:1e:4a:00:00:09 --model 7999 --ext 1100
refused "add: 32-character secret names phone, length and limit" 1 \
    '^phoneboot phone: 00:1e:4a:00:00:09 \(extension 1100\): secret of 32 characters; the 7906 accepts at most 12$' \
    phone add 00:1e:4a:00:00:09 --model 7906 --ext 1100 --secret 0123456789abcdef0123456789abcdef
refused "add: a secret with a space says why" 1 'secret has a space \(at 3\): PBX configs and CSV tools' \
    phone add 00:1e:4a:00:00:09 --model 7906 --ext 1100 --secret 'ab cd'
refused "add: a secret with a newline" 1 'secret has a control character \(byte 0x0a at 3\)' \
    phone add 00:1e:4a:00:00:09 --model 7906 --ext 1100 --secret $'ab\ncd'
refused "add: a label with a space on a 7906" 1 "label 'Front Desk' has a space; the 7906 takes none" \
    phone add 00:1e:4a:00:00:09 --model 7906 --ext 1100 --label 'Front Desk'
refused "add: a label of 13 characters" 1 'label of 13 characters; the 7906 accepts at most 12' \
    phone add 00:1e:4a:00:00:09 --model 7906 --ext 1100 --label ABCDEFGHIJKLM
refused "add: a name of 31 characters" 1 'name of 31 characters; the 7906 accepts at most 30' \
    phone add 00:1e:4a:00:00:09 --model 7906 --ext 1100 --name 1234567890123456789012345678901
refused "add: a name with a newline" 1 'name has a control character' \
    phone add 00:1e:4a:00:00:09 --model 7906 --ext 1100 --name $'A\nB'
refused "add: an extension with letters" 1 "extension '10a6' is not digits only" \
    phone add 00:1e:4a:00:00:09 --model 7906 --ext 10a6
for bad in "00:1e:4a:00:00|expected 6 pairs" "00:1e:4a:00:00:0g|not a hex digit" "01:00:5e:00:00:01|multicast" \
    "00:1e:4a-00:00:01|mixed separators" "|empty"; do
    refused "add: MAC '${bad%%|*}' refused: ${bad#*|}" 1 "^phoneboot phone: MAC '${bad%%|*}': .*${bad#*|}" \
        phone add "${bad%%|*}" --model 7906 --ext 1100
done
refused "add: --model missing is a usage error" 2 'add: --model is required' phone add 00:1e:4a:00:00:09 --ext 1100
refused "add: an unknown option is a usage error" 2 "unknown option here '--colour'" \
    phone add 00:1e:4a:00:00:09 --model 7906 --ext 1100 --colour red
refused "list: --secret is not an option of list" 2 "unknown option here '--secret'" phone list --secret
refused "set: nothing to change" 2 'set: nothing to change' phone set 00:1e:4a:00:00:01
refused "set: an unknown MAC" 1 '^phoneboot phone: 00:1e:4a:00:00:09 is not in the inventory$' \
    phone set 00:1e:4a:00:00:09 --name x
refused "remove: an unknown MAC" 1 '00:1e:4a:00:00:09 is not in the inventory' phone remove 00:1e:4a:00:00:09
refused "phone: an unknown command" 2 "unknown command 'frobnicate'" phone frobnicate
pb phone list --json
expect_eq "refusals changed nothing: 3 phones" \
    "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$T/out")" 3

# ---- set ----
pb phone set 00:1e:4a:00:00:01 --name "Reception" --ext 1010
expect_eq "set: exit 0" "$RC" 0
expect_eq "set: names the fields changed" "$(cat "$T/out")" "updated 00:1e:4a:00:00:01 (extension 1010): extension name"
refused "set: moving onto a taken extension names the other phone" 1 \
    "00:1e:4a:00:00:01: extension 1007 is already phone 00:1e:4a:00:00:02's \(7962\)" \
    phone set 00:1e:4a:00:00:01 --ext 1007
refused "set: a too-long secret for the phone's model" 1 \
    '00:1e:4a:00:00:01 \(extension 1010\): secret of 13 characters; the 7906 accepts at most 12' \
    phone set 00:1e:4a:00:00:01 --secret Abcdef1234567
pb phone show 00:1e:4a:00:00:01 --secret
expect_eq "set: the secret is kept when not given" "$(sed -n 's/^secret *//p' "$T/out")" "$S1"
pb phone set 00:1e:4a:00:00:01 --secret REGEN
pb phone show 00:1e:4a:00:00:01 --secret
S1B=$(sed -n 's/^secret *//p' "$T/out")
check "set --secret REGEN: a new 12-character secret" bash -c "[[ '$S1B' =~ ^[A-Za-z0-9]{12}\$ && '$S1B' != '$S1' ]]"
S1=$S1B

# ---- list and show never show the secret ----
pb phone list
expect_eq "list: by extension as a number" "$(awk 'NR > 1 {print $3}' "$T/out" | tr '\n' ' ')" "99 1007 1010 "
expect_match "list: a phone's line" "$(grep 00:1e:4a:00:00:01 "$T/out")" '^00:1e:4a:00:00:01 +7906 +1010 +Reception +Desk$'
S2=$(pb phone show 00:1e:4a:00:00:02 --json --secret; python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["secret"])' "$T/out")
expect_match "the 7962's secret read back for the checks below" "$S2" '^[A-Za-z0-9]{12}$'
for s in "$S1" "$S2" 'Pa$$w0rd'; do
    for cmd in "phone list" "phone list --json" "phone show 00:1e:4a:00:00:01" "phone show 00:1e:4a:00:00:02 --json" \
        "phone show 00:1e:4a:00:00:03"; do
        # shellcheck disable=SC2086
        pb $cmd
        check "no secret in '$cmd' (${#s} characters)" bash -c "! grep -qF -- '$s' '$T/out' '$T/err'"
    done
done
pb phone list --json
expect_eq "list --json: fields, no secret key" \
    "$(python3 -c 'import json,sys; print(sorted(json.load(open(sys.argv[1]))[0]))' "$T/out")" \
    "['created_us', 'extension', 'label', 'mac', 'model', 'name', 'updated_us']"
pb phone show 00:1e:4a:00:00:03 --json --secret
expect_eq "show --json --secret: the secret" \
    "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["secret"])' "$T/out")" 'Pa$$w0rd'
pb phone show 00:1e:4a:00:00:03
expect_eq "show: says the secret's length only" "$(grep '^secret' "$T/out")" "secret     (8 characters; --secret shows it)"

# ---- remove ----
pb phone remove 1E-00-00-00-00-00
expect_eq "remove: an unknown MAC exits 1" "$RC" 1
pb phone remove SEP001E4A000003
expect_eq "remove: says which" "$(cat "$T/out")" "removed 00:1e:4a:00:00:03 (extension 99)"
pb phone show 00:1e:4a:00:00:03
expect_eq "remove: gone" "$RC" 1

# ---- the state file ----
expect_eq "state file is mode 0600" "$(stat -c %a "$T/state/phoneboot.db")" 600
for f in "$T"/state/phoneboot.db-wal "$T"/state/phoneboot.db-shm; do
    [ -e "$f" ] && expect_eq "$(basename "$f") is mode 0600" "$(stat -c %a "$f")" 600
done
check_served "the phone commands beside it"
stop_daemon "daemon stops cleanly"
for s in "$S1" "$S2" 'Pa$$w0rd'; do
    check "no secret in the daemon's log (${#s} characters)" bash -c "! grep -qF -- '$s' '$PB_LOG'"
    pb log
    check "no secret in phoneboot log (${#s} characters)" bash -c "! grep -qF -- '$s' '$T/out'"
done
chmod 644 "$T/state/phoneboot.db"
pb phone list
expect_eq "a 0644 state file is made 0600 on open" "$(stat -c %a "$T/state/phoneboot.db")" 600
finish
