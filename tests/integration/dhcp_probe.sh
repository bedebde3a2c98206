#!/bin/bash
# dhcp_probe.sh - `phoneboot probe` and `phoneboot sim --dhcp` (issue 5) in two network
# namespaces of this script's own (veth between them, 10.77.0.0/24, nothing on a real
# interface): the server side (namespace S, 10.77.0.1) runs phoneboot's own DHCP server or
# dnsmasq; the client side (namespace C, 10.77.0.50-52) runs the probe and the simulator.
#   (1) probe against phoneboot's DHCP server: options 150 and 66 decoded, the TFTP server
#       answers, "right for phones", exit 0; --request: ACK, then the lease of the probe's MAC
#       (02:50:42:..) is released in `dhcp leases --json`;
#   (2) probe against dnsmasq configured right (exit 0) and wrong: option 150 as the ASCII
#       text of the address, 150 absent (only 66), 66 and 150 naming different servers,
#       150 not a multiple of 4 bytes, a TFTP server that does not answer (exit 1 each, with
#       its PROBLEM line); no DHCP server at all (exit 1, "no OFFER"); a nonexistent --iface
#       and a missing --iface (exit 2);
#   (3) sim --dhcp against phoneboot (DHCP + TFTP): one phone ("from option 150"), three at
#       once (three active leases with the 7906's vendor class), phones_only = yes, a hard
#       reset that flashes SCCP 8.5(2) through DHCP; and against dnsmasq sending only option
#       66 ("from option 66").
# dnsmasq 2.90 knows option 150 as "tftp-server-address", an address list, and refuses text
# for it ("bad IP address", on the command line and in a conf file alike), so the classic
# mistake cannot be typed into it. The ASCII bytes of "10.77.0.1" (31 30 2e 37 37 2e 30 2e 31)
# are sent anyway with its own address syntax: 49.48.46.55 is "10.7", and an address with a
# /N suffix is sent as the byte N followed by the address's bytes, so 46.48.46.49/55 is
# "7.0.1": --dhcp-option-force=150,49.48.46.55,46.48.46.49/55. The probe's hex dump of the
# option is checked to be exactly those 9 bytes.
# Needs root (namespaces) and dnsmasq; prints "ok - # SKIP" without root.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
    ok "# SKIP dhcp probe: needs root for network namespaces"
    finish
fi
for tool in ip dnsmasq tar timeout; do
    command -v $tool >/dev/null || { notok "setup" "$tool missing (scripts/deps.sh test)"; finish; }
done

