#!/bin/bash
# sim.sh - `phoneboot sim` against plain TFTP roots (no library, no provisioning logic), from
# phoneboot serving a directory and from the real in.tftpd (tftpd-hpa), so the simulator is
# checked against a server we did not write:
#   (a) only the SIP 9.4(2) package's files: a 7906 on SCCP11.8-3-1S after a hard reset loops
#       on term06.default.loads and never asks for an .sbn (the admin's log), and ends stuck;
#   (b) only the SCCP 8.5(2) package: it flashes jar, cnu, apps, dsp, cvm in order, every byte
#       as in the fixture MANIFEST, and shows its load as term06.default;
#   (c) a second hard reset with the SIP 9.4(2) files takes it to SIP11.9-4-2SR1-1S;
#   (d) (a)-(c) again against in.tftpd, order and bytes asserted from the sim's own trace and
#       JSON (in.tftpd logs to syslog only);
#   (e) configs: a good SEP<MAC>.cnf.xml ends done; a 32-character SIP password loops
#       register / update locale / reboot; a phoneLabel with a space, no callManager, no
#       featureID 9 line, not well-formed XML are rejected; <loadInformation> upgrades an
#       8.5(2) phone through SIP11.9-4-2SR1-1S.loads and is refused by an 8.3(1) one;
#       XMLDefault.cnf.xml's loadInformation369 alone takes an 8.3(1) phone to 8.5(2);
#   (f) usage errors exit 2;
#   (g) --mac-base and --bind-base: consecutive MACs and addresses.
# Every run of the sim and of the servers is bounded; only 127.0.0.0/8 is used.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

for tool in tar in.tftpd; do
    command -v $tool >/dev/null || { notok "setup" "$tool is not installed"; finish; }
done

# ---- fixtures ----
FIX=$T/fix
if ! "$HERE/../fixtures/mkfirmware.sh" "$FIX" >"$T/mkfirmware.log" 2>&1; then
    notok "setup: mkfirmware.sh builds the fixtures" "$(tail -5 "$T/mkfirmware.log")"
    finish
fi
check "setup: MANIFEST matches the fixture files" \
    bash -c "cd '$FIX' && awk '!/^#/ {print \$1 \"  \" \$3}' MANIFEST | sha256sum -c --quiet"
SIP_TGZ=$FIX/cmterm-7911_7906-sip.9-4-2SR1-1.tar.gz
SCCP=SCCP11.8-5-2S
SIP=SIP11.9-4-2SR1-1S
SCCP_IMAGES="jar11sccp.8-5-2TH1-9.sbn cnu11.8-5-2TH1-9.sbn apps11.8-5-2TH1-9.sbn dsp11.8-5-2TH1-9.sbn cvm11sccp.8-5-2TH1-9.sbn"
SIP_IMAGES="jar11sip.9-4-2ES9.sbn cnu11.9-4-2ES9.sbn apps11.9-4-2ES9.sbn dsp11.9-4-2ES9.sbn cvm11sip.9-4-2ES9.sbn"
# the SIP package's files (the MANIFEST lists the package, whose hash is checked above, not its
# members; the want-hashes of the SIP files are those of the files in that checked package)
mkdir -p "$T/sip"
tar xzf "$SIP_TGZ" -C "$T/sip" || { notok "setup: tar xzf the SIP package" "failed"; finish; }
# shellcheck disable=SC2206 # the image lists are words on purpose
SIP_FILES=("$SIP.loads" term06.default.loads term11.default.loads $SIP_IMAGES)
# shellcheck disable=SC2206
SCCP_FILES=("$SCCP.loads" term06.default.loads term11.default.loads $SCCP_IMAGES)
for f in "${SIP_FILES[@]}"; do
    [ -f "$T/sip/$f" ] || { notok "setup: the SIP package holds $f" "missing"; finish; }
done
for f in "${SCCP_FILES[@]}"; do
    [ -f "$FIX/loose-sccp/$f" ] || { notok "setup: loose-sccp holds $f" "missing"; finish; }
done

# want_sha NAME: the fixture's sha256 of a file, from the MANIFEST (SCCP, loose-sccp/) or from
# the checked SIP package; SIP wins for term06.default.loads only when SIP_ROOT=1
want_sha() {
    case $1 in
    *9-4-2ES9.sbn | "$SIP.loads") sha "$T/sip/$1" ;;
    term*.default.loads) if [ "${SIP_ROOT:-0}" = 1 ]; then sha "$T/sip/$1"; else awk -v p="loose-sccp/$1" '$3 == p {print $1}' "$FIX/MANIFEST"; fi ;;
    *) awk -v p="loose-sccp/$1" '$3 == p {print $1}' "$FIX/MANIFEST" ;;
    esac
}

# root_with DIR FILE...: $T/root holds exactly these files of DIR (and the probe file)
root_with() {
    local dir=$1 f
    shift
    find "$T/root" -mindepth 1 -delete
    for f in "$@"; do cp "$dir/$f" "$T/root/$f" || return 1; done
    probe_setup
    chmod -R a+rX "$T/root"
}

