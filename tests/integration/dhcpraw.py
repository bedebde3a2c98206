#!/usr/bin/env python3
"""dhcpraw.py - a DHCP client and relay agent made of raw packets, for the integration tests.

Run inside a test's network namespace (it binds ports 67/68 there). Every wait is bounded.

  dhcpraw.py [common] discover|request|release|decline|inform   one message, prints the reply
  dhcpraw.py [common] dora                   DISCOVER, then REQUEST (selecting) for the offer
  dhcpraw.py [common] burst --n N --ackfile F [--kill-pid P --kill-after K]
  dhcpraw.py [common] reboot --ackfile F     init-reboot REQUEST (option 50) for each "mac ip" line

common: --iface IF (the socket is bound to it), --mac MAC, --xid N, --vci TEXT (sent with the
trailing NUL a phone sends, unless --no-nul), --hostname H, --client-id HEX, --req IP (option 50),
--server-id IP (option 54), --ciaddr IP, --prl 1,3,... (option 55), --opt82 HEX,
--giaddr IP with --src IP: act as a relay agent (socket on SRC:67, unicast to --to IP:67),
--to IP (default 255.255.255.255), --wait S (how long to wait for a reply, default 2).

A reply is printed as key=value lines: reply=OFFER|ACK|NAK|NONE, from=IP:PORT, yiaddr, siaddr,
giaddr, ciaddr, chaddr, flags, and each option as optN=HEX, with decoded forms for the known
ones (mask, router, dns, lease, serverid, opt150_ips, opt66, opt82).
"""
import argparse
import os
import random
import select
import signal
import socket
import struct
import sys
import time

TYPES = {1: "DISCOVER", 2: "OFFER", 3: "REQUEST", 4: "DECLINE", 5: "ACK", 6: "NAK", 7: "RELEASE", 8: "INFORM"}
CODES = {v: k for k, v in TYPES.items()}
COOKIE = 0x63825363


def mac_bytes(s):
    b = bytes(int(x, 16) for x in s.split(":"))
    if len(b) != 6:
        raise ValueError("bad MAC " + s)
    return b


def mac_str(b):
    return ":".join("%02x" % x for x in b[:6])


def ip_bytes(s):
    return socket.inet_aton(s)


def opt(code, data):
    return bytes([code, len(data)]) + data


def build(mtype, mac, xid, a, ciaddr="0.0.0.0", req=None, server_id=None, flags=0x8000):
    hdr = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 1 if a.giaddr else 0, xid, 0, flags,
                      ip_bytes(ciaddr), b"\0" * 4, b"\0" * 4, ip_bytes(a.giaddr or "0.0.0.0"),
                      mac + b"\0" * 10, b"", b"")
    o = opt(53, bytes([mtype]))
    if a.client_id:
        o += opt(61, bytes.fromhex(a.client_id))
    if req:
        o += opt(50, ip_bytes(req))
    if server_id:
        o += opt(54, ip_bytes(server_id))
    if a.vci is not None:
        o += opt(60, a.vci.encode() + (b"" if a.no_nul else b"\0"))
    if a.hostname:
        o += opt(12, a.hostname.encode())
    if a.prl:
        o += opt(55, bytes(int(x) for x in a.prl.split(",")))
    if a.opt82:
        o += opt(82, bytes.fromhex(a.opt82))
    pkt = hdr + struct.pack("!I", COOKIE) + o + b"\xff"
    return pkt + b"\0" * max(0, 300 - len(pkt))


def parse(pkt):
    """The reply as a dict, or None when it is not a BOOTREPLY with the cookie."""
    if len(pkt) < 240:
        return None
    (op, _ht, _hl, _hops, xid, _secs, flags, ciaddr, yiaddr, siaddr, giaddr, chaddr) = \
        struct.unpack("!BBBBIHH4s4s4s4s16s", pkt[:44])
    if op != 2 or struct.unpack("!I", pkt[236:240])[0] != COOKIE:
        return None
    opts = {}
    i = 240
    while i < len(pkt):
        c = pkt[i]
        if c == 0:
            i += 1
            continue
        if c == 255 or i + 1 >= len(pkt):
            break
        n = pkt[i + 1]
        opts[c] = opts.get(c, b"") + pkt[i + 2:i + 2 + n]
        i += 2 + n
    return {"xid": xid, "flags": flags, "ciaddr": socket.inet_ntoa(ciaddr), "yiaddr": socket.inet_ntoa(yiaddr),
            "siaddr": socket.inet_ntoa(siaddr), "giaddr": socket.inet_ntoa(giaddr), "chaddr": mac_str(chaddr),
            "opts": opts, "type": TYPES.get(opts.get(53, b"\0")[0], "?")}


def ips(b):
    return ",".join(socket.inet_ntoa(b[k:k + 4]) for k in range(0, len(b) - len(b) % 4, 4))