T0=$(date +%s)
NS_S=pbq$$s NS_C=pbq$$c IF_S=pbq$$s0 IF_C=pbq$$c0
NET=10.77.0
SRV=$NET.1 CLI=$NET.50
NET_RE=${NET//./\\.} SRV_RE=${SRV//./\\.}
MODEL=7906
VCI="Cisco Systems, Inc. IP Phone CP-7906G"
SIP=SIP11.9-4-2SR1-1S
SCCP=SCCP11.8-5-2S
# a copy, so a rebuild while this runs cannot swap the binary under a restart
if ! { mkdir -p "$T/bin" && cp "$PHONEBOOT" "$T/bin/phoneboot"; }; then
    notok "setup" "cannot copy $PHONEBOOT"
    finish
fi
PB=$T/bin/phoneboot
DM_PID=""    # dnsmasq, by PID

# shellcheck disable=SC2317 # run by the EXIT trap
pcleanup() {
    local p
    if [ -n "$DM_PID" ]; then
        kill -TERM "$DM_PID" 2>/dev/null && wait "$DM_PID" 2>/dev/null
    fi
    if [ -n "$PB_PID" ] && kill -0 "$PB_PID" 2>/dev/null; then
        kill -KILL "$PB_PID" 2>/dev/null
        wait "$PB_PID" 2>/dev/null
    fi
    PB_PID=""
    netns_teardown "$NS_C" "$NS_S"
    cleanup
}
trap pcleanup EXIT

# --- the segment: S (10.77.0.1) <-> C (10.77.0.50, .51, .52: the sim's --bind-base addresses) ---
if ! { ip netns add "$NS_S" && ip netns add "$NS_C"; }; then
    notok "setup" "ip netns add failed"
    finish
fi
ip link add "$IF_S" netns "$NS_S" type veth peer name "$IF_C" netns "$NS_C" || { notok "setup" "veth"; finish; }
ip -n "$NS_S" addr add $SRV/24 dev "$IF_S"
for a in 50 51 52; do ip -n "$NS_C" addr add $NET.$a/24 dev "$IF_C"; done
for n in $NS_S $NS_C; do ip -n "$n" link set lo up; done
ip -n "$NS_S" link set "$IF_S" up
ip -n "$NS_C" link set "$IF_C" up
for _ in $(seq 1 50); do
    ip -n "$NS_C" -o link show "$IF_C" | grep -q 'LOWER_UP' &&
        ip -n "$NS_S" -o link show "$IF_S" | grep -q 'LOWER_UP' && break
    sleep 0.1
done

# --- fixtures: the SCCP 8.5(2) package for the hard-reset flash ---
FIX=$T/fix
if ! "$HERE/../fixtures/mkfirmware.sh" "$FIX" >"$T/mkfirmware.log" 2>&1; then
    notok "setup: mkfirmware.sh builds the fixtures" "$(tail -5 "$T/mkfirmware.log")"
    finish
fi

# --- the TFTP root: a good SEP<MAC>.cnf.xml (cisco-facts.md 5.2) for each of the three phones ---
cp "$HERE/../fixtures/sep-minimal.cnf.xml" "$T/good.xml"
mkdir -p "$T/root"
for i in 1 2 3; do cp "$T/good.xml" "$T/root/SEP00112200000$i.cnf.xml"; done
printf '<DIALTEMPLATE>\n  <TEMPLATE MATCH="*" TIMEOUT="3"/>\n</DIALTEMPLATE>\n' >"$T/root/dialplan.xml"
chmod -R a+rX "$T/root"

# conf FILE STATE LINE...: the TFTP server on 10.77.0.1:69 with root $T/root, state in STATE;
# the extra lines follow (a [dhcp] section, or nothing for TFTP only)
conf() {
    local f=$1 st=$2
    shift 2
    mkdir -p "$st"
    {
        echo "[server]"
        echo "state_dir = $st"
        echo "user = root"
        echo "[tftp]"
        echo "listen = $SRV:69"
        echo "root = $T/root"
        local l
        for l in "$@"; do printf '%s\n' "$l"; done
    } >"$f"
}

# start_ns CONF: the daemon in the server namespace, by PID; returns once it has logged its
# start line (at most 10 s)
start_ns() {
    PB_LOG=$T/daemon.$((++PB_STARTS)).log
    ip netns exec "$NS_S" "$PB" -c "$1" serve >"$PB_LOG" 2>&1 &
    PB_PID=$!
    local _ rc
    for _ in $(seq 1 100); do
        grep -qE 'phoneboot .*: TFTP on' "$PB_LOG" && return 0
        kill -0 "$PB_PID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$PB_PID" 2>/dev/null; then
        echo "# daemon did not log its start within 10 s"
    else
        wait "$PB_PID"
        rc=$?
        echo "# daemon exited at start with status $rc"
        PB_PID=""
    fi
    sed 's/^/#   /' "$PB_LOG" | tail -20
    return 1
}

# dnsmasq_start NAME ARG...: dnsmasq (DHCP only, no DNS, no TFTP) on the server side with
# these extra arguments and a fresh lease file; returns once it has logged its DHCP range (at
# most 5 s); stdout+stderr in $T/dnsmasq.N.log
DM_N=0
dnsmasq_start() {
    local name=$1
    shift
    DM_N=$((DM_N + 1))
    DM_LOG=$T/dnsmasq.$DM_N.log
    rm -f "$T/dnsmasq.leases"
    ip netns exec "$NS_S" dnsmasq --keep-in-foreground --conf-file=/dev/null --port=0 --interface="$IF_S" \
        --bind-interfaces --dhcp-range=$NET.100,$NET.199,255.255.255.0,1h --dhcp-leasefile="$T/dnsmasq.leases" \
        --dhcp-authoritative --no-ping --log-dhcp --log-facility=- --pid-file= --user=root "$@" >"$DM_LOG" 2>&1 &
    DM_PID=$!
    local _
    for _ in $(seq 1 50); do
        grep -q 'DHCP, IP range' "$DM_LOG" && return 0
        kill -0 "$DM_PID" 2>/dev/null || break
        sleep 0.1
    done
    notok "$name: dnsmasq starts" "$(grep -v '^dnsmasq-dhcp' "$DM_LOG" | head -3 | tr '\n' '|')"
    dnsmasq_stop
    return 1
}
dnsmasq_stop() {
    [ -n "$DM_PID" ] || return 0
    kill -TERM "$DM_PID" 2>/dev/null
    local _
    for _ in $(seq 1 50); do
        kill -0 "$DM_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$DM_PID" 2>/dev/null
    wait "$DM_PID" 2>/dev/null
    DM_PID=""
}

# client_run NAME OUT ARG...: phoneboot ARG... in the client namespace, at most 60 s; stdout
# in OUT, stderr in OUT.err, status in RC; a sanitizer report, a crash or the timeout is a
# failure of its own
client_run() {
    local name=$1 out=$2
    shift 2
    timeout -k 5 60 ip netns exec "$NS_C" "$PB" "$@" >"$out" 2>"$out.err"
    RC=$?
    if sanitizer_report "$out.err" >/dev/null; then
        notok "$name: no sanitizer report" "$(sanitizer_report "$out.err")"
        sed -n '/Sanitizer\|runtime error/,+25p' "$out.err" | head -40 | sed 's/^/#   /'
    fi
    case $RC in
    124 | 137) notok "$name: ends by itself" "killed by timeout after 60 s" ;;
    86 | 87) notok "$name: exits cleanly" "sanitizer exit status $RC" ;;
    13[0-9]) notok "$name: exits cleanly" "killed by signal $((RC - 128))" ;;
    esac
}