# ---- the sim ----
# sim NAME ARG...: phoneboot sim with the test config, at most 90 s; stdout in $T/sim.out,
# stderr in $T/sim.err, status in $RC; a sanitizer report or a crash is a failure of its own
sim() {
    local name=$1
    shift
    timeout -k 5 90 "$PHONEBOOT" -c "$T/conf" sim "$@" >"$T/sim.out" 2>"$T/sim.err"
    RC=$?
    if sanitizer_report "$T/sim.err" >/dev/null; then
        notok "$name: sim has no sanitizer report" "$(sanitizer_report "$T/sim.err")"
        sed -n '/Sanitizer\|runtime error/,+25p' "$T/sim.err" | head -40 | sed 's/^/#   /'
    fi
    case $RC in
    124 | 137) notok "$name: sim ends by itself" "killed by timeout after 90 s" ;;
    86 | 87) notok "$name: sim exits cleanly" "sanitizer exit status $RC" ;;
    13[0-9]) notok "$name: sim exits cleanly" "killed by signal $((RC - 128))" ;;
    esac
}

# q EXPR: a Python expression over the last sim output: j = the JSON document, p = the first
# phone, P = every phone, trace = [(sep, name, result)] of the RRQ lines the sim printed (-v);
# a list prints space-separated
cat >"$T/q.py" <<'EOF'
import json, re, sys
text = open(sys.argv[1]).read()
lines = text.split("\n")
start = next((i for i, l in enumerate(lines) if l.startswith('{"phones"')), None)
j = {}
if start is not None:
    try:
        j = json.loads("\n".join(lines[start:]))
    except ValueError as e:
        print("BADJSON %s" % e)
        sys.exit(0)
P = j.get("phones", [])
p = P[0] if P else {}
trace = []
for l in lines[:start]:
    m = re.match(r"^\s*[0-9.]+ (SEP[0-9A-F]{12}) RRQ (\S+): (.*)$", l)
    if m:
        trace.append(m.groups())
try:
    v = eval(sys.argv[2])
except Exception as e:
    v = "ERROR %s: %s" % (type(e).__name__, e)
if isinstance(v, (list, tuple)):
    print(" ".join(str(x) for x in v))
elif isinstance(v, bool):
    print("true" if v else "false")
else:
    print(v)
EOF
q() { python3 "$T/q.py" "$T/sim.out" "$1"; }

# sha_check NAME: every file the first phone fetched has the fixture's sha256 and size
sha_check() {
    local name=$1 bad="" n=0 f s want
    while read -r f s _; do
        [ -n "$f" ] || continue
        n=$((n + 1))
        want=$(want_sha "$f")
        if [ -z "$want" ]; then
            bad="$bad $f(no fixture hash)"
        elif [ "$s" != "$want" ]; then
            bad="$bad $f(sha256 $s, want $want)"
        fi
    done < <(python3 "$T/q.py" "$T/sim.out" '"\n".join("%s %s %s" % (f["name"], f["sha256"], f["bytes"]) for f in p.get("fetched", []))')
    if [ -z "$bad" ] && [ "$n" -gt 0 ]; then ok "$name ($n files)"; else notok "$name" "${bad:- nothing fetched}"; fi
}

# rrqs_from IP: the file names the daemon logged RRQs for from IP since the mark, in order
rrqs_from() {
    log_since | awk -v ip="$1" '$3 == "RRQ" && $4 == "from" && $5 == ip && $6 == "filename" {print $7}' | tr '\n' ' ' | sed 's/ $//'
}