def show(r, frm):
    if r is None:
        print("reply=NONE")
        return
    print("reply=%s" % r["type"])
    print("from=%s:%d" % frm)
    for k in ("yiaddr", "siaddr", "giaddr", "ciaddr", "chaddr"):
        print("%s=%s" % (k, r[k]))
    print("flags=%04x" % r["flags"])
    o = r["opts"]
    for c in sorted(o):
        print("opt%d=%s" % (c, o[c].hex()))
    named = {1: "mask", 3: "router", 6: "dns", 54: "serverid", 42: "ntp"}
    for c, name in named.items():
        if c in o:
            print("%s=%s" % (name, ips(o[c])))
    if 51 in o and len(o[51]) == 4:
        print("lease=%d" % struct.unpack("!I", o[51])[0])
    if 150 in o:
        print("opt150_ips=%s" % ips(o[150]))
    for c, name in ((66, "opt66"), (15, "domain"), (56, "message")):
        if c in o:
            print("%s=%s" % (name, o[c].decode("latin-1")))


def open_socket(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    if a.giaddr:
        s.bind((a.src or a.giaddr, 67))   # a relay agent: from its address, port 67
    else:
        if a.iface:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, a.iface.encode())
        s.bind(("0.0.0.0", 68))
    return s


def dest(a):
    return (a.to or ("255.255.255.255" if not a.giaddr else None), 67)


