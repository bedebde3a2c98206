#!/bin/bash
# sim_load.sh - many simulated phones in one process against phoneboot on loopback:
#   (a) 200 phones, hard reset from SCCP11.8-5-2S, flash the SIP 9.4(2)SR1 package's
#       term06.default.loads and 5 images (about 8.4 MB each, 1.7 GB in all) from a plain root
#       with max_per_client = 0; every phone ends on SIP11.9-4-2SR1-1S and every byte is
#       checked: each fetched file's sha256 and size equal the fixture's;
#   (b) a boot storm: 1,000 phones on SIP11.9-4-2SR1-1S boot at once (CTL/ITL missing, one
#       SEP<MAC>.cnf.xml per phone, MACs from --mac-base): every phone done, none refused
#       (no "busy" in the daemon's log, no `failed` phone), each asked for its own config from
#       its own address; median_s and p99_s are reported, p99 < 30 s.
# Both run with a soft open-files limit of 1024, below what either needs (the daemon:
# max_transfers * 2 + 256, the sim: a socket per phone): each must raise its own limit.
# The sim and the daemon are both $PHONEBOOT (the ASan build under `make test`): measured,
# (a) takes about 25 s and (b) about 2 s on 2 cores. Every wait is bounded; only 127.0.0.0/8.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

command -v tar >/dev/null || { notok "setup" "tar is not installed"; finish; }
SIP=SIP11.9-4-2SR1-1S
SCCP=SCCP11.8-5-2S
SIP_IMAGES="jar11sip.9-4-2ES9.sbn cnu11.9-4-2ES9.sbn apps11.9-4-2ES9.sbn dsp11.9-4-2ES9.sbn cvm11sip.9-4-2ES9.sbn"

FIX=$T/fix
if ! "$HERE/../fixtures/mkfirmware.sh" "$FIX" >"$T/mkfirmware.log" 2>&1; then
    notok "setup: mkfirmware.sh builds the fixtures" "$(tail -5 "$T/mkfirmware.log")"
    finish
fi
check "setup: MANIFEST matches the fixture files" \
    bash -c "cd '$FIX' && awk '!/^#/ {print \$1 \"  \" \$3}' MANIFEST | sha256sum -c --quiet"
# the SIP package (its sha256 checked against the MANIFEST above) gives the files and their hashes
mkdir -p "$T/sip"
tar xzf "$FIX/cmterm-7911_7906-sip.9-4-2SR1-1.tar.gz" -C "$T/sip" || { notok "setup: tar xzf the SIP package" "failed"; finish; }
: >"$T/want"
for f in term06.default.loads $SIP_IMAGES; do
    [ -f "$T/sip/$f" ] || { notok "setup: the SIP package holds $f" "missing"; finish; }
    echo "$f $(sha "$T/sip/$f") $(stat -c %s "$T/sip/$f")" >>"$T/want"
done

# run_sim NAME SECONDS ARG...: the sim under a soft open-files limit of 1024, at most SECONDS;
# JSON in $T/sim.out, stderr in $T/sim.err, status in $RC, wall time in $SECS
run_sim() {
    local name=$1 limit=$2 t0
    shift 2
    t0=$(date +%s.%N)
    (ulimit -Sn 1024 && exec timeout -k 5 "$limit" "$PHONEBOOT" -c "$T/conf" sim "$@") >"$T/sim.out" 2>"$T/sim.err"
    RC=$?
    SECS=$(python3 -c "import sys; print('%.1f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$t0" "$(date +%s.%N)")
    echo "# $name: sim exit $RC after $SECS s"
    if sanitizer_report "$T/sim.err" >/dev/null; then
        notok "$name: sim has no sanitizer report" "$(sanitizer_report "$T/sim.err")"
        sed -n '/Sanitizer\|runtime error/,+25p' "$T/sim.err" | head -40 | sed 's/^/#   /'
    else
        ok "$name: sim has no sanitizer report"
    fi
    case $RC in
    124 | 137) notok "$name: sim ends by itself" "killed by timeout after $limit s" ;;
    86 | 87) notok "$name: sim exits cleanly" "sanitizer exit status $RC" ;;
    13[0-9]) notok "$name: sim exits cleanly" "killed by signal $((RC - 128))" ;;
    esac
}

