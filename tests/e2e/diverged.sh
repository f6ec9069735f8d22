#!/bin/bash
# A NaN/Inf loss or gradient ends its case as DIVERGED naming the step, never as a row of
# NaNs; a NaN that appears at evaluation only ends it as FAILED naming the length; the
# other cases are unaffected (nope has the numbers of a run without the broken cases).
# Cases: tests/fixtures/suites/diverged.yaml, fixture tests/fixtures/broken/nan_after_step.cpp.
# usage: diverged.sh <pebench> <suite> <broken plugins dir> <dir>
set -u
EXE=$1 SUITE=$2 BROKEN=$3 DIR=$4
rm -rf "$DIR" && mkdir -p "$DIR"
export OMP_WAIT_POLICY=PASSIVE
fail() { echo "FAIL: $*"; exit 1; }
"$EXE" --plugin-path "$BROKEN" run "$SUITE" --out "$DIR/all" >"$DIR/all.log" 2>&1
rc=$?
[ -s "$DIR/all/rows.jsonl" ] || { cat "$DIR/all.log"; fail "no rows (exit $rc)"; }
bad=0  # the rows are checked below either way: they say which case went wrong
[ $rc = 2 ] || { echo "FAIL: a suite with diverged cases must exit 2 (some cases did not pass), got $rc"; bad=1; }
grep -q "2 of 7 cases passed" "$DIR/all.log" || { echo "FAIL: not '2 of 7 cases passed':"; tail -1 "$DIR/all.log"; bad=1; }
"$EXE" --plugin-path "$BROKEN" run "$SUITE" --filter '*/nope/*' --out "$DIR/nope" >"$DIR/nope.log" 2>&1 ||
  { cat "$DIR/nope.log"; fail "the nope cases alone"; }
/usr/bin/python3 - "$DIR/all" "$DIR/nope" "$bad" <<'PY' || exit 1
import json, math, sys

all_dir, nope_dir, bad = sys.argv[1:4]

def reject(token):  # NaN, Infinity, -Infinity: not JSON, and a row must never hold them
    raise ValueError(f"a number written as {token}")

def rows(d):
    with open(f"{d}/rows.jsonl") as f:
        return {r["row_id"]: r for r in (json.loads(l, parse_constant=reject) for l in f)}

rows_all = rows(all_dir)
problems = []
def check(ok, what):
    if not ok:
        problems.append(what)

SYN = "synthetic/broken_nan_after_step[{}]/flip_flop/seed=1/{}"
EXT = "extrapolation/broken_nan_after_step[{}]/fixture/L=16/seed=1/L={}/windows"
# Measurements of either kind: absent (or null) in a row that did not pass.
MEASURED = ["error_rate", "answers", "wrong", "eval_loss", "train_loss_first",
            "train_loss_last10", "steps", "train_seconds", "train_tokens_per_s", "loss",
            "bits_per_byte", "perplexity", "scored", "windows", "position_bits"]
expected = {}  # row id -> (status, exact error)
for split in ("id", "long"):
    expected[SYN.format("after_steps=7", split)] = (
        "DIVERGED", "gradient norm is nan at step 7 (0-based, of 20: 7 steps done)")
    expected[SYN.format("after_steps=12,inject=forward", split)] = (
        "DIVERGED", "loss is nan at step 12 (0-based, of 20: 12 steps done)")
    expected[SYN.format("after_steps=20,inject=forward", split)] = (
        "FAILED", "evaluation loss is nan at length {} (training was finite)".format(
            16 if split == "id" else 32))
for length in (16, 32):
    expected[EXT.format("after_steps=5,infinite=true,inject=forward", length)] = (
        "DIVERGED", "loss is nan at step 5 (0-based, of 10: 5 steps done)")
    expected[EXT.format("after_steps=3,infinite=true", length)] = (
        "DIVERGED", "gradient norm is inf at step 3 (0-based, of 10: 3 steps done)")
nope = [i for i in rows_all if "/nope/" in i]
check(len(rows_all) == len(expected) + 4 and len(nope) == 4,
      f"{len(rows_all)} rows, {len(nope)} of nope: expected {len(expected) + 4}, 4 of nope")
for row_id, (status, error) in expected.items():
    r = rows_all.get(row_id)
    if r is None:
        check(False, f"no row {row_id}")
        continue
    check(r["status"] == status, f"{row_id}: status {r['status']}, expected {status}")
    check(r.get("error") == error, f"{row_id}: error {r.get('error')!r}, expected {error!r}")
    if status == "DIVERGED":  # training did not finish: nothing was measured
        held = [k for k in MEASURED if r.get(k) not in (None, [])]
    else:  # trained (steps and train losses stand), the evaluation is not a measurement
        held = [k for k in ("error_rate", "answers", "wrong", "eval_loss") if r.get(k) is not None]
        check(r.get("steps") == 20, f"{row_id}: steps {r.get('steps')}, expected 20")
    check(not held, f"{row_id}: {status} row holds measurements {held}")

# nope passes with finite numbers, the same bits as in a run without the broken cases.
rows_nope = rows(nope_dir)
check(sorted(rows_nope) == sorted(nope), f"nope alone: rows {sorted(rows_nope)}")
for row_id in nope:
    r, alone = rows_all[row_id], rows_nope.get(row_id, {})
    check(r["status"] == "PASSED", f"{row_id}: status {r['status']}")
    keys = (["error_rate", "eval_loss"] if r["kind"] == "synthetic" else ["loss", "bits_per_byte"])
    keys += ["train_loss_first", "train_loss_last10"]
    for k in keys:
        v = r.get(k)
        check(isinstance(v, (int, float)) and math.isfinite(v), f"{row_id}: {k} = {v!r}")
        check(v == alone.get(k), f"{row_id}: {k} = {v!r} beside the broken cases, {alone.get(k)!r} alone")

# The tables: every cell of a broken encoding names its status; nope's hold numbers.
cells = {}
with open(f"{all_dir}/table.md") as f:
    for line in f:
        parts = [p.strip() for p in line.strip().strip("|").split("|")]
        if line.startswith("| nope ") or line.startswith("| broken_nan_after_step"):
            cells.setdefault(parts[0], []).append(parts[1:])
want = {"broken_nan_after_step[after_steps=7]": "DIVERGED",
        "broken_nan_after_step[after_steps=12,inject=forward]": "DIVERGED",
        "broken_nan_after_step[after_steps=20,inject=forward]": "FAILED",
        "broken_nan_after_step[after_steps=5,infinite=true,inject=forward]": "DIVERGED",
        "broken_nan_after_step[after_steps=3,infinite=true]": "DIVERGED"}
for enc, status in want.items():
    lines = cells.get(enc, [])
    check(len(lines) == 1, f"table.md: {len(lines)} lines of {enc}")
    values = [c for line in lines for c in line if c != "windows"]  # extrapolation: protocol
    check(values and all(c == status for c in values), f"table.md: {enc}: {values}, expected {status}")
check(len(cells.get("nope", [])) == 2, "table.md: nope is not in both tables")
for line in cells.get("nope", []):
    values = [c for c in line if c != "windows"]
    check(values and all(c[:1].isdigit() or c.startswith("**") for c in values),
          f"table.md: nope: {values}")

if problems:
    print("FAIL:\n  " + "\n  ".join(problems))
if problems or bad != "0":
    sys.exit(1)
print("PASS: DIVERGED at the fixture's step (gradient and loss, synthetic and extrapolation), "
      "FAILED at evaluation, no NaN in any row, nope unaffected;",
      "; ".join(sorted({f"{r['status']}: {r['error']}" for r in rows_all.values() if r.get("error")})))
PY
