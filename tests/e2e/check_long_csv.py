#!/usr/bin/env python3
"""Independent check of a table_long.csv against the rows.jsonl it came from (no pebench code):
every line's 95% CI recomputed from its n, mean and std with Student t quantiles from a
printed table; per metric, the pooled n and sum of values equal those of the rows (rows recorded
twice counted once, the later kept). Per-cell means, stds and medians are pinned by the golden
files (reviewed by hand when they were written), not by this script.
usage: check_long_csv.py <rows.jsonl> <table_long.csv>"""
import csv
import json
import math
import sys

# t_{0.975, dof} (two-sided 95%) for dof 1..30, from a printed table of Student's t.
T975 = dict(enumerate([12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622,
                       2.2281, 2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009,
                       2.0930, 2.0860, 2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518,
                       2.0484, 2.0452, 2.0423], start=1))

rows_path, long_path = sys.argv[1], sys.argv[2]
rows = {}
for line in open(rows_path, encoding="utf-8"):
    if line.strip():
        r = json.loads(line)
        rows[(r.get("suite"), r["case_id"], r["row_id"])] = r  # the later one wins
rows = list(rows.values())

# The values each metric pools, straight from the rows.
expected = {"error_rate_pct": [], "bits_per_byte": [], "ms_per_step": [], "held_bytes": [],
            "case_peak_bytes": [], "checks_passed": []}
for r in rows:
    passed = r["status"] == "PASSED"
    if r["kind"] == "synthetic" and passed and "error_rate" in r:
        expected["error_rate_pct"].append(100 * r["error_rate"])
    if r["kind"] == "extrapolation" and passed and "bits_per_byte" in r:
        expected["bits_per_byte"].append(r["bits_per_byte"])
    if r["kind"] == "speed" and passed and "median_ms" in r:
        expected["ms_per_step"] += r.get("repetition_ms", [])
    if r["kind"] == "memory" and passed and "held_bytes" in r and "case_peak_bytes" in r:
        expected["held_bytes"].append(r["held_bytes"])
        expected["case_peak_bytes"].append(r["case_peak_bytes"])
    if r["kind"] == "conformance" and "checks_passed" in r:
        expected["checks_passed"].append(r["checks_passed"])

pooled = {}
failures = 0
lines = list(csv.DictReader(open(long_path, encoding="utf-8")))
for line in lines:
    n = int(line["n"])
    metric = line["metric"]
    if n == 0:
        if not line["not_measured"]:
            print(f"FAIL: {line}: n=0 without a status"); failures += 1
        continue
    mean = float(line["mean"])
    cnt, total = pooled.get(metric, (0, 0.0))
    pooled[metric] = (cnt + n, total + n * mean)
    if n >= 2 and n - 1 not in T975:
        print(f"note: n={n}: no printed t quantile for {n - 1} dof, CI not checked")
    elif n >= 2:
        sd, lo, hi = float(line["std"]), float(line["ci_lo"]), float(line["ci_hi"])
        half = T975[n - 1] * sd / math.sqrt(n)
        if not (math.isclose(lo, mean - half, rel_tol=2e-4, abs_tol=1e-9 + 2e-4 * half) and
                math.isclose(hi, mean + half, rel_tol=2e-4, abs_tol=1e-9 + 2e-4 * half)):
            print(f"FAIL: CI of {line['row']} {line['column']} {metric}: [{lo}, {hi}], "
                  f"expected mean -/+ {half}"); failures += 1
    elif line["std"] or line["ci_lo"]:
        print(f"FAIL: n=1 with a std or CI: {line}"); failures += 1

for metric, values in expected.items():
    if not values and metric not in pooled:
        continue
    cnt, total = pooled.get(metric, (0, 0.0))
    if cnt != len(values) or not math.isclose(total, sum(values), rel_tol=1e-7, abs_tol=1e-9):
        print(f"FAIL: {metric}: the long CSV pools n={cnt} sum={total}, the rows n={len(values)} "
              f"sum={sum(values)}"); failures += 1
print(f"{'FAIL' if failures else 'OK'}: {len(lines)} lines of {long_path} checked against "
      f"{len(rows)} rows")
sys.exit(1 if failures else 0)
