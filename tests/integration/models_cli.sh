#!/bin/bash
# models_cli.sh - `phoneboot models` shows the model table: the 16 built-in models as text and
# as JSON, the admin's models.conf beside the config file adding a model and overriding a key
# (named as their source), a broken models.conf refused with FILE:LINE and exit status 2, and
# an unknown argument refused. No daemon is started.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# models DIR [ARG...]: `phoneboot -c DIR/phoneboot.conf models ARG...`; stdout in $T/out,
# stderr in $T/err, exit status in $RC
models() {
    local dir=$1
    shift
    "$PHONEBOOT" -c "$dir/phoneboot.conf" models "$@" >"$T/out" 2>"$T/err"
    RC=$?
}

# field_line ID: the text line of model ID
field_line() {
    awk -v id="$1" '$1 == id' "$T/out"
}

# json_checks DIR SCRIPT: runs the python SCRIPT on the JSON in $T/out; it prints
# "PASS name" or "FAIL name: why" lines, which become ok / not ok
json_checks() {
    local dir=$1 script=$2 verdict rest
    while read -r verdict rest; do
        case $verdict in
        PASS) ok "$rest" ;;
        FAIL) notok "${rest%%: *}" "${rest#*: }" ;;
        *) notok "json checks" "unexpected output: $verdict $rest" ;;
        esac
    done < <(python3 - "$T/out" "$dir/models.conf" <<<"$script" 2>&1)
}

# ---- the built-in table ----
mkdir -p "$T/a"
write_conf "$T/a/phoneboot.conf"
models "$T/a"
expect_eq "models: exit status 0" "$RC" 0
check "models: nothing on stderr" test ! -s "$T/err"
expect_eq "models: 16 model lines" "$(grep -cE '^[0-9]{4}' "$T/out")" 16
expect_eq "models: summary names the absent models.conf" "$(tail -1 "$T/out")" \
    "16 models (built in; none in $T/a/models.conf)"
l=$(field_line 7906)
expect_eq "models: 7906 asks for term06.default.loads" "$(awk '{print $4}' <<<"$l")" term06.default.loads
expect_match "models: 7906 bridge is 8.3(3)..8.5(2) before 9.0(0)" "$l" \
    ' 8\.3\(3\)\.\.8\.5\(2\) before 9\.0\(0\)$'
expect_eq "models: 7906 family, prefixes, config" "$(awk '{print $3, $5, $6}' <<<"$l")" \
    "11 SCCP11/SIP11 sip-79xx-java"
expect_eq "models: 7906 limits 12 12 30, no space in a label" "$(awk '{print $7, $8, $9, $10}' <<<"$l")" "12 12 30 no"
l=$(field_line 7911)
expect_eq "models: 7911 asks for term11.default.loads" "$(awk '{print $4}' <<<"$l")" term11.default.loads
expect_match "models: 7911 bridge is 8.3(3)..8.5(2) before 9.0(0)" "$l" \
    ' 8\.3\(3\)\.\.8\.5\(2\) before 9\.0\(0\)$'
l=$(field_line 7940)
expect_eq "models: 7940 has no loads file and no bridge" "$(awk '{print $4, $NF}' <<<"$l")" "- -"
expect_eq "models: built-in models name no source file" "$(grep -c ' from ' "$T/out")" 0

models "$T/a" --json
expect_eq "models --json: exit status 0" "$RC" 0
check "models --json: nothing on stderr" test ! -s "$T/err"
json_checks "$T/a" '
import json, sys
def check(name, cond, why=""):
    print(("PASS " + name) if cond else ("FAIL " + name + ": " + why))
try:
    ms = json.load(open(sys.argv[1]))
except Exception as e:
    check("models --json: parses as JSON", False, str(e)); sys.exit()
check("models --json: parses as JSON", True)
check("models --json: 16 objects", isinstance(ms, list) and len(ms) == 16, "got %r" % (len(ms),))
keys = ["id", "names", "vci", "family", "default_loads", "load_prefixes", "config_family",
        "locale_jar", "desktop", "device_type", "limits", "bridge", "source"]