def wait_reply(s, xid, deadline, want=None):
    """The first reply with this xid (and one of the types in want) before deadline."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None, None
        rd, _, _ = select.select([s], [], [], left)
        if not rd:
            continue
        pkt, frm = s.recvfrom(4096)
        r = parse(pkt)
        if r and r["xid"] == xid and (want is None or r["type"] in want):
            return r, frm


def one(a, mtype):
    s = open_socket(a)
    mac = mac_bytes(a.mac)
    xid = a.xid if a.xid is not None else random.getrandbits(32)
    pkt = build(CODES[mtype], mac, xid, a, ciaddr=a.ciaddr, req=a.req, server_id=a.server_id)
    to = dest(a)
    if to[0] is None:
        sys.exit("dhcpraw: a relayed message needs --to SERVER")
    s.sendto(pkt, to)
    if mtype in ("RELEASE", "DECLINE"):
        # no reply is expected; wait anyway so a reply that should not come is seen
        r, frm = wait_reply(s, xid, time.monotonic() + a.wait)
        show(r, frm)
        return 0
    r, frm = wait_reply(s, xid, time.monotonic() + a.wait)
    show(r, frm)
    return 0


def dora(a):
    s = open_socket(a)
    mac = mac_bytes(a.mac)
    xid = a.xid if a.xid is not None else random.getrandbits(32)
    to = dest(a)
    if to[0] is None:
        sys.exit("dhcpraw: a relayed message needs --to SERVER")
    s.sendto(build(1, mac, xid, a, req=a.req), to)
    r, frm = wait_reply(s, xid, time.monotonic() + a.wait, ("OFFER",))
    print("# offer")
    show(r, frm)
    if r is None:
        return 0
    sid = socket.inet_ntoa(r["opts"].get(54, b"\0\0\0\0")[:4])
    s.sendto(build(3, mac, xid, a, req=r["yiaddr"], server_id=sid), to)
    r2, frm2 = wait_reply(s, xid, time.monotonic() + a.wait, ("ACK", "NAK"))
    print("# ack")
    show(r2, frm2)
    return 0


def burst(a):
    """DISCOVER for N MACs, REQUEST each offer, record every ACK (mac ip) in the ack file as
    it arrives; optionally SIGKILL a PID after K ACKs and listen 1 s more. With --window W at
    most W clients are between DISCOVER and ACK at a time (a new one starts as one ends), so
    the server is still busy when the kill comes; without it all N start at once."""
    s = open_socket(a)
    n = a.n
    macs = [bytes([0x02, 0xbb, (a.seed >> 8) & 0xff, a.seed & 0xff, i >> 8, i & 0xff]) for i in range(n)]
    xids = {random.getrandbits(32) | 1: i for i in range(n)}
    xid_of = {i: x for x, i in xids.items()}
    state = ["disc"] * n       # disc -> req -> ack
    offered = [None] * n
    last = [0.0] * n
    acked = {}
    stats = {"discover": 0, "request": 0, "offer": 0, "ack": 0, "nak": 0, "dup_ack": 0}
    out = open(a.ackfile, "w")
    to = ("255.255.255.255", 67)
    t0 = time.monotonic()
    deadline = t0 + a.deadline
    killed_at = None
    now = t0
    window = a.window if a.window > 0 else n
    started = 0

    def start_more():
        nonlocal started
        while started < n and started - len(acked) < window:
            s.sendto(build(1, macs[started], xid_of[started], a), to)
            stats["discover"] += 1
            last[started] = time.monotonic()
            started += 1
    start_more()
    while True:
        now = time.monotonic()
        if killed_at is not None and now - killed_at > 1.0:
            break
        if now > deadline or (killed_at is None and len(acked) == n):
            break
        if killed_at is None:
            for i in range(started):   # retransmit what got no answer within 1 s
                if state[i] != "ack" and now - last[i] > 1.0:
                    if state[i] == "disc":
                        s.sendto(build(1, macs[i], xid_of[i], a), to)
                        stats["discover"] += 1
                    else:
                        s.sendto(build(3, macs[i], xid_of[i], a, req=offered[i][0], server_id=offered[i][1]), to)
                        stats["request"] += 1
                    last[i] = now
        rd, _, _ = select.select([s], [], [], 0.05)
        if not rd:
            continue
        while True:
            try:
                pkt = s.recv(4096, socket.MSG_DONTWAIT)
            except BlockingIOError:
                break
            r = parse(pkt)
            if not r or r["xid"] not in xids:
                continue
            i = xids[r["xid"]]
            if r["chaddr"] != mac_str(macs[i]):
                continue
            if r["type"] == "OFFER":
                stats["offer"] += 1
                if state[i] == "disc" and killed_at is None:
                    sid = socket.inet_ntoa(r["opts"].get(54, b"\0\0\0\0")[:4])
                    offered[i] = (r["yiaddr"], sid)
                    state[i] = "req"
                    s.sendto(build(3, macs[i], xid_of[i], a, req=r["yiaddr"], server_id=sid), to)
                    stats["request"] += 1
                    last[i] = time.monotonic()
            elif r["type"] == "ACK":
                stats["ack"] += 1
                m = mac_str(macs[i])
                if m in acked and acked[m] != r["yiaddr"]:
                    out.write("%s %s\n" % (m, r["yiaddr"]))   # a second, different ACK: kept too
                elif m in acked:
                    stats["dup_ack"] += 1
                    continue
                else:
                    out.write("%s %s\n" % (m, r["yiaddr"]))
                acked[m] = r["yiaddr"]
                state[i] = "ack"
                out.flush()
                if a.kill_pid and killed_at is None and len(acked) >= a.kill_after:
                    os.kill(a.kill_pid, signal.SIGKILL)
                    killed_at = time.monotonic()
                    print("killed=%d after_acks=%d at=%.3f in_flight=%d" % (a.kill_pid, len(acked), killed_at - t0,
                                                                          started - len(acked)))
                if killed_at is None:
                    start_more()
            elif r["type"] == "NAK":
                stats["nak"] += 1
                state[i] = "disc"
    out.close()
    print("acked=%d of=%d started=%d elapsed=%.3f %s" % (len(acked), n, started, time.monotonic() - t0,
                                              " ".join("%s=%d" % kv for kv in stats.items())))
    return 0


def reboot(a):
    """INIT-REBOOT: REQUEST with option 50, no server id, ciaddr 0, for each "mac ip" line."""
    s = open_socket(a)
    to = ("255.255.255.255", 67)
    want = {}
    for line in open(a.ackfile):
        m, ip = line.split()
        want[m] = ip
    pend = {}
    for m, ip in want.items():
        x = random.getrandbits(32) | 1
        pend[x] = (m, ip)
        s.sendto(build(3, mac_bytes(m), x, a, req=ip), to)
    got = {}
    deadline = time.monotonic() + a.wait
    tries = 1
    while pend and time.monotonic() < deadline:
        rd, _, _ = select.select([s], [], [], 0.1)
        if not rd:
            if tries < 3 and time.monotonic() > deadline - a.wait + tries * 1.0:
                for x, (m, ip) in pend.items():   # resend what is still unanswered
                    s.sendto(build(3, mac_bytes(m), x, a, req=ip), to)
                tries += 1
            continue
        r = parse(s.recv(4096))
        if r and r["xid"] in pend and r["type"] in ("ACK", "NAK"):
            m, ip = pend.pop(r["xid"])
            got[m] = (r["type"], r["yiaddr"])
    for m, ip in want.items():
        t, y = got.get(m, ("NONE", "-"))
        print("%s %s %s %s" % (m, ip, t, y))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("cmd", choices=["discover", "request", "release", "decline", "inform", "dora", "burst", "reboot"])
    p.add_argument("--iface")
    p.add_argument("--mac", default="02:00:00:00:00:01")
    p.add_argument("--xid", type=lambda v: int(v, 0))
    p.add_argument("--vci")
    p.add_argument("--no-nul", action="store_true")
    p.add_argument("--hostname")
    p.add_argument("--client-id")
    p.add_argument("--req")
    p.add_argument("--server-id")
    p.add_argument("--ciaddr", default="0.0.0.0")
    p.add_argument("--prl")
    p.add_argument("--opt82")
    p.add_argument("--giaddr")
    p.add_argument("--src")
    p.add_argument("--to")
    p.add_argument("--wait", type=float, default=2.0)
    p.add_argument("--n", type=int, default=200)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--window", type=int, default=0)
    p.add_argument("--ackfile")
    p.add_argument("--kill-pid", type=int)
    p.add_argument("--kill-after", type=int, default=0)
    p.add_argument("--deadline", type=float, default=15.0)
    a = p.parse_args()
    if a.cmd == "dora":
        return dora(a)
    if a.cmd == "burst":
        return burst(a)
    if a.cmd == "reboot":
        return reboot(a)
    return one(a, a.cmd.upper())


if __name__ == "__main__":
    sys.exit(main())
