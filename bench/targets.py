#!/usr/bin/env python3
"""targets.py results.csv - the issue's targets for phoneboot against the peers
measured in the same run (medians over reps): server CPU per MB and wall time at
200 clients, peak RSS, one client with blksize 1428 + windowsize 8 against
atftpd, and the boot storm (every phone served, no UDP drop, wall <= 0.5 s)."""
import csv
import statistics
import sys
from collections import defaultdict

rows = list(csv.DictReader(open(sys.argv[1])))
by = defaultdict(list)
for r in rows:
    by[(r["server"], r["point"])].append(r)


def med(server, point, key):
    xs = [float(r[key]) for r in by.get((server, point), []) if r[key] not in ("", None)]
    return statistics.median(xs) if xs else float("nan")


def ms_per_mb(server, point):
    rs = by.get((server, point), [])
    vals = [1000.0 * float(r["srv_cpu_s"]) / (float(r["MBps"]) * float(r["wall_s"]))
            for r in rs if r["MBps"] and float(r["MBps"]) > 0]
    return statistics.median(vals) if vals else float("nan")


servers = sorted({s for s, _ in by})
# "phoneboot-epoll" and the like are phoneboot too, not peers
peers = [s for s in servers if not s.startswith("phoneboot")]
out = []
ok = True


def line(name, value, target, good):
    global ok
    ok = ok and good
    out.append(f"| {name} | {value} | {target} | {'yes' if good else 'NO'} |")


pt = "c200_b512"
pb_cpu = ms_per_mb("phoneboot", pt)
best_cpu_peer = min(peers, key=lambda s: ms_per_mb(s, pt))
best_cpu = ms_per_mb(best_cpu_peer, pt)
line("200 clients: server CPU per MB", f"{pb_cpu:.2f} ms/MB ({best_cpu_peer}: {best_cpu:.2f}, ratio {pb_cpu / best_cpu:.2f})",
     "at most half the best peer's", pb_cpu <= best_cpu / 2)
best_wall_peer = min(peers, key=lambda s: med(s, pt, "wall_s"))
pb_wall, best_wall = med("phoneboot", pt, "wall_s"), med(best_wall_peer, pt, "wall_s")
line("200 clients: wall time", f"{pb_wall:.2f} s ({best_wall_peer}: {best_wall:.2f}, ratio {pb_wall / best_wall:.2f})",
     "no worse than the best peer's", pb_wall <= best_wall)
rss = med("phoneboot", pt, "peak_rss_kb")
line("200 clients: peak RSS", f"{rss / 1024:.1f} MB", "under 8 MB", rss < 8 * 1024)
pt = "c1_b1428_w8"
pb_mbps, at_mbps = med("phoneboot", pt, "MBps"), med("atftpd", pt, "MBps")
line("1 client, blksize 1428, windowsize 8", f"{pb_mbps:.1f} MB/s (atftpd: {at_mbps:.1f}, ratio {pb_mbps / at_mbps:.2f})",
     "at least 1.5x atftpd's", pb_mbps >= 1.5 * at_mbps)
pt = "c1000_boot"
rs = by.get(("phoneboot", pt), [])
fails = sum(int(r["failures"] or 0) for r in rs)
drops = sum(int(r["udp_drops"] or 0) for r in rs)
wall = med("phoneboot", pt, "wall_s")
peer_walls = ", ".join(f"{s} {med(s, pt, 'wall_s'):.2f} s" for s in peers)
line("boot storm: phones not served", f"{fails} over {len(rs)} runs", "0", fails == 0)
line("boot storm: UDP datagrams dropped", f"{drops} over {len(rs)} runs", "0", drops == 0)
line("boot storm: wall time", f"{wall:.3f} s (peers: {peer_walls})", "at most 0.5 s", wall <= 0.5)
print("| target | phoneboot (median) | wanted | met |")
print("|---|---|---|---|")
print("\n".join(out))
sys.exit(0 if ok else 1)