# probe NAME [--request]: phoneboot probe on the client side; output in $T/probe.N.out, status
# in RC, the output also in $OUT (the file) for has/hasnt
PR_N=0
probe() {
    local name=$1
    shift
    PR_N=$((PR_N + 1))
    OUT=$T/probe.$PR_N.out
    client_run "$name" "$OUT" probe --iface "$IF_C" "$@"
}
# sim NAME ARG...: phoneboot sim --dhcp on the client side, -v (the trace), at most 60 s
SIM_N=0
sim() {
    local name=$1
    shift
    SIM_N=$((SIM_N + 1))
    OUT=$T/sim.$SIM_N.out
    client_run "$name" "$OUT" -c "$SIMCONF" sim --dhcp "$IF_C" --model $MODEL --timeout 45 -v "$@"
}

# has NAME ERE: a line of $OUT matches; hasnt NAME ERE: none does
has() {
    if grep -qE -- "$2" "$OUT"; then ok "$1"; else
        notok "$1" "no line matching /$2/ in $OUT:"
        sed 's/^/#   /' "$OUT" | tail -25
        sed 's/^/#   stderr: /' "$OUT.err" | tail -5
    fi
}
hasnt() {
    if grep -qE -- "$2" "$OUT"; then
        notok "$1" "a line matches /$2/: $(grep -m1 -E -- "$2" "$OUT")"
    else ok "$1"; fi
}
show_out() {
    sed 's/^/#   /' "$OUT" | tail -25
    sed 's/^/#   stderr: /' "$OUT.err" | tail -5
}
expect_rc() { # NAME WANT
    if [ "$RC" = "$2" ]; then ok "$1"; else
        notok "$1" "exit status $RC, want $2"
        show_out
    fi
}