# json_checks SCRIPT [ARG...]: python SCRIPT over the sim's JSON ($T/sim.out as argv[1]) prints
# "PASS name" or "FAIL name: why" lines, which become ok / not ok; "INFO text" is printed
json_checks() {
    local script=$1 verdict rest
    shift
    while read -r verdict rest; do
        case $verdict in
        PASS) ok "$rest" ;;
        FAIL) notok "${rest%%: *}" "${rest#*: }" ;;
        INFO) echo "# $rest" ;;
        *) notok "json checks" "unexpected output: $verdict $rest" ;;
        esac
    done < <(python3 - "$T/sim.out" "$@" <<<"$script" 2>&1)
}

# start_limited CONF: start_daemon with a soft open-files limit of 1024 (the daemon raises its
# own); the shell's limit is put back after
start_limited() {
    local old rc
    old=$(ulimit -Sn)
    [ "$old" != unlimited ] && [ "$old" -le 1024 ] && old=""
    [ -n "$old" ] && ulimit -Sn 1024
    start_daemon "$1"
    rc=$?
    [ -n "$old" ] && ulimit -Sn "$old"
    return $rc
}

write_conf "$T/conf" "max_per_client = 0"

# ==== (a) 200 phones flash SIP 9.4(2) ====
find "$T/root" -mindepth 1 -delete
cp "$T/sip/"* "$T/root/"
if ! start_limited "$T/conf"; then
    notok "(a) phoneboot serve starts" "see above"
    finish
fi
log_mark
run_sim "(a) 200 phones" 330 --tftp 127.0.0.1:"$PORT" --model 7906 --load $SCCP --hard-reset --target $SIP \
    --phones 200 --timeout 300 --json
expect_eq "(a) 200 phones, hard reset, $SCCP -> $SIP: exit 0" "$RC" 0
json_checks '
import json, sys
try:
    j = json.load(open(sys.argv[1]))
except ValueError as e:
    print("FAIL (a) the sim prints JSON: %s" % e); sys.exit()
want = []
for l in open(sys.argv[2]):
    n, s, b = l.split()
    want.append((n, s, int(b)))
P = j["phones"]
print(("PASS" if len(P) == 200 else "FAIL") + " (a) 200 phones in the JSON: %d" % len(P))
bad = [p["mac"] + " " + p["state"] + " " + p["reason"] for p in P if p["state"] != "done"]
print(("PASS" if not bad else "FAIL") + " (a) every phone done: %s" % (bad[:3] if bad else "200 done"))
bad = [p["mac"] for p in P if p["load_after"] != "SIP11.9-4-2SR1-1S" or p["shown"] != "term06.default" or p["steps"] != 1]
print(("PASS" if not bad else "FAIL") + " (a) every phone on SIP11.9-4-2SR1-1S, shown term06.default, 1 step: %s" % (bad[:5] or "yes"))
bad, nbytes, nfiles = [], 0, 0
for p in P:
    got = [(f["name"], f["sha256"], f["bytes"]) for f in p["fetched"]]
    if got != want:
        bad.append("%s fetched %s" % (p["mac"], [(g[0], g[1][:12], g[2]) for g in got if g not in want] or [g[0] for g in got]))
    nbytes += sum(f["bytes"] for f in p["fetched"])
    nfiles += len(p["fetched"])
print(("PASS" if not bad else "FAIL") + " (a) every phone fetched term06.default.loads and the 5 images in order, every sha256 and size as in the fixture (%d files, %d bytes): %s" % (nfiles, nbytes, bad[:3] or "all equal"))
ips = {p["ip"] for p in P}
macs = {p["mac"] for p in P}
print(("PASS" if len(ips) == 200 and len(macs) == 200 else "FAIL") + " (a) 200 distinct MACs and addresses: %d, %d" % (len(macs), len(ips)))
s = j["summary"]
print("INFO (a) median %.2f s, p99 %.2f s, by_state %s" % (s["median_s"], s["p99_s"], s["by_state"]))
' "$T/want"
n=$(log_since | grep -c ' busy')
expect_eq "(a) daemon log: no transfer refused busy" "$n" 0
n=$(log_since | grep -cE '^[^ ]+ [^ ]+ sent jar11sip\.9-4-2ES9\.sbn to 127\.1\.')
expect_eq "(a) daemon log: jar11sip.9-4-2ES9.sbn sent 200 times" "$n" 200
n=$(log_since | grep -cE '^[^ ]+ [^ ]+ sent cvm11sip\.9-4-2ES9\.sbn to 127\.1\.')
expect_eq "(a) daemon log: cvm11sip.9-4-2ES9.sbn sent 200 times" "$n" 200
n=$(log_since | grep -cE 'timeout after|by client')
expect_eq "(a) daemon log: no transfer timed out or aborted" "$n" 0
if log_since | grep -q 'open files limited'; then
    notok "(a) the daemon raised its open-files limit" "$(log_since | grep -m1 'open files limited')"