# ---- the three recovery scenarios, against a server on $SRV_PORT ----
# recovery SERVER CHECK_LOG: (a), (b), (c); CHECK_LOG 1: assert the daemon's log as well
recovery() {
    local srv=$1 logchk=$2 got want

    # (a) only SIP 9.4(2): the loop (the caller serves $T/root with the SIP files)
    root_with "$T/sip" "${SIP_FILES[@]}" copstart.sh copstart.py load307.txt load369.txt
    [ "$logchk" = 1 ] && log_mark
    sim "$srv (a)" --tftp 127.0.0.1:"$SRV_PORT" --model 7906 --load SCCP11.8-3-1S --hard-reset --timeout 60 --json -v
    expect_eq "$srv (a) SCCP11.8-3-1S + hard reset + SIP 9.4(2) only: exit 1" "$RC" 1
    expect_eq "$srv (a): state stuck" "$(q 'p["state"]')" stuck
    got=$(q 'p["reason"]')
    expect_match "$srv (a): reason names term06.default.loads, requested 5 times" "$got" \
        'term06\.default\.loads requested 5 times'
    expect_match "$srv (a): reason says the bootloader refuses the load" "$got" \
        'bootloader on SCCP11\.8-3-1S refuses SIP11\.9-4-2SR1-1S'
    expect_eq "$srv (a): load unchanged" "$(q 'p["load_after"]')" SCCP11.8-3-1S
    expect_eq "$srv (a): no step" "$(q 'p["steps"]')" 0
    # the phone's side: it asked for term06.default.loads again and again, nothing else
    expect_eq "$srv (a): the sim's trace: term06.default.loads 5 times, nothing else" \
        "$(q '[t[1] for t in trace]')" \
        "term06.default.loads term06.default.loads term06.default.loads term06.default.loads term06.default.loads"
    expect_eq "$srv (a): JSON fetched: only term06.default.loads" "$(q 'sorted(set(f["name"] for f in p["fetched"]))')" \
        term06.default.loads
    if [ "$logchk" = 1 ]; then
        got=$(rrqs_from 127.1.0.1)
        local n
        n=$(wc -w <<<"$got")
        if [ "$n" -ge 5 ] && ! tr ' ' '\n' <<<"$got" | grep -qvx term06.default.loads; then
            ok "$srv (a): daemon log: only term06.default.loads from 127.1.0.1, $n times"
        else
            notok "$srv (a): daemon log: only term06.default.loads from 127.1.0.1, at least 5 times" "got: $got"
        fi
        if log_since | grep -qiE 'RRQ from .*\.sbn'; then
            notok "$srv (a): daemon log: no .sbn requested" "$(log_since | grep -iE 'RRQ from .*\.sbn' | head -3)"
        else
            ok "$srv (a): daemon log: no .sbn requested (like admin-report-logs.txt)"
        fi
        got=$(log_since | awk '$3 == "RRQ" && $4 == "from" {print $5}' | sort -u | tr '\n' ' ')
        expect_eq "$srv (a): daemon log: every RRQ comes from the phone's address" "$got" "127.1.0.1 "
    fi

    # (b) only SCCP 8.5(2): flash it
    if [ "$logchk" = 1 ]; then
        stop_daemon "$srv: daemon stops cleanly after (a)"
        root_with "$FIX/loose-sccp" "${SCCP_FILES[@]}" copstart.sh copstart.py load307.txt load369.txt
        start_daemon "$T/conf" || { notok "$srv (b): daemon starts" "see above"; return; }
        log_mark
    else
        root_with "$FIX/loose-sccp" "${SCCP_FILES[@]}" copstart.sh copstart.py load307.txt load369.txt
    fi
    SIP_ROOT=0
    sim "$srv (b)" --tftp 127.0.0.1:"$SRV_PORT" --model 7906 --load SCCP11.8-3-1S --hard-reset --target $SCCP \
        --timeout 60 --json -v
    expect_eq "$srv (b) SCCP 8.5(2) only, --target $SCCP: exit 0" "$RC" 0
    expect_eq "$srv (b): state done" "$(q 'p["state"]')" "done"
    expect_eq "$srv (b): load_after $SCCP" "$(q 'p["load_after"]')" $SCCP
    expect_eq "$srv (b): shown term06.default" "$(q 'p["shown"]')" term06.default
    expect_eq "$srv (b): 1 step" "$(q 'p["steps"]')" 1
    expect_eq "$srv (b): load_before SCCP11.8-3-1S" "$(q 'p["load_before"]')" SCCP11.8-3-1S
    want="term06.default.loads $SCCP_IMAGES"
    expect_eq "$srv (b): JSON fetched: term06.default.loads, jar, cnu, apps, dsp, cvm in order" \
        "$(q '[f["name"] for f in p["fetched"]]')" "$want"
    expect_eq "$srv (b): the sim's trace starts term06.default.loads, jar, cnu, apps, dsp, cvm" \
        "$(q '[t[1] for t in trace][:6]')" "$want"
    sha_check "$srv (b): every fetched file's sha256 equals the fixture MANIFEST's"
    expect_eq "$srv (b): JSON bytes of the images" "$(q 'sum(f["bytes"] for f in p["fetched"][1:])')" \
        "$(awk '$3 ~ /^loose-sccp\/(jar|cnu|apps|dsp|cvm).*\.sbn$/ {s += $2} END {print s}' "$FIX/MANIFEST")"
    local load_b
    load_b=$(q 'p["load_after"]')
    if [ "$logchk" = 1 ]; then
        got=$(rrqs_from 127.1.0.1 | cut -d' ' -f1-6)
        expect_eq "$srv (b): daemon log from 127.1.0.1: term06.default.loads, then jar, cnu, apps, dsp, cvm" "$got" "$want"
        got=$(rrqs_from 127.1.0.1 | tr ' ' '\n' | grep -c '\.sbn$')
        expect_eq "$srv (b): daemon log: 5 .sbn requests, each once" "$got" 5
    fi

    # (c) a second hard reset, the SIP 9.4(2) files: to SIP
    if [ "$logchk" = 1 ]; then
        stop_daemon "$srv: daemon stops cleanly after (b)"
        root_with "$T/sip" "${SIP_FILES[@]}" copstart.sh copstart.py load307.txt load369.txt
        start_daemon "$T/conf" || { notok "$srv (c): daemon starts" "see above"; return; }
        log_mark
    else
        root_with "$T/sip" "${SIP_FILES[@]}" copstart.sh copstart.py load307.txt load369.txt
    fi
    SIP_ROOT=1
    sim "$srv (c)" --tftp 127.0.0.1:"$SRV_PORT" --model 7906 --load "${load_b:-$SCCP}" --hard-reset --target $SIP \
        --timeout 60 --json -v
    expect_eq "$srv (c) $SCCP + second hard reset + SIP 9.4(2): exit 0" "$RC" 0
    expect_eq "$srv (c): state done" "$(q 'p["state"]')" "done"
    expect_eq "$srv (c): load_after $SIP" "$(q 'p["load_after"]')" $SIP
    expect_eq "$srv (c): shown term06.default" "$(q 'p["shown"]')" term06.default
    expect_eq "$srv (c): 1 step" "$(q 'p["steps"]')" 1
    want="term06.default.loads $SIP_IMAGES"
    expect_eq "$srv (c): JSON fetched: term06.default.loads, jar11sip, cnu, apps, dsp, cvm11sip in order" \
        "$(q '[f["name"] for f in p["fetched"]]')" "$want"
    expect_eq "$srv (c): the sim's trace starts term06.default.loads and the 5 images in order" \
        "$(q '[t[1] for t in trace][:6]')" "$want"
    sha_check "$srv (c): every fetched file's sha256 equals the SIP package's"
    if [ "$logchk" = 1 ]; then
        got=$(rrqs_from 127.1.0.1 | cut -d' ' -f1-6)
        expect_eq "$srv (c): daemon log from 127.1.0.1: term06.default.loads, jar11sip, cnu, apps, dsp, cvm11sip" "$got" "$want"
    fi
    SIP_ROOT=0
}

