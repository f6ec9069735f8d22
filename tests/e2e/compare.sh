#!/bin/bash
# pebench compare end to end: the same code twice is no regression (exit 0); a plugin made
# 25% slower is caught (worse, exit 4), one made 2% slower is not; a newly failing case and a
# significantly worse error rate are regressions; a missing row is listed.
# usage: compare.sh <pebench> <suite> <fixture_plugins/slow> <golden synthetic rows> <dir>
set -u
EXE=$1 SUITE=$2 SLOW=$3 SYNTHETIC=$4 DIR=$5
rm -rf "$DIR"; mkdir -p "$DIR"
export OMP_WAIT_POLICY=PASSIVE
fail() { echo "FAIL: $*"; exit 1; }
for run in base:0 same:0 slow25:25 slow2:2; do
  name=${run%%:*} percent=${run##*:}
  "$EXE" --plugin-path "$SLOW/$percent" run "$SUITE" --out "$DIR/$name" >"$DIR/$name.log" 2>&1 ||
    fail "the $name run: $(tail -3 "$DIR/$name.log")"
done
compare() {  # compare <base> <new> <expected exit>
  out=$("$EXE" compare "$1" "$2" 2>&1); rc=$?
  [ $rc -eq "$3" ] || fail "compare $1 $2 exited $rc, expected $3:
$out"
}
# Absolute times follow the machine: in a busy ctest run, whole runs moved by 12-15% between
# two runs 5 s apart (every encoding slower, sometimes nope too), and ms_per_step is then
# rightly flagged. time_vs_nope, measured against nope in the same run, does not move with
# the machine: the A/A pair and the 2% plugin must never flag it. (The false-alarm rate of
# ms_per_step on a quiet machine is what scripts/compare-aa measures: docs/nightly.md.)
aa_check() {  # aa_check <what>
  echo "$out" | grep -q "^| worse | .* | time_vs_nope |" && fail "$1 flagged time_vs_nope: $out"
  echo "$out" | grep -q "^| better | .* | time_vs_nope |" && fail "$1 flagged time_vs_nope: $out"
  echo "$out" | grep -q "^| newly failing |" && fail "$1: a newly failing case: $out"
  if echo "$out" | grep -q "^| \(worse\|better\) | .* | ms_per_step |"; then
    echo "note: $1: absolute times moved with the machine:"
    echo "$out" | grep "^| \(worse\|better\) | .* | ms_per_step |"
  fi
  return 0
}
out=$("$EXE" compare "$DIR/base" "$DIR/same" 2>&1); rc=$?
[ $rc -eq 0 ] || [ $rc -eq 4 ] || fail "A/A compare exited $rc: $out"
aa_check "A/A"
compare "$DIR/base" "$DIR/slow25" 4
echo "$out" | grep -q "^| worse | speed | slowed/attention_fwd_bwd/T=512/B=1/H=4/d=32 | time_vs_nope |" ||
  fail "25% slower not caught relative to nope: $out"
echo "$out" | grep "^| worse | .* | time_vs_nope |" | grep -qv "slowed/" && fail "a case other than slowed flagged: $out"
echo "$out" | grep "time_vs_nope" | grep "slowed/" | head -2
out=$("$EXE" compare "$DIR/base" "$DIR/slow2" 2>&1); rc=$?
[ $rc -eq 0 ] || [ $rc -eq 4 ] || fail "compare with the 2% plugin exited $rc: $out"
aa_check "2% slower"
# A case that fails now: newly failing (exit 4). A row gone: missing.
sed 's/"status":"PASSED"/"status":"FAILED","error":"injected"/' "$DIR/base/rows.jsonl" | head -1 >"$DIR/failing.jsonl"
tail -n +2 "$DIR/base/rows.jsonl" | head -n -1 >>"$DIR/failing.jsonl"
compare "$DIR/base" "$DIR/failing.jsonl" 4
echo "$out" | grep -q "^| newly failing | speed | nope/attention_fwd_bwd/T=256" || fail "no newly failing: $out"
echo "$out" | grep -q "^| missing | speed |" || fail "the dropped row is not missing: $out"
# Another machine: absolute times are not comparable, the time relative to nope still is. A
# changed spec (another case under the same id): not comparable. No row in common: an error.
# (Both made from the base run's own rows, so that no timing noise enters.)
python3 - "$DIR/base/rows.jsonl" "$DIR" <<'PY' || fail "editing the speed rows"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
with open(f"{sys.argv[2]}/other_machine.jsonl", "w") as out:
    for r in rows:
        out.write(json.dumps(dict(r, cpu_model="Other CPU")) + "\n")
with open(f"{sys.argv[2]}/other_spec.jsonl", "w") as out:
    for i, r in enumerate(rows):
        out.write(json.dumps(dict(r, spec_sha256="0" * 64) if i == 0 else r) + "\n")
PY
compare "$DIR/base" "$DIR/other_machine.jsonl" 0
echo "$out" | grep -q "^| not comparable | speed | alibi/attention_fwd_bwd/T=256/B=1/H=4/d=32 | ms_per_step | .*other machine" ||
  fail "times from another CPU compared: $out"
echo "$out" | grep -q "time_vs_nope.*not comparable" && fail "time_vs_nope not compared across machines: $out"
compare "$DIR/base" "$DIR/other_spec.jsonl" 0
echo "$out" | grep -q "^| not comparable | speed | nope/attention_fwd_bwd/T=256/B=1/H=4/d=32 | status | .*spec differs" ||
  fail "a changed spec was compared: $out"
compare "$DIR/base" "$SYNTHETIC" 1
echo "$out" | grep -q "share no row id" || fail "runs with nothing in common: $out"
# Error rates over 3 seeds (alibi's rows of the golden synthetic run, given 2000 answers
# and ~10% errors): one more wrong answer is no change; 5 points more is a regression.
python3 - "$SYNTHETIC" "$DIR" <<'PY' || fail "editing the synthetic rows"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for name, extra in (("base", 0), ("one_more", 1), ("worse", 100)):
    with open(f"{sys.argv[2]}/synthetic_{name}.jsonl", "w") as out:
        for r in rows:
            if r["encoding"] == "alibi" and r["status"] == "PASSED":
                r = dict(r, answers=2000, wrong=200 + 3 * r["seed"] + extra)
                r["error_rate"] = r["wrong"] / r["answers"]
            out.write(json.dumps(r) + "\n")
PY
compare "$DIR/synthetic_base.jsonl" "$DIR/synthetic_one_more.jsonl" 0
compare "$DIR/synthetic_base.jsonl" "$DIR/synthetic_worse.jsonl" 4
echo "$out" | grep -q "^| worse | synthetic | alibi/flip_flop/seed=\*/id | error_rate_pct | 10.3 | 15.3 |" ||
  fail "5 points more errors not flagged: $out"
echo "PASS: A/A clean, 25% slower caught, 2% not flagged, newly failing and worse error rates caught"
