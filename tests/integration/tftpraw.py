#!/usr/bin/env python3
"""tftpraw.py - a raw TFTP client for the integration tests.

Sends exact packets to a TFTP server on 127.0.0.1 (or ::1) and prints what comes back,
one line per packet, so a shell test can assert exact opcodes, error codes and OACK
contents. Every wait is bounded.

    tftpraw.py [--host H] [--wait S] PORT COMMAND ARGS

Packet lines: "DATA BLOCK LEN", "ACK BLOCK", "ERROR CODE MSG", "OACK k=v k=v" (wire order),
"NONE" (nothing within the wait), "OTHER HEX".

Commands:
  send HEX                     send raw bytes, print the first reply
  rrq NAME MODE [K V]...       RRQ (or WRQ with --wrq) with options, print the first reply;
                               --trailing HEX appends bytes after the last option; the
                               transfer is then ended with ERROR 0 --errmsg (default "test done")
  get NAME [K V]...            a whole download (--mode, --out FILE): prints the OACK if
                               any, then "OK BYTES BLOCKS" or the ERROR, or "TIMEOUT";
                               --ready S repeats the request until answered (at most S s)
  dupack NAME                  RRQ, ACK 1 twice, count DATA 2 within 0.5 s: "DATA2 N",
                               then finishes the transfer: "DONE BYTES"
  hold NAME N                  N RRQs from N sockets, none ACKed: one reply line each;
                               then ERRORs the held transfers to end them
  ignore NAME SECONDS [K V]... RRQ (ACK 0 to an OACK), then never ACK: one line per packet
                               with its arrival time "T.TT DATA 1 512", up to SECONDS or
                               until an ERROR; then ERRORs the transfer if still running
  putpart NAME                 WRQ, one full DATA block, then ERROR: an abandoned upload
  refuse NAME K V...           RRQ with options, answer the OACK with ERROR 8, then print
                               "AFTER" and the next packet within the wait (NONE expected)
"""
import argparse
import os
import socket
import struct
import sys
import time

OP_RRQ, OP_WRQ, OP_DATA, OP_ACK, OP_ERROR, OP_OACK = 1, 2, 3, 4, 5, 6


def describe(pkt):
    if len(pkt) >= 4 and pkt[:2] == b"\0\3":
        return "DATA %d %d" % (struct.unpack("!H", pkt[2:4])[0], len(pkt) - 4)
    if len(pkt) == 4 and pkt[:2] == b"\0\4":
        return "ACK %d" % struct.unpack("!H", pkt[2:4])[0]
    if len(pkt) >= 5 and pkt[:2] == b"\0\5" and pkt[-1:] == b"\0":
        msg = pkt[4:-1].decode("latin-1")
        return "ERROR %d %s" % (struct.unpack("!H", pkt[2:4])[0], msg)
    if len(pkt) >= 2 and pkt[:2] == b"\0\6" and (len(pkt) == 2 or pkt[-1:] == b"\0"):
        f = pkt[2:-1].split(b"\0") if len(pkt) > 2 else []
        if len(f) % 2 == 0:
            return "OACK" + "".join(" %s=%s" % (f[i].decode("latin-1").lower(),
                                                 f[i + 1].decode("latin-1"))
                                    for i in range(0, len(f), 2))
    return "OTHER " + pkt.hex()


def oack_options(pkt):
    f = pkt[2:-1].split(b"\0") if len(pkt) > 2 else []
    return {f[i].decode().lower(): f[i + 1].decode() for i in range(0, len(f) - 1, 2)}


def request(op, name, mode, opts, trailing=b""):
    # os.fsencode: the bytes exactly as given on the command line
    p = struct.pack("!H", op) + os.fsencode(name) + b"\0" + os.fsencode(mode) + b"\0"
    for i in range(0, len(opts) - 1, 2):
        p += os.fsencode(opts[i]) + b"\0" + os.fsencode(opts[i + 1]) + b"\0"
    return p + trailing


def ack(block):
    return struct.pack("!HH", OP_ACK, block & 0xFFFF)


def error(code, msg):
    return struct.pack("!HH", OP_ERROR, code) + msg.encode() + b"\0"


