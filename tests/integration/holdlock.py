#!/usr/bin/env python3
"""holdlock.py DB SECONDS READY RELEASED - hold the state file's write lock.

Opens DB as another process would (the CLI), takes the write lock with
BEGIN IMMEDIATE, touches READY, holds it SECONDS, writes the wall-clock time
(seconds since 1970, before COMMIT) to RELEASED and commits. Bounded: it
waits at most 5 s for the lock itself.
"""
import sqlite3
import sys
import time

db, secs, ready, released = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
c = sqlite3.connect(db, timeout=5, isolation_level=None)
c.execute("BEGIN IMMEDIATE")
open(ready, "w").close()
time.sleep(secs)
with open(released + ".tmp", "w") as f:
    f.write("%.6f\n" % time.time())
c.execute("COMMIT")
c.close()
import os
os.rename(released + ".tmp", released)