# ==== (a)-(c) against phoneboot serving a plain directory ====
write_conf "$T/conf" "max_per_client = 0"
SRV_PORT=$PORT
root_with "$T/sip" "${SIP_FILES[@]}" copstart.sh copstart.py load307.txt load369.txt
start_daemon "$T/conf" || { notok "setup: phoneboot serve starts" "see above"; finish; }
recovery phoneboot 1
stop_daemon "phoneboot: daemon stops cleanly after (c)"

# ==== (d) the same against in.tftpd (tftpd-hpa) ====
HPA_PID=""
stop_hpa() {
    if [ -n "$HPA_PID" ]; then
        kill -TERM "$HPA_PID" 2>/dev/null
        for _ in $(seq 1 50); do
            kill -0 "$HPA_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$HPA_PID" 2>/dev/null
        wait "$HPA_PID" 2>/dev/null
        HPA_PID=""
    fi
}
trap 'stop_hpa; cleanup' EXIT
HPA_PORT=$(free_port)
root_with "$T/sip" "${SIP_FILES[@]}"
# as root it chroots into the root, then runs as nobody: the files are world-readable
in.tftpd -L -a "127.0.0.1:$HPA_PORT" -s "$T/root" -u nobody >"$T/hpa.log" 2>&1 &
HPA_PID=$!
got=$($RAW --ready 5 --wait 1 "$HPA_PORT" get "$PROBE" 2>&1)
if [ "$got" = "OK 1500 3" ]; then
    ok "in.tftpd: starts and serves the probe file"
    SRV_PORT=$HPA_PORT
    recovery in.tftpd 0
    if kill -0 "$HPA_PID" 2>/dev/null; then ok "in.tftpd: still running after (c)"; else notok "in.tftpd: still running after (c)" "$(tail -3 "$T/hpa.log")"; fi
else
    notok "in.tftpd: starts and serves the probe file" "$got; $(tail -3 "$T/hpa.log")"
fi
stop_hpa

# ==== (e) configs, from phoneboot serving a plain root ====
# the minimal SEP<MAC>.cnf.xml of cisco-facts.md 5.2; sed turns it into the broken variants
cp "$HERE/../fixtures/sep-minimal.cnf.xml" "$T/good.xml"
# the PINTO XMLDefault.cnf.xml (cisco-facts.md 5.4), with the per-model loadInformation369 only
cat >"$T/XMLDefault.cnf.xml" <<'EOF'
<Default>
  <callManagerGroup>
     <members>
        <member priority="0">
           <callManager>
              <ports>
                 <ethernetPhonePort>2000</ethernetPhonePort>
                 <mgcpPorts>
                    <listen>2427</listen>
                    <keepAlive>2428</keepAlive>
                 </mgcpPorts>
              </ports>
              <processNodeName></processNodeName>
           </callManager>
        </member>
     </members>
  </callManagerGroup>
  <loadInformation369 model="Cisco IP Phone 7906">SCCP11.8-5-2S</loadInformation369>
 <authenticationURL></authenticationURL>
  <directoryURL></directoryURL>
  <idleURL></idleURL>
  <informationURL></informationURL>
  <messagesURL></messagesURL>
  <servicesURL></servicesURL>