class Client:
    def __init__(self, host, port, wait):
        info = socket.getaddrinfo(host, port, 0, socket.SOCK_DGRAM)[0]
        self.sock = socket.socket(info[0], socket.SOCK_DGRAM)
        self.sock.bind((host, 0))
        self.server = info[4]
        self.peer = None  # the transfer's TID, from the first reply
        self.wait = wait
        self.pending = None

    def send(self, data, to=None):
        self.sock.sendto(data, to or self.peer or self.server)

    def recv(self, wait=None):
        """the next packet within wait seconds, or None; latches the transfer's TID"""
        deadline = time.monotonic() + (self.wait if wait is None else wait)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                pkt, addr = self.sock.recvfrom(70000)
            except socket.timeout:
                return None
            if self.peer is None:
                self.peer = addr
            if addr[:2] == self.peer[:2]:
                return pkt
            # a packet from another TID: not ours (RFC 1350 says answer ERROR 5)
            self.sock.sendto(error(5, "Unknown transfer ID"), addr)


def out(line):
    print(line, flush=True)


def cmd_send(a):
    c = Client(a.host, a.port, a.wait)
    c.send(bytes.fromhex(a.args[0]))
    p = c.recv()
    out(describe(p) if p is not None else "NONE")
    return 0


def cmd_rrq(a):
    name, mode, opts = a.args[0], a.args[1], a.args[2:]
    c = Client(a.host, a.port, a.wait)
    c.send(request(OP_WRQ if a.wrq else OP_RRQ, name, mode, opts, bytes.fromhex(a.trailing)))
    p = c.recv()
    out(describe(p) if p is not None else "NONE")
    if p is not None and p[:2] != b"\0\5":
        c.send(error(0, a.errmsg))  # end the transfer at once
    return 0


def cmd_get(a):
    name, opts = a.args[0], a.args[1:]
    c = Client(a.host, a.port, a.wait)
    req = request(OP_RRQ, name, a.mode, opts)
    c.send(req)
    if a.ready:
        # the daemon is starting: repeat the request (same socket) until the first answer;
        # a second transfer started by a repeat gets ERROR 5 from Client.recv
        deadline = time.monotonic() + a.ready
        while c.peer is None and time.monotonic() < deadline:
            p = c.recv(0.2)
            if p is not None:
                c.pending = p
                break
            c.send(req)
    blksize, window = 512, 1
    data = bytearray()
    expect, blocks, since_ack = 1, 0, 0
    last_ack = None
    tries = 0
    first = True
    while True:
        p, c.pending = c.pending or c.recv(), None
        if p is None:
            tries += 1
            if tries > 5 or last_ack is None:
                out("TIMEOUT after %d bytes" % len(data))
                return 1
            c.send(last_ack)
            continue
        tries = 0
        if p[:2] == b"\0\6" and first:
            out(describe(p))
            o = oack_options(p)
            blksize = int(o.get("blksize", 512))
            window = int(o.get("windowsize", 1))
            last_ack = ack(0)
            c.send(last_ack)
            first = False
            continue
        first = False
        if p[:2] == b"\0\5":
            out(describe(p))
            return 1
        if p[:2] != b"\0\3" or len(p) < 4:
            out("UNEXPECTED " + describe(p))
            return 1
        blk = struct.unpack("!H", p[2:4])[0]
        if blk != expect & 0xFFFF:
            # out of order (a lost packet or a retransmitted window): ACK what we have
            if last_ack is not None:
                c.send(last_ack)
            since_ack = 0
            continue
        data += p[4:]
        blocks += 1
        expect += 1
        since_ack += 1
        last = len(p) - 4 < blksize
        if last or since_ack >= window:
            last_ack = ack(blk)
            c.send(last_ack)
            since_ack = 0
        if last:
            break
    if a.out:
        with open(a.out, "wb") as f:
            f.write(data)
    out("OK %d %d" % (len(data), blocks))
    if a.ready:
        c.recv(0.3)  # answer a transfer started by a repeated request with ERROR 5
    return 0