# leases CONF: `dhcp leases --json` into $T/leases.json (status in LRC)
leases() {
    "$PB" -c "$1" dhcp leases --json >"$T/leases.json" 2>"$T/leases.err"
    LRC=$?
}
# lq EXPR: a Python expression over $T/leases.json (L = the list of leases); a list prints
# space-separated
lq() {
    python3 - "$T/leases.json" "$1" <<'EOF'
import json, sys
try:
    L = json.load(open(sys.argv[1]))
except Exception as e:
    print("BADJSON %s" % e); sys.exit()
try:
    v = eval(sys.argv[2])
except Exception as e:
    v = "ERROR %s: %s" % (type(e).__name__, e)
if isinstance(v, (list, tuple)):
    print(" ".join(str(x) for x in v))
else:
    print(v)
EOF
}
# lease_wait CONF EXPR WANT: poll `dhcp leases --json` until EXPR prints WANT (at most 5 s);
# GOT holds the last value
lease_wait() {
    local _
    for _ in $(seq 1 50); do
        leases "$1"
        GOT=$(lq "$2")
        [ "$GOT" = "$3" ] && return 0
        sleep 0.1
    done
    return 1
}

SIMCONF=$T/sim.conf
conf "$SIMCONF" "$T/simstate"

##############################################################################
# 1. probe against phoneboot's own DHCP server (and TFTP on the same address)
##############################################################################
DHCP_A=("[dhcp]" "enabled = yes" "interface = $IF_S" "range = $NET.100-$NET.199" "router = $SRV")
conf "$T/a.conf" "$T/state-a" "${DHCP_A[@]}"
if start_ns "$T/a.conf"; then
    ok "phoneboot serve with [dhcp] on $IF_S starts"

    probe "phoneboot: probe"
    expect_rc "phoneboot: probe exits 0" 0
    has "phoneboot: probe shows an OFFER in the range from $SRV" "^OFFER of $NET_RE\.1[0-9][0-9] from $SRV_RE\$"
    has "phoneboot: probe decodes option 150 as $SRV" "^  option 150 .* $SRV_RE\$"
    has "phoneboot: probe decodes option 66 as \"$SRV\"" "^  option  66 .* \"$SRV_RE(\\\\000)?\"\$"
    has "phoneboot: probe: TFTP server $SRV answers" "^  TFTP server $SRV_RE answers"
    has "phoneboot: probe: right for phones" "^  right for phones\$"
    hasnt "phoneboot: probe reports no PROBLEM" "PROBLEM"

    probe "phoneboot: probe --request" --request
    expect_rc "phoneboot: probe --request exits 0" 0
    has "phoneboot: probe --request: right for phones" "^  right for phones\$"
    has "phoneboot: probe --request: ACK of an address in the range" "^ACK of $NET_RE\.1[0-9][0-9]: "
    ackip=$(sed -n "s/^ACK of \($NET\.[0-9]*\):.*/\1/p" "$OUT" | head -1)
    if [ -n "$ackip" ]; then
        # the RELEASE goes out right after the ACK; the lease table shows it within 5 s
        if lease_wait "$T/a.conf" "[l['state'] for l in L if l.get('ip') == '$ackip' and str(l.get('mac', '')).startswith('02:50:42:')]" released; then
            ok "phoneboot: dhcp leases --json: the probe's lease ($ackip, MAC 02:50:42:..) is released"
        else
            notok "phoneboot: dhcp leases --json: the probe's lease ($ackip, MAC 02:50:42:..) is released" \
                "state of that lease: '$GOT' (status $LRC; $(head -c 300 "$T/leases.json"))"
        fi
        expect_eq "phoneboot: the probe's lease has the 7906's vendor class" \
            "$(lq "[l['vendor_class'] for l in L if l.get('ip') == '$ackip' and str(l.get('mac', '')).startswith('02:50:42:')]")" "$VCI"
    fi

    ##########################################################################
    # 3a. sim --dhcp against phoneboot: one phone, then three at once
    ##########################################################################
    sim "phoneboot: sim 1 phone" --bind-base $CLI --load $SIP
    expect_rc "phoneboot: sim --dhcp, 1 phone: exit 0" 0
    has "phoneboot: sim 1 phone: done" "^SEP001122000001 $MODEL .* done: "
    has "phoneboot: sim 1 phone: trace says the TFTP server came from option 150" \
        "SEP001122000001 DHCP: $NET_RE\.1[0-9][0-9], TFTP server $SRV_RE \(from option 150\)"
    has "phoneboot: sim 1 phone: fetched its SEP001122000001.cnf.xml" "SEP001122000001 RRQ SEP001122000001\.cnf\.xml: "

    ip1=$(sed -n "s/.*SEP001122000001 DHCP: \([0-9.]*\), .*/\1/p" "$OUT" | head -1)
    sim "phoneboot: sim 3 phones" --phones 3 --bind-base $CLI --load $SIP
    expect_rc "phoneboot: sim --dhcp, 3 phones at once: exit 0" 0
    has "phoneboot: sim 3 phones: all done" "^3 phones: 3 done;"
    for i in 1 2 3; do
        has "phoneboot: sim 3 phones: phone $i from option 150" \
            "SEP00112200000$i DHCP: $NET_RE\.1[0-9][0-9], TFTP server $SRV_RE \(from option 150\)"
    done
    macs="00:11:22:00:00:01 00:11:22:00:00:02 00:11:22:00:00:03"
    q3="sorted(l['mac'] for l in L if l.get('mac') in '$macs'.split() and l.get('state') == 'active' and l.get('vendor_class') == '$VCI')"
    if lease_wait "$T/a.conf" "$q3" "$macs"; then
        ok "phoneboot: dhcp leases --json: 3 active leases, MACs 00:11:22:00:00:01..03, vendor class of the 7906"
    else
        notok "phoneboot: dhcp leases --json: 3 active leases, MACs 00:11:22:00:00:01..03, vendor class of the 7906" \
            "got '$GOT'; leases of those MACs: $(lq "[(l.get('mac'), l.get('ip'), l.get('state'), l.get('vendor_class')) for l in L if l.get('mac', '').startswith('00:11:22')]")"
    fi
    expect_eq "phoneboot: the 3 phones hold 3 different addresses" \
        "$(lq "len(set(l['ip'] for l in L if l.get('mac') in '$macs'.split() and l.get('state') == 'active'))")" 3
    expect_eq "phoneboot: phone 1 gets its address of the first run again" \
        "$(sed -n "s/.*SEP001122000001 DHCP: \([0-9.]*\), .*/\1/p" "$OUT" | head -1)" "${ip1:-none}"
    # the addresses in the sim's trace are the leased ones
    trace_ips=$(sed -n "s/.*SEP00112200000[123] DHCP: \([0-9.]*\), .*/\1/p" "$OUT" | sort | tr '\n' ' ')
    expect_eq "phoneboot: the sim's DHCP addresses are the 3 active leases" "$trace_ips" \
        "$(lq "sorted(l['ip'] for l in L if l.get('mac') in '$macs'.split() and l.get('state') == 'active')") "

    stop_daemon "phoneboot: daemon ([dhcp]) exits 0 on SIGTERM, no sanitizer report"