bad = [m.get("id") for m in ms if sorted(m) != sorted(keys)
       or sorted(m["load_prefixes"]) != ["sccp", "sip"]
       or sorted(m["limits"]) != ["label_max", "label_spaces", "name_max", "sip_password_max"]
       or (m["bridge"] is not None and sorted(m["bridge"]) != ["before", "from", "to"])]
check("models --json: every object has exactly the documented keys", not bad, "models %r" % bad)
by = {m["id"]: m for m in ms}
want_ids = ["7906", "7911", "7931", "7941", "7941GE", "7961", "7961GE", "7942", "7962",
            "7945", "7965", "7970", "7971", "7975", "7940", "7960"]
check("models --json: the ids in file order", [m["id"] for m in ms] == want_ids,
      "got %r" % [m["id"] for m in ms])
want7906 = {"id": "7906", "names": ["7906", "7906G", "CP-7906G"], "vci": ["CP-7906G"],
            "family": "11", "default_loads": "term06.default.loads",
            "load_prefixes": {"sccp": "SCCP11", "sip": "SIP11"},
            "config_family": "sip-79xx-java", "locale_jar": "tc-sip.jar", "desktop": "95x34x1",
            "device_type": 369,
            "limits": {"sip_password_max": 12, "label_max": 12, "label_spaces": False, "name_max": 30},
            "bridge": {"from": "8.3(3)", "to": "8.5(2)", "before": "9.0(0)"},
            "source": "built-in"}
check("models --json: 7906 exactly", by.get("7906") == want7906, "got %r" % by.get("7906"))
m = by.get("7911", {})
check("models --json: 7911 term11 and device type 307",
      m.get("default_loads") == "term11.default.loads" and m.get("device_type") == 307,
      "got %r" % m)
m = by.get("7940", {})
check("models --json: 7940 bridge null and default_loads null",
      "bridge" in m and m["bridge"] is None and "default_loads" in m and m["default_loads"] is None,
      "got %r" % m)
check("models --json: 7940 prefixes P003/P0S3, no locale jar",
      m.get("load_prefixes") == {"sccp": "P003", "sip": "P0S3"} and m.get("locale_jar") is None
      and m.get("vci") == ["CP-7940G", "CP-7940"], "got %r" % m)
m = by.get("7931", {})
check("models --json: 7931 has no SIP prefix", m.get("load_prefixes") == {"sccp": "SCCP31", "sip": None},
      "got %r" % m.get("load_prefixes"))
check("models --json: every source is built-in", all(m["source"] == "built-in" for m in ms))
'

# ---- the admin's models.conf beside the config ----
mkdir -p "$T/b"
write_conf "$T/b/phoneboot.conf"
cat >"$T/b/models.conf" <<'EOF'
; our 7906s take longer passwords
[7906]
sip_password_max = 20

[7999]
names = 7999, CP-7999G
vci = CP-7999G
family = 99
default_loads = term99.default.loads
sccp_prefix = SCCP99
sip_prefix = none
config_family = sip-79xx-java
sip_password_max = 16
label_max = 10
name_max = 20
EOF
models "$T/b"
expect_eq "admin models.conf: exit status 0" "$RC" 0
check "admin models.conf: nothing on stderr" test ! -s "$T/err"
expect_eq "admin models.conf: 17 model lines" "$(grep -cE '^[0-9]{4}' "$T/out")" 17
expect_eq "admin models.conf: summary names the file" "$(tail -1 "$T/out")" \
    "17 models (built in, and $T/b/models.conf)"
l=$(field_line 7906)
expect_eq "admin models.conf: 7906 password limit 20, the rest kept" \
    "$(awk '{print $4, $7, $8, $9}' <<<"$l")" "term06.default.loads 20 12 30"
