#!/usr/bin/python3
"""Copies a tuning database (tests only), setting every default-schedule record's time:
1000 s (slow) by default, or with a FACTOR the best tuned time of its workload times FACTOR.

usage: slow_defaults.py SRC DST [FACTOR]"""
import json
import sys

records = [json.loads(line) for line in open(sys.argv[1])]
factor = float(sys.argv[3]) if len(sys.argv) > 3 else None
best = {}
for r in records:
    if r["knobs"] and not r.get("error"):
        best[r["workload"]] = min(best.get(r["workload"], float("inf")), r["seconds"])
with open(sys.argv[2], "w") as dst:
    for record in records:
        if not record["knobs"]:
            seconds = 1000.0 if factor is None else best[record["workload"]] * factor
            record["seconds"], record["gflops"] = seconds, record["gflops"] * record["seconds"] / seconds
        dst.write(json.dumps(record) + "\n")