else
    notok "phoneboot serve with [dhcp] on $IF_S starts" "see above"
fi

##############################################################################
# 3b. phones_only = yes (fresh state): the sim's phones still get leases (Cisco's VCI)
##############################################################################
conf "$T/b.conf" "$T/state-b" "${DHCP_A[@]}" "phones_only = yes"
if start_ns "$T/b.conf"; then
    ok "phoneboot serve with phones_only = yes starts"
    sim "phones_only: sim 3 phones" --phones 3 --bind-base $CLI --load $SIP
    expect_rc "phones_only: sim --dhcp, 3 phones: exit 0" 0
    has "phones_only: sim 3 phones: all done" "^3 phones: 3 done;"
    if lease_wait "$T/b.conf" "$q3" "$macs"; then
        ok "phones_only: 3 active leases for the sim's phones"
    else
        notok "phones_only: 3 active leases for the sim's phones" "got '$GOT' ($(head -c 300 "$T/leases.json"))"
    fi
    probe "phones_only: probe"
    expect_rc "phones_only: probe (a 7906's vendor class) exits 0" 0
    has "phones_only: probe: right for phones" "^  right for phones\$"

    # a hard reset on SCCP 8.3(1) that flashes SCCP 8.5(2), its TFTP server from DHCP
    if tar xzf "$FIX/cmterm-7911_7906-sccp.8-5-2.tar.gz" -C "$T/root" && chmod -R a+rX "$T/root"; then
        # a phone of its own (SEP001122000101): no SEP<MAC>.cnf.xml of its own, so no config asks
        # for the SIP load after the flash (the root holds only the SCCP package's loads)
        sim "hard reset via DHCP" --mac-base 00:11:22:00:01:01 --bind-base $CLI --load SCCP11.8-3-1S \
            --hard-reset --target $SCCP
        expect_rc "hard reset via DHCP: SCCP11.8-3-1S -> $SCCP: exit 0" 0
        has "hard reset via DHCP: done, now on $SCCP" "^SEP001122000101 $MODEL SCCP11\.8-3-1S -> $SCCP done: "
        has "hard reset via DHCP: TFTP server from option 150" \
            "SEP001122000101 DHCP: $NET_RE\.1[0-9][0-9], TFTP server $SRV_RE \(from option 150\)"
        has "hard reset via DHCP: fetched term06.default.loads" "SEP001122000101 RRQ term06\.default\.loads: "
        for img in jar11sccp cnu11 apps11 dsp11 cvm11sccp; do
            has "hard reset via DHCP: fetched $img.8-5-2TH1-9.sbn" "SEP001122000101 RRQ $img\.8-5-2TH1-9\.sbn: [0-9]+ bytes"
        done
        has "hard reset via DHCP: now on $SCCP" "SEP001122000101 now on $SCCP"
    else
        notok "hard reset via DHCP: tar xzf the SCCP 8.5(2) package" "failed"
    fi
    stop_daemon "phones_only: daemon exits 0 on SIGTERM, no sanitizer report"