</Default>
EOF
# one root for every config case: the SIP and SCCP loads (no term*.default.loads: no phone here
# is hard reset), a dial plan, XMLDefault.cnf.xml, and one SEP<MAC>.cnf.xml per case; each case
# is a phone of its own MAC (--mac-base M is the first phone's)
find "$T/root" -mindepth 1 -delete
for f in $SIP.loads $SIP_IMAGES; do cp "$T/sip/$f" "$T/root/"; done
for f in $SCCP.loads $SCCP_IMAGES; do cp "$FIX/loose-sccp/$f" "$T/root/"; done
cp "$T/XMLDefault.cnf.xml" "$T/root/"
printf '<DIALTEMPLATE>\n  <TEMPLATE MATCH="*" TIMEOUT="3"/>\n</DIALTEMPLATE>\n' >"$T/root/dialplan.xml"
PW32=AbCdEfGhIjKlMnOpQrStUvWxYz012345
cfg() { cp "$T/good.xml" "$T/root/SEP00112200E0$1.cnf.xml"; }
cfg 01                                                           # good
sed "s|<authPassword>Short12Chars</authPassword>|<authPassword>$PW32</authPassword>|" "$T/good.xml" \
    >"$T/root/SEP00112200E002.cnf.xml"
sed 's|<phoneLabel>1001</phoneLabel>|<phoneLabel>Front Desk</phoneLabel>|' "$T/good.xml" >"$T/root/SEP00112200E003.cnf.xml"
python3 - "$T/good.xml" "$T/root/SEP00112200E004.cnf.xml" <<'EOF'
import re, sys
t = open(sys.argv[1]).read()
t = re.sub(r"<member priority=\"0\">.*?</member>", "", t, flags=re.S)   # members stays, empty
open(sys.argv[2], "w").write(t)
EOF
sed 's|<featureID>9</featureID>|<featureID>21</featureID>|' "$T/good.xml" >"$T/root/SEP00112200E005.cnf.xml"
sed 's|</sipProfile>|</sipProfil>|' "$T/good.xml" >"$T/root/SEP00112200E006.cnf.xml"
sed 's|<phoneLabel>1001</phoneLabel>|<phoneLabel>ABCDEFGHIJKLM</phoneLabel>|' "$T/good.xml" >"$T/root/SEP00112200E00A.cnf.xml"
# a label with a space, a quote, a backslash and a newline: rejected, and the reason quoting it
# must still be valid JSON, and the text output one summary line per phone
sed 's|<phoneLabel>1001</phoneLabel>|<phoneLabel>A "B\\\&#10;C</phoneLabel>|' "$T/good.xml" >"$T/root/SEP00112200E00B.cnf.xml"
cfg 07                                                           # SCCP 8.5(2) phone: upgrades
cfg 08                                                           # SCCP 8.3(1) phone: refuses
# 09: no SEP file: XMLDefault.cnf.xml
for m in 11 12 13; do cfg "$m"; done                               # (g): E011..E013 (hex)
chmod -R a+rX "$T/root"
check "setup: the space variant has a space" grep -q '<phoneLabel>Front Desk</phoneLabel>' "$T/root/SEP00112200E003.cnf.xml"
check "setup: the no-member variant has no callManager" bash -c "! grep -q '<callManager>' '$T/root/SEP00112200E004.cnf.xml'"
check "setup: the featureID variant has no featureID 9" bash -c "! grep -q '<featureID>9<' '$T/root/SEP00112200E005.cnf.xml'"
check "setup: the broken variant is not well-formed" bash -c "! python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' '$T/root/SEP00112200E006.cnf.xml' 2>/dev/null"
check "setup: the good config is well-formed" python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$T/good.xml"