fi
echo "# (a) wall time $SECS s"
A_SECS=$SECS
stop_daemon "(a) daemon stops cleanly after 200 flashes"

# ==== (b) boot storm: 1,000 phones, normal boot ====
find "$T/root" -mindepth 1 -delete
cat >"$T/cfg.xml" <<'EOF'
<device>
  <fullConfig>true</fullConfig>
  <deviceProtocol>SIP</deviceProtocol>
  <devicePool>
    <callManagerGroup>
      <members>
        <member priority="0">
          <callManager>
            <ports><ethernetPhonePort>2000</ethernetPhonePort><sipPort>5060</sipPort><securedSipPort>5061</securedSipPort></ports>
            <processNodeName>192.0.2.10</processNodeName>
          </callManager>
        </member>
      </members>
    </callManagerGroup>
  </devicePool>
  <sipProfile>
    <sipProxies><registerWithProxy>true</registerWithProxy></sipProxies>
    <phoneLabel>LINE</phoneLabel>
    <sipLines>
      <line button="1">
        <featureID>9</featureID>
        <featureLabel>LINE</featureLabel>
        <proxy>USECALLMANAGER</proxy>
        <port>5060</port>
        <name>LINE</name>
        <displayName>LINE</displayName>
        <authName>LINE</authName>
        <authPassword>Short12Chars</authPassword>
        <sharedLine>false</sharedLine>
        <contact>LINE</contact>
      </line>
    </sipLines>
    <voipControlPort>5060</voipControlPort>
    <dialTemplate>dialplan.xml</dialTemplate>
  </sipProfile>
  <loadInformation>SIP11.9-4-2SR1-1S</loadInformation>
  <deviceSecurityMode>1</deviceSecurityMode>
  <transportLayerProtocol>1</transportLayerProtocol>
</device>
EOF
# phones get base .. base+999: 00:11:22:30:00:01 .. 00:11:22:30:03:E8, line 2001..3000
python3 - "$T/cfg.xml" "$T/root" <<'EOF'
import sys
t = open(sys.argv[1]).read()
for i in range(1, 1001):
    open("%s/SEP0011223%05X.cnf.xml" % (sys.argv[2], i), "w").write(t.replace("LINE", str(2000 + i)))
EOF
printf '<DIALTEMPLATE>\n  <TEMPLATE MATCH="*" TIMEOUT="3"/>\n</DIALTEMPLATE>\n' >"$T/root/dialplan.xml"
expect_eq "(b) setup: 1,000 SEP<MAC>.cnf.xml in the root" "$(find "$T/root" -name 'SEP*.cnf.xml' | wc -l)" 1000
if ! start_limited "$T/conf"; then
    notok "(b) phoneboot serve starts" "see above"
    finish
fi
log_mark
run_sim "(b) boot storm" 150 --tftp 127.0.0.1:"$PORT" --model 7906 --load $SIP --phones 1000 \
    --mac-base 00:11:22:30:00:01 --timeout 120 --json
expect_eq "(b) 1,000 phones boot at once: exit 0" "$RC" 0
log_since | awk '$3 == "RRQ" && $4 == "from" && $7 ~ /^SEP/ {print $5, $7}' >"$T/cfg_rrqs"
json_checks '
import json, sys
try:
    j = json.load(open(sys.argv[1]))
except ValueError as e:
    print("FAIL (b) the sim prints JSON: %s" % e); sys.exit()
