#!/bin/bash
# A training case killed mid-way (SIGKILL to the run) and resumed goes on from its last
# training checkpoint and ends with exactly the losses and errors of an uninterrupted run
# (same thread count). usage: train_resume.sh <pebench> <suite> <dir>
set -u
EXE=$1 SUITE=$2 DIR=$3
rm -rf "$DIR"
export OMP_WAIT_POLICY=PASSIVE
fail() { echo "FAIL: $*"; exit 1; }
"$EXE" run "$SUITE" --out "$DIR/whole" --checkpoint-every 500 >/dev/null 2>&1 || fail "the uninterrupted run"
"$EXE" run "$SUITE" --out "$DIR/killed" --checkpoint-every 500 >/dev/null 2>&1 &
pid=$!
for i in $(seq 1 200); do  # until a checkpoint is there, then a little more
  ls "$DIR/killed/checkpoints/"*.ckpt >/dev/null 2>&1 && break
  sleep 0.05
done
sleep 0.7
kill -9 $pid 2>/dev/null || fail "the run ended before it could be killed"
wait $pid 2>/dev/null
[ ! -s "$DIR/killed/rows.jsonl" ] || fail "the case finished before the kill"
"$EXE" run --resume "$DIR/killed" >"$DIR/resume.log" 2>&1 || { cat "$DIR/resume.log"; fail "resume"; }
grep -h "resumed from step" "$DIR/killed/logs/"*.log || fail "the case did not go on from a checkpoint"
/usr/bin/python3 - "$DIR/whole/rows.jsonl" "$DIR/killed/rows.jsonl" <<'PY' || exit 1
import json, sys
a, b = (json.loads(open(f).readline()) for f in sys.argv[1:3])
keys = ["error_rate", "wrong", "answers", "eval_loss", "train_loss_first", "train_loss_last10", "steps"]
diff = {k: (a.get(k), b.get(k)) for k in keys if a.get(k) != b.get(k)}
assert not diff, f"resumed run differs: {diff}"
print("PASS: resumed = uninterrupted, bit for bit:", {k: a[k] for k in keys})
PY