SRV_PORT=$PORT
start_daemon "$T/conf" || { notok "setup (e): phoneboot serve starts" "see above"; finish; }
# macb M: the --mac-base that gives the first phone SEP00112200E0M (M two hex digits)
macb() { printf '00:11:22:00:E0:%02X' $((16#$1)); }

log_mark
sim "(e) good config" --tftp 127.0.0.1:"$PORT" --model 7906 --load $SIP --mac-base "$(macb 01)" --timeout 60 --json -v
expect_eq "(e) minimal 5.2 config, phone on $SIP: exit 0" "$RC" 0
expect_eq "(e) good config: mac" "$(q 'p["mac"]')" 00112200E001
expect_eq "(e) good config: done" "$(q 'p["state"]')" "done"
expect_match "(e) good config: reason config ok" "$(q 'p["reason"]')" '^config ok'
expect_eq "(e) good config: no step, still $SIP" "$(q 'p["steps"], p["load_after"]')" "0 $SIP"
expect_eq "(e) good config: CTL, ITL, ITLFile, SEP, dialplan.xml in order" "$(q '[t[1] for t in trace]')" \
    "CTLSEP00112200E001.tlv ITLSEP00112200E001.tlv ITLFile.tlv SEP00112200E001.cnf.xml dialplan.xml"
expect_eq "(e) good config: daemon log agrees" "$(rrqs_from 127.1.0.1)" \
    "CTLSEP00112200E001.tlv ITLSEP00112200E001.tlv ITLFile.tlv SEP00112200E001.cnf.xml dialplan.xml"

log_mark
sim "(e) 32-char password" --tftp 127.0.0.1:"$PORT" --model 7906 --load $SIP --mac-base "$(macb 02)" --timeout 60 --json -v
expect_eq "(e) authPassword of 32 characters: exit 1" "$RC" 1
expect_eq "(e) 32-char password: state reboot-loop" "$(q 'p["state"]')" reboot-loop
got=$(q 'p["reason"]')
expect_match "(e) 32-char password: reason names the length 32 and the limit 12" "$got" '32.*12'
expect_match "(e) 32-char password: reason says password" "$got" 'password'
n=$(rrqs_from 127.1.0.1 | tr ' ' '\n' | grep -c '^SEP00112200E002\.cnf\.xml$')
if [ "$n" -ge 2 ] && [ "$n" -le 6 ]; then
    ok "(e) 32-char password: the config fetched once per reboot ($n times, bounded by --max-reboots 5)"
else
    notok "(e) 32-char password: the config fetched once per reboot, 2..6 times" "$n times"
fi
expect_eq "(e) 32-char password: no firmware fetched" "$(rrqs_from 127.1.0.1 | tr ' ' '\n' | grep -c -E '\.(loads|sbn)$')" 0

sim "(e) --max-reboots 2" --tftp 127.0.0.1:"$PORT" --model 7906 --load $SIP --mac-base "$(macb 02)" --max-reboots 2 \
    --timeout 60 --json -v
expect_eq "(e) --max-reboots 2: exit 1, reboot-loop" "$RC $(q 'p["state"]')" "1 reboot-loop"
n=$(q 'len([t for t in trace if t[1] == "SEP00112200E002.cnf.xml"])')
if [ "$n" -ge 1 ] && [ "$n" -le 3 ]; then ok "(e) --max-reboots 2 bounds the loop ($n config fetches)"; else notok "(e) --max-reboots 2 bounds the loop" "$n config fetches"; fi

sim "(e) label with a space" --tftp 127.0.0.1:"$PORT" --model 7906 --load $SIP --mac-base "$(macb 03)" --timeout 60 --json
expect_eq "(e) phoneLabel with a space: exit 1, config-rejected" "$RC $(q 'p["state"]')" "1 config-rejected"
expect_match "(e) phoneLabel with a space: reason names the space" "$(q 'p["reason"]')" 'phoneLabel.*space'

sim "(e) no callManager" --tftp 127.0.0.1:"$PORT" --model 7906 --load $SIP --mac-base "$(macb 04)" --timeout 60 --json
expect_eq "(e) no callManager member: exit 1, config-rejected" "$RC $(q 'p["state"]')" "1 config-rejected"
expect_match "(e) no callManager member: reason says callManager" "$(q 'p["reason"]')" 'callManager'

sim "(e) no featureID 9" --tftp 127.0.0.1:"$PORT" --model 7906 --load $SIP --mac-base "$(macb 05)" --timeout 60 --json
expect_eq "(e) no featureID 9 line: exit 1, config-rejected" "$RC $(q 'p["state"]')" "1 config-rejected"
expect_match "(e) no featureID 9 line: reason says featureID 9" "$(q 'p["reason"]')" 'featureID 9'

sim "(e) not well-formed" --tftp 127.0.0.1:"$PORT" --model 7906 --load $SIP --mac-base "$(macb 06)" --timeout 60 --json
expect_eq "(e) not well-formed XML: exit 1, config-rejected" "$RC $(q 'p["state"]')" "1 config-rejected"
expect_match "(e) not well-formed XML: reason says well-formed" "$(q 'p["reason"]')" 'well-formed'

sim "(e) label of 13 characters" --tftp 127.0.0.1:"$PORT" --model 7906 --load $SIP --mac-base "$(macb 0A)" --timeout 60 --json
expect_eq "(e) phoneLabel of 13 characters: exit 1, config-rejected" "$RC $(q 'p["state"]')" "1 config-rejected"
expect_match "(e) phoneLabel of 13 characters: reason says it is too long" "$(q 'p["reason"]')" 'phoneLabel.*long'

sim "(e) label with a newline and a quote" --tftp 127.0.0.1:"$PORT" --model 7906 --load $SIP --mac-base "$(macb 0B)" \
    --timeout 60 --json
expect_eq "(e) phoneLabel 'A \"B\\<LF>C': exit 1" "$RC" 1
if python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$T/sim.out" 2>"$T/json.err"; then
    ok "(e) phoneLabel with a newline, a quote and a backslash: --json output is valid JSON"
    expect_eq "(e) phoneLabel with a newline: config-rejected" "$(q 'p["state"]')" config-rejected
    # control bytes of a served config are shown as '?'; quote and backslash come through
    expect_match "(e) phoneLabel with a newline: the reason quotes the label, the newline as ?" "$(q 'p["reason"]')" 'A "B\\\?C'
else
    notok "(e) phoneLabel with a newline, a quote and a backslash: --json output is valid JSON" \
        "$(tail -1 "$T/json.err"); the lines: $(grep -a -A1 '"reason"' "$T/sim.out" | cat -A | cut -c180-400 | tr '\n' ' ')"
fi
sim "(e) label with a newline, text output" --tftp 127.0.0.1:"$PORT" --model 7906 --load $SIP --mac-base "$(macb 0B)" \
    --timeout 60
# every line is a step ("  0.003 SEP..."), a phone's summary ("SEP... 7906 ...") or the totals
got=$(grep -avE '^ *[0-9]+\.[0-9]+ SEP[0-9A-F]{12} |^SEP[0-9A-F]{12} 7906 |^[0-9]+ phones?:' "$T/sim.out" | head -3)
if [ -z "$got" ]; then
    ok "(e) phoneLabel with a newline: the text output keeps one line per step and per phone"
else
    notok "(e) phoneLabel with a newline: the text output keeps one line per step and per phone" "stray lines: $got"
fi

log_mark
SIP_ROOT=1
sim "(e) upgrade by loadInformation" --tftp 127.0.0.1:"$PORT" --model 7906 --load $SCCP --mac-base "$(macb 07)" \
    --timeout 60 --json -v
expect_eq "(e) phone on $SCCP, config names $SIP: exit 0" "$RC" 0
expect_eq "(e) upgrade by loadInformation: done, $SIP, 1 step" \
    "$(q 'p["state"], p["load_after"], p["steps"]')" "done $SIP 1"
expect_match "(e) upgrade by loadInformation: reason config ok" "$(q 'p["reason"]')" '^config ok'
expect_eq "(e) upgrade by loadInformation: fetched $SIP.loads and its 5 images in order" \
    "$(q '[f["name"] for f in p["fetched"]]')" "$SIP.loads $SIP_IMAGES"
sha_check "(e) upgrade by loadInformation: every fetched file's sha256 equals the SIP package's"
got=$(rrqs_from 127.1.0.1)
expect_eq "(e) upgrade by loadInformation: daemon log: config, $SIP.loads, images, then the config again" \
    "$got" "CTLSEP00112200E007.tlv ITLSEP00112200E007.tlv ITLFile.tlv SEP00112200E007.cnf.xml $SIP.loads $SIP_IMAGES CTLSEP00112200E007.tlv ITLSEP00112200E007.tlv ITLFile.tlv SEP00112200E007.cnf.xml dialplan.xml"
if grep -q term <<<"$got"; then notok "(e) upgrade by loadInformation: no termXX.default.loads" "$got"; else ok "(e) upgrade by loadInformation: no termXX.default.loads"; fi
SIP_ROOT=0

log_mark
sim "(e) 8.3(1) refuses the config's load" --tftp 127.0.0.1:"$PORT" --model 7906 --load SCCP11.8-3-1S \
    --mac-base "$(macb 08)" --timeout 60 --json -v
expect_eq "(e) phone on SCCP11.8-3-1S, config names $SIP: exit 1, stuck" "$RC $(q 'p["state"]')" "1 stuck"
expect_match "(e) 8.3(1) + config: reason names $SIP.loads" "$(q 'p["reason"]')" "$SIP\\.loads requested [0-9]+ times"
got=$(rrqs_from 127.1.0.1 | tr ' ' '\n' | sort | uniq -c | awk '{print $2 "x" $1}' | tr '\n' ' ')
if grep -q "$SIP.loadsx" <<<"$got" && ! grep -q '\.sbn' <<<"$got" && ! grep -q term <<<"$got"; then
    ok "(e) 8.3(1) + config: fetches $SIP.loads, no image, no term*.loads ($got)"
else
    notok "(e) 8.3(1) + config: fetches $SIP.loads, no image, no term*.loads" "$got"
fi
expect_eq "(e) 8.3(1) + config: load unchanged" "$(q 'p["load_after"]')" SCCP11.8-3-1S

log_mark
sim "(e) XMLDefault" --tftp 127.0.0.1:"$PORT" --model 7906 --load SCCP11.8-3-1S --target $SCCP \
    --mac-base "$(macb 09)" --timeout 60 --json -v
expect_eq "(e) XMLDefault.cnf.xml loadInformation369 $SCCP, phone on SCCP11.8-3-1S: exit 0, done" \
    "$RC $(q 'p["state"]')" "0 done"
expect_eq "(e) XMLDefault: load_after $SCCP, 1 step" "$(q 'p["load_after"], p["steps"]')" "$SCCP 1"
expect_eq "(e) XMLDefault: fetched $SCCP.loads and its 5 images in order" \
    "$(q '[f["name"] for f in p["fetched"]]')" "$SCCP.loads $SCCP_IMAGES"
sha_check "(e) XMLDefault: every fetched file's sha256 equals the fixture MANIFEST's"
expect_match "(e) XMLDefault: daemon log: SEP missing, then XMLDefault.cnf.xml, then $SCCP.loads" \
    "$(rrqs_from 127.1.0.1)" "SEP00112200E009\\.cnf\\.xml XMLDefault\\.cnf\\.xml $SCCP\\.loads jar11sccp"

# ==== (g) --mac-base and --bind-base ====
log_mark
sim "(g)" --tftp 127.0.0.1:"$PORT" --model 7906 --load $SIP --phones 3 --mac-base "$(macb 11)" \
    --bind-base 127.1.2.10 --timeout 60 --json
expect_eq "(g) 3 phones with configs: exit 0" "$RC" 0
expect_eq "(g) consecutive MACs" "$(q '[x["mac"] for x in P]')" "00112200E011 00112200E012 00112200E013"
expect_eq "(g) consecutive addresses from --bind-base" "$(q '[x["ip"] for x in P]')" "127.1.2.10 127.1.2.11 127.1.2.12"
expect_eq "(g) all done" "$(q '[x["state"] for x in P]')" "done done done"
expect_eq "(g) summary by_state" "$(q 'j["summary"]["by_state"]')" "{'done': 3}"
for i in 0 1 2; do
    got=$(rrqs_from "127.1.2.1$i" | tr ' ' '\n' | grep '\.cnf\.xml$')
    expect_eq "(g) daemon log: 127.1.2.1$i asks for SEP00112200E01$((i + 1)).cnf.xml" "$got" "SEP00112200E01$((i + 1)).cnf.xml"
done
stop_daemon "(e)/(g): daemon stops cleanly"

# ==== (h) no server answers: the run ends at --timeout ====
DEAD_PORT=$(free_port)
sim "(h) no server" --tftp 127.0.0.1:"$DEAD_PORT" --model 7906 --load $SIP --timeout 2 --json
expect_eq "(h) nothing listening, --timeout 2: exit 1, state timeout" "$RC $(q 'p["state"]')" "1 timeout"
expect_match "(h) no server: reason says how long" "$(q 'p["reason"]')" 'still running after 2 s'
got=$(q 'p["seconds"]')
if python3 -c 'import sys; sys.exit(not 1.5 <= float(sys.argv[1]) <= 10)' "$got" 2>/dev/null; then
    ok "(h) no server: the phone's time is about 2 s ($got s)"
else
    notok "(h) no server: the phone's time is about 2 s" "$got"
fi

# ==== (f) usage errors ====
usage_case() {
    local name=$1
    shift
    sim "(f) $name" "$@"
    if [ "$RC" = 2 ] && [ -s "$T/sim.err" ]; then
        ok "(f) $name: exit 2 with a message"
    else
        notok "(f) $name: exit 2 with a message" "exit $RC, stderr '$(head -2 "$T/sim.err")'"
    fi
}
usage_case "missing --tftp" --model 7906 --load $SIP
usage_case "unknown model" --tftp 127.0.0.1:"$PORT" --model 9999 --load $SIP
expect_match "(f) unknown model: the message names it" "$(cat "$T/sim.err")" '9999'
usage_case "bad --target" --tftp 127.0.0.1:"$PORT" --model 7906 --load $SIP --target FOO.bar
expect_match "(f) bad --target: the message names it" "$(cat "$T/sim.err")" 'FOO\.bar'
usage_case "bad --mac-base" --tftp 127.0.0.1:"$PORT" --model 7906 --load $SIP --mac-base zz:11:22:00:00:00
usage_case "short --mac-base" --tftp 127.0.0.1:"$PORT" --model 7906 --load $SIP --mac-base 00:11:22
usage_case "multicast --mac-base" --tftp 127.0.0.1:"$PORT" --model 7906 --load $SIP --mac-base 01:00:5e:00:00:01
expect_match "(f) multicast --mac-base: the message says why" "$(cat "$T/sim.err")" 'group \(multicast\) address'
usage_case "Cisco-dotted --mac-base accepted as a MAC" --tftp 127.0.0.1:"$PORT" --model 9999 --load $SIP --mac-base 0011.2200.e001
expect_match "(f) dotted --mac-base: parsed, the error is the model" "$(cat "$T/sim.err")" '9999'
usage_case "bad --tftp" --tftp not-an-address --model 7906 --load $SIP
usage_case "missing --load" --tftp 127.0.0.1:"$PORT" --model 7906
usage_case "unknown option" --tftp 127.0.0.1:"$PORT" --model 7906 --load $SIP --bogus
usage_case "--phones 0" --tftp 127.0.0.1:"$PORT" --model 7906 --load $SIP --phones 0

finish