P = j["phones"]
print(("PASS" if len(P) == 1000 else "FAIL") + " (b) 1,000 phones in the JSON: %d" % len(P))
bad = [p["mac"] + " " + p["state"] + ": " + p["reason"] for p in P if p["state"] != "done"]
print(("PASS" if not bad else "FAIL") + " (b) every phone done: %s" % (bad[:3] or "1000 done"))
nf = [p["mac"] + ": " + p["reason"] for p in P if p["state"] == "failed"]
print(("PASS" if not nf else "FAIL") + " (b) no phone failed (refused, out of sockets): %s" % (nf[:3] or "none"))
bad = [p["mac"] for p in P if not p["reason"].startswith("config ok") or p["load_after"] != "SIP11.9-4-2SR1-1S" or p["steps"] != 0]
print(("PASS" if not bad else "FAIL") + " (b) every phone: config ok, still on SIP11.9-4-2SR1-1S, no step: %s" % (bad[:5] or "yes"))
want = ["0011223%05X" % i for i in range(1, 1001)]
print(("PASS" if sorted(p["mac"] for p in P) == want else "FAIL") + " (b) MACs 001122300001..0011223003E8 from --mac-base")
s = j["summary"]
has = "median_s" in s and "p99_s" in s and isinstance(s["median_s"], (int, float)) and isinstance(s["p99_s"], (int, float))
print(("PASS" if has else "FAIL") + " (b) summary has median_s and p99_s: %s" % s)
if has:
    print(("PASS" if s["p99_s"] < 30 else "FAIL") + " (b) p99 boot time under 30 s: %.3f s" % s["p99_s"])
    print(("PASS" if 0 < s["median_s"] <= s["p99_s"] else "FAIL") + " (b) 0 < median <= p99: %.3f, %.3f" % (s["median_s"], s["p99_s"]))
    print("INFO (b) boot storm of 1,000 phones: median %.3f s, p99 %.3f s" % (s["median_s"], s["p99_s"]))
# each phone asked the daemon for its own config, from its own address
ip_of = {p["ip"]: p["mac"] for p in P}
got = {}
for l in open(sys.argv[2]):
    ip, name = l.split()
    got.setdefault(ip, []).append(name)
bad = [ip for ip, mac in ip_of.items() if set(got.get(ip, [])) != {"SEP%s.cnf.xml" % mac}]
print(("PASS" if not bad and len(got) == 1000 else "FAIL") + " (b) daemon log: each of 1,000 addresses asked for its own SEP<MAC>.cnf.xml and no other: %s" % ([(ip, got.get(ip)) for ip in bad[:3]] or "yes"))
print("INFO (b) config RRQs repeated (no answer within 1 s): %d" % sum(len(v) - 1 for v in got.values()))
' "$T/cfg_rrqs"
n=$(log_since | grep -c ' busy')
expect_eq "(b) daemon log: no request refused busy" "$n" 0
# a phone repeats an RRQ that got no answer within 1 s (the sim's tftp timeout), so under load
# the daemon may log a request twice: count phones, not lines
n=$(log_since | sed -nE 's/^[^ ]+ [^ ]+ sent SEP0011223[0-9A-F]{5}\.cnf\.xml to (127\.1\.[0-9.]+):.*/\1/p' | sort -u | wc -l)
expect_eq "(b) daemon log: a config sent to each of the 1,000 addresses" "$n" 1000
n=$(log_since | sed -nE 's/.*RRQ CTLSEP0011223[0-9A-F]{5}\.tlv (127\.1\.[0-9.]+): not found$/\1/p' | sort -u | wc -l)
expect_eq "(b) daemon log: CTLSEP<MAC>.tlv not found for each of the 1,000 (CTL/ITL missing)" "$n" 1000
n=$(log_since | grep -cE 'open files limited|Too many open files|No buffer space|Cannot allocate')
expect_eq "(b) daemon log: no file-descriptor or buffer shortage" "$n" 0
rrqs=$(log_since | grep -cE ' RRQ from 127\.1\.')
echo "# (b) the daemon logged $rrqs RRQs for 1,000 phones x 5 files (CTL, ITL, ITLFile, config, dial plan); $(log_since | grep -cE 'timeout after|by client') transfers timed out or were ended by the client (repeated RRQs)"
echo "# (b) wall time $SECS s"
stop_daemon "(b) daemon stops cleanly after the boot storm"
echo "# timings: (a) 200 flashes $A_SECS s, (b) 1,000-phone boot storm $SECS s"

finish