def cmd_dupack(a):
    c = Client(a.host, a.port, a.wait)
    c.send(request(OP_RRQ, a.args[0], "octet", []))
    p = c.recv()
    if p is None or describe(p) != "DATA 1 512":
        out("FIRST " + (describe(p) if p is not None else "NONE"))
        return 1
    size = 512
    c.send(ack(1))
    c.send(ack(1))
    n2, others = 0, []
    deadline = time.monotonic() + 0.5
    while time.monotonic() < deadline:
        p = c.recv(max(0.0, deadline - time.monotonic()))
        if p is None:
            break
        if describe(p).startswith("DATA 2 "):
            n2 += 1
            size2 = len(p) - 4
        else:
            others.append(describe(p))
    out("DATA2 %d" % n2)
    for o in others:
        out("ALSO " + o)
    if n2 == 0:
        return 1
    size += size2
    blk = 2
    while size2 == 512:
        c.send(ack(blk))
        p = c.recv()
        if p is None or p[:2] != b"\0\3":
            out("THEN " + (describe(p) if p is not None else "NONE"))
            return 1
        blk = struct.unpack("!H", p[2:4])[0]
        size2 = len(p) - 4
        size += size2
    c.send(ack(blk))
    out("DONE %d" % size)
    return 0


def cmd_hold(a):
    name, n = a.args[0], int(a.args[1])
    held = []
    for _ in range(n):
        c = Client(a.host, a.port, a.wait)
        c.send(request(OP_RRQ, name, "octet", []))
        p = c.recv()
        out(describe(p) if p is not None else "NONE")
        if p is not None and p[:2] != b"\0\5":
            held.append(c)
    for c in held:
        c.send(error(0, "test done"))
    time.sleep(0.3)  # let the server read the ERRORs before the next test's request
    return 0


def cmd_ignore(a):
    name, seconds, opts = a.args[0], float(a.args[1]), a.args[2:]
    c = Client(a.host, a.port, a.wait)
    t0 = time.monotonic()
    c.send(request(OP_RRQ, name, "octet", opts))
    acked_oack = False
    while time.monotonic() - t0 < seconds:
        p = c.recv(seconds - (time.monotonic() - t0))
        if p is None:
            break
        out("%.2f %s" % (time.monotonic() - t0, describe(p)))
        if p[:2] == b"\0\6" and not acked_oack:
            c.send(ack(0))
            acked_oack = True
        if p[:2] == b"\0\5":
            return 0
    c.send(error(0, "test done"))  # end the transfer if the server still runs it
    return 0


def cmd_putpart(a):
    c = Client(a.host, a.port, a.wait)
    c.send(request(OP_WRQ, a.args[0], "octet", []))
    p = c.recv()
    out(describe(p) if p is not None else "NONE")
    if p is None or p != ack(0):
        return 1
    c.send(struct.pack("!HH", OP_DATA, 1) + b"x" * 512)
    p = c.recv()
    out(describe(p) if p is not None else "NONE")
    c.send(error(0, "upload abandoned by test"))
    time.sleep(0.3)  # let the server read the ERROR
    return 0


def cmd_refuse(a):
    name, opts = a.args[0], a.args[1:]
    c = Client(a.host, a.port, a.wait)
    c.send(request(OP_RRQ, name, "octet", opts))
    p = c.recv()
    out(describe(p) if p is not None else "NONE")
    if p is None or p[:2] != b"\0\6":
        return 1
    c.send(error(8, "options refused by test"))
    p = c.recv()
    out("AFTER " + (describe(p) if p is not None else "NONE"))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--wait", type=float, default=2.0, help="seconds to wait for a reply")
    ap.add_argument("--mode", default="octet")
    ap.add_argument("--out")
    ap.add_argument("--wrq", action="store_true")
    ap.add_argument("--ready", type=float, default=0,
                    help="get: repeat the request for up to this many seconds (daemon starting)")
    ap.add_argument("--trailing", default="")
    ap.add_argument("--errmsg", default="test done")
    ap.add_argument("port", type=int)
    ap.add_argument("command", choices=["send", "rrq", "get", "dupack", "hold", "ignore",
                                        "putpart", "refuse"])
    ap.add_argument("args", nargs="*")
    a = ap.parse_args()
    return globals()["cmd_" + a.command](a)


if __name__ == "__main__":
    sys.exit(main())
