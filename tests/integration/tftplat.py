#!/usr/bin/env python3
"""tftplat.py - TFTP request latency on loopback, for tests and benchmarks.

    tftplat.py PORT NAME [--count N] [--seconds S] [--until-file F] [--host H]
               [--samples FILE]

Downloads NAME again and again, one at a time (plain RFC 1350, 512-byte
blocks), each from a new socket, and times each from the RRQ to the last
DATA. Stops after N downloads, after S seconds, or once file F exists,
whichever comes first (always bounded). Prints one line:

    n=N fail=F median_ms=M p99_ms=P max_ms=X

A download that gets no DATA within 1 s, or an ERROR, is a failure.
--samples FILE also writes each download as "START LATENCY_MS" (START: wall
clock, seconds since 1970; LATENCY_MS "fail" for a failure), so a benchmark
can take the ones that started within a window.
"""
import argparse
import os
import socket
import struct
import time


def download(host, port, name):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1.0)
    try:
        t0 = time.monotonic()
        s.sendto(b"\x00\x01" + name.encode() + b"\x00octet\x00", (host, port))
        want = 1
        while True:
            data, peer = s.recvfrom(65536)
            op, blk = struct.unpack("!HH", data[:4])
            if op != 3:
                return None
            if blk == want:
                s.sendto(struct.pack("!HH", 4, blk), peer)
                want += 1
                if len(data) - 4 < 512:
                    return time.monotonic() - t0
    except (socket.timeout, OSError):
        return None
    finally:
        s.close()


def pct(v, p):
    if not v:
        return float("nan")
    return v[min(len(v) - 1, int(round(p * (len(v) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("name")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--until-file")
    ap.add_argument("--samples")
    a = ap.parse_args()
    lat, fail = [], 0
    out = open(a.samples, "w") if a.samples else None
    end = time.monotonic() + a.seconds
    for _ in range(a.count):
        if time.monotonic() > end or (a.until_file and os.path.exists(a.until_file)):
            break
        start = time.time()
        t = download(a.host, a.port, a.name)
        if t is None:
            fail += 1
        else:
            lat.append(t * 1000)
        if out:
            out.write("%.6f %s\n" % (start, "fail" if t is None else "%.3f" % (t * 1000)))
    if out:
        out.close()
    lat.sort()
    print("n=%d fail=%d median_ms=%.2f p99_ms=%.2f max_ms=%.2f"
          % (len(lat), fail, pct(lat, 0.5), pct(lat, 0.99), lat[-1] if lat else float("nan")))


if __name__ == "__main__":
    main()