expect_match "admin models.conf: 7906 line names the file" "$l" " from $T/b/models\.conf\$"
l=$(field_line 7999)
expect_eq "admin models.conf: 7999 listed" "$(awk '{print $3, $4, $5, $7}' <<<"$l")" \
    "99 term99.default.loads SCCP99/- 16"
expect_match "admin models.conf: 7999 line names the file" "$l" " from $T/b/models\.conf\$"
expect_eq "admin models.conf: 7911 still built in" "$(field_line 7911 | grep -c ' from ')" 0

models "$T/b" --json
expect_eq "admin models.conf --json: exit status 0" "$RC" 0
json_checks "$T/b" '
import json, sys
def check(name, cond, why=""):
    print(("PASS " + name) if cond else ("FAIL " + name + ": " + why))
path = sys.argv[2]
ms = json.load(open(sys.argv[1]))
by = {m["id"]: m for m in ms}
check("admin models.conf --json: 17 objects, 7999 last", len(ms) == 17 and ms[-1]["id"] == "7999",
      "got %r" % [m["id"] for m in ms])
m = by.get("7906", {})
check("admin models.conf --json: 7906 sip_password_max 20, source the file",
      m.get("limits") == {"sip_password_max": 20, "label_max": 12, "label_spaces": False, "name_max": 30}
      and m.get("source") == path and m.get("family") == "11"
      and m.get("bridge") == {"from": "8.3(3)", "to": "8.5(2)", "before": "9.0(0)"}, "got %r" % m)
want = {"id": "7999", "names": ["7999", "CP-7999G"], "vci": ["CP-7999G"], "family": "99",
        "default_loads": "term99.default.loads", "load_prefixes": {"sccp": "SCCP99", "sip": None},
        "config_family": "sip-79xx-java", "locale_jar": None, "desktop": None,
        "device_type": None, "limits": {"sip_password_max": 16, "label_max": 10, "label_spaces": True, "name_max": 20},
        "bridge": None, "source": path}
check("admin models.conf --json: 7999 exactly", by.get("7999") == want, "got %r" % by.get("7999"))
check("admin models.conf --json: 7911 source built-in", by.get("7911", {}).get("source") == "built-in",
      "got %r" % by.get("7911"))
'

# ---- a broken models.conf ----
mkdir -p "$T/c"
write_conf "$T/c/phoneboot.conf"
printf '[7906]\nsip_password_max = 20\npassword_length = 20\n' >"$T/c/models.conf"
models "$T/c"
expect_eq "broken models.conf: exit status 2" "$RC" 2
expect_match "broken models.conf: stderr says FILE:3:" "$(cat "$T/err")" \
    "$T/c/models\.conf:3: .*password_length"
check "broken models.conf: nothing on stdout" test ! -s "$T/out"
models "$T/c" --json
expect_eq "broken models.conf --json: exit status 2" "$RC" 2
expect_match "broken models.conf --json: stderr says models.conf:3:" "$(cat "$T/err")" "models\.conf:3:"
check "broken models.conf --json: nothing on stdout" test ! -s "$T/out"

# a new model without its family: the whole-table check names the file, the model, the key
mkdir -p "$T/d"
write_conf "$T/d/phoneboot.conf"
printf '[7999]\nnames = 7999\nconfig_family = none\nsip_password_max = 12\nlabel_max = 12\nname_max = 30\n' \
    >"$T/d/models.conf"
models "$T/d"
expect_eq "models.conf model without family: exit status 2" "$RC" 2
expect_match "models.conf model without family: stderr names file, model, key" "$(cat "$T/err")" \
    "$T/d/models\.conf: model \[7999\] has no family"

# ---- arguments ----
models "$T/a" --bogus
expect_eq "models --bogus: exit status 2" "$RC" 2
expect_match "models --bogus: stderr names the argument" "$(cat "$T/err")" "'--bogus'"
check "models --bogus: nothing on stdout" test ! -s "$T/out"
models "$T/a" --json extra
expect_eq "models --json extra: exit status 2" "$RC" 2

finish