else
    notok "phoneboot serve with phones_only = yes starts" "see above"
fi

##############################################################################
# 2. probe against dnsmasq; phoneboot serves TFTP only on 10.77.0.1:69 (no [dhcp])
##############################################################################
conf "$T/t.conf" "$T/state-t"
if start_ns "$T/t.conf"; then
    ok "phoneboot serve, TFTP only, starts"

    if dnsmasq_start "dnsmasq right" --dhcp-option-force=150,$SRV --dhcp-option-force=66,"$SRV"; then
        probe "dnsmasq right: probe"
        expect_rc "dnsmasq right (150 = $SRV as an address, 66 = \"$SRV\"): probe exits 0" 0
        has "dnsmasq right: option 150 decoded as $SRV" "^  option 150 .* $SRV_RE\$"
        has "dnsmasq right: TFTP server $SRV answers" "^  TFTP server $SRV_RE answers"
        has "dnsmasq right: right for phones" "^  right for phones\$"
        hasnt "dnsmasq right: no PROBLEM" "PROBLEM"
        dnsmasq_stop
    fi

    # the ASCII bytes of "10.77.0.1" (see the head of this file)
    if dnsmasq_start "dnsmasq 150 as text" --dhcp-option-force=150,49.48.46.55,46.48.46.49/55 \
        --dhcp-option-force=66,"$SRV"; then
        probe "dnsmasq 150 as text: probe"
        has "dnsmasq 150 as text: the OFFER really carries the 9 ASCII bytes of \"$SRV\"" \
            "^  option 150 .* 31:30:2e:37:37:2e:30:2e:31\$"
        expect_rc "dnsmasq 150 as text: probe exits 1" 1
        has "dnsmasq 150 as text: PROBLEM: option 150 holds the text" \
            "PROBLEM: option 150 holds the text \"$SRV_RE\""
        has "dnsmasq 150 as text: the fix names phoneboot dhcp-option 150 $SRV" "phoneboot dhcp-option 150 $SRV_RE\$"
        hasnt "dnsmasq 150 as text: not right for phones" "right for phones"
        dnsmasq_stop
    fi
    # for the record: dnsmasq refuses the quoted text in a conf file (150 is an address list to it)
    printf 'dhcp-option-force=150,"%s"\n' "$SRV" >"$T/dnsmasq-text.conf"
    if timeout 10 dnsmasq --test --conf-file="$T/dnsmasq-text.conf" >"$T/dnsmasq-test.out" 2>&1; then
        echo "# note: this dnsmasq accepts dhcp-option-force=150,\"$SRV\" in a conf file"
    else
        echo "# note: dnsmasq refuses dhcp-option-force=150,\"$SRV\" in a conf file: $(grep -m1 . "$T/dnsmasq-test.out")"
    fi

    if dnsmasq_start "dnsmasq only 66" --dhcp-option-force=66,"$SRV"; then
        probe "dnsmasq only 66: probe"
        expect_rc "dnsmasq only 66: probe exits 1" 1
        has "dnsmasq only 66: PROBLEM: no option 150" "PROBLEM: no option 150"
        hasnt "dnsmasq only 66: no option 150 line" "^  option 150 "
        hasnt "dnsmasq only 66: not right for phones" "right for phones"

        # the sim takes its TFTP server from option 66
        sim "dnsmasq only 66: sim" --bind-base $CLI --load $SIP
        expect_rc "dnsmasq only 66: sim --dhcp, 1 phone: exit 0" 0
        has "dnsmasq only 66: sim: done" "^SEP001122000001 $MODEL .* done: "
        has "dnsmasq only 66: sim trace: TFTP server from option 66" \
            "SEP001122000001 DHCP: $NET_RE\.1[0-9][0-9], TFTP server $SRV_RE \(from option 66\)"
        dnsmasq_stop
    fi

    if dnsmasq_start "dnsmasq 66 != 150" --dhcp-option-force=150,$SRV --dhcp-option-force=66,"$NET.9"; then
        probe "dnsmasq 66 != 150: probe"
        expect_rc "dnsmasq 66 = $NET.9, 150 = $SRV: probe exits 1" 1
        has "dnsmasq 66 != 150: PROBLEM: different servers" \
            "PROBLEM: option 66 \($NET_RE\.9\) and option 150 \($SRV_RE\) name different servers"
        hasnt "dnsmasq 66 != 150: not right for phones" "right for phones"
        dnsmasq_stop
    fi

    # 150 of 2 bytes: "/8" makes dnsmasq send the byte 8 and the address's first byte
    if dnsmasq_start "dnsmasq 150 of 2 bytes" --dhcp-option-force=150,$SRV/8 --dhcp-option-force=66,"$SRV"; then
        probe "dnsmasq 150 of 2 bytes: probe"
        expect_rc "dnsmasq 150 of 2 bytes: probe exits 1" 1
        has "dnsmasq 150 of 2 bytes: PROBLEM: not a multiple of 4" \
            "PROBLEM: option 150 is 2 bytes long, not a multiple of 4"
        dnsmasq_stop
    fi

    stop_daemon "phoneboot (TFTP only): exits 0 on SIGTERM, no sanitizer report"
