#!/usr/bin/env python3
"""A deterministic W1 for instruction counts: RUNS runs x (start + 4 transitions), 200 runs per
transaction, with fixed times, through Python's sqlite3 (the same libsqlite3 as the library).
Fixed times make the stats buckets, and so the instruction count, the same on every run.

usage: trigger-workload.py LEDGER.db RUNS
"""
import sqlite3
import sys

db = sqlite3.connect(sys.argv[1], isolation_level=None)
runs = int(sys.argv[2])
path = ["RUNNING", "PENDING", "RUNNING", "COMPLETED"]
insert_run = "INSERT INTO runs (id, job, lifecycle, state, created_at) VALUES (?, ?, 'canonical', 'PENDING', ?)"
insert_change = "INSERT INTO state_changes (run_num, from_state, to_state, at) VALUES (?, ?, ?, ?)"
at = 1_700_000_000_000_000
db.execute("BEGIN IMMEDIATE")
for r in range(runs):
    at += 1000 + (r * 7919) % 50000
    num = db.execute(insert_run, (f"w1-{r:08d}", f"job-{r % 100}", at)).lastrowid
    state = "PENDING"
    for k, target in enumerate(path):
        at += 500 + (r * 104729 + k * 31) % 200000
        db.execute(insert_change, (num, state, target, at))
        state = target
    if r % 200 == 199:
        db.execute("COMMIT")
        db.execute("BEGIN IMMEDIATE")
db.execute("COMMIT")