else
    notok "phoneboot serve, TFTP only, starts" "see above"
fi

# right options, but nobody serves TFTP on 10.77.0.1 any more
if dnsmasq_start "dnsmasq, no TFTP server" --dhcp-option-force=150,$SRV --dhcp-option-force=66,"$SRV"; then
    probe "no TFTP server: probe"
    expect_rc "no TFTP server on $SRV: probe exits 1" 1
    has "no TFTP server: PROBLEM: the TFTP server gives no answer" \
        "PROBLEM: the TFTP server $SRV_RE gives no answer on port 69"
    dnsmasq_stop
fi

# no DHCP server at all
probe "no DHCP server: probe"
expect_rc "no DHCP server: probe exits 1" 1
has "no DHCP server: no OFFER" "no OFFER"

# usage errors
OUT=$T/usage.out
client_run "probe --iface nosuch" "$OUT" probe --iface pbqnosuch$$
expect_rc "probe --iface that does not exist: exit 2" 2
client_run "probe without --iface" "$OUT" probe
expect_rc "probe without --iface: exit 2" 2
client_run "probe --request without --iface" "$OUT" probe --request
expect_rc "probe --request without --iface: exit 2" 2

echo "# dhcp_probe.sh took $(($(date +%s) - T0)) s"
finish
