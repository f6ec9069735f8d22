#!/bin/bash
# A run killed with SIGKILL at random moments (at least 10 times) and resumed each time: no
# case process outlives its killed parent, and in the end every case is recorded exactly once.
# usage: kill_and_resume.sh <pebench> <suite> <dir>
set -u
EXE=$1 SUITE=$2 DIR=$3
rm -rf "$DIR"
export OMP_WAIT_POLICY=PASSIVE
cases=$("$EXE" validate "$SUITE" | grep -c '^  ')
kills=0 round=0
while [ $kills -lt 10 ] && [ $round -lt 40 ]; do
  round=$((round + 1))
  if [ -f "$DIR/rows.jsonl" ]; then args=(run --resume "$DIR"); else args=(run "$SUITE" --out "$DIR"); fi
  "$EXE" "${args[@]}" >"$DIR.round$round.log" 2>&1 &
  pid=$!
  delay=$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 0.2 + 2.8 * r / 32767 }')
  sleep "$delay"
  if kill -9 $pid 2>/dev/null; then
    kills=$((kills + 1))
    wait $pid 2>/dev/null
    sleep 0.5
    # Children die with their parent (PR_SET_PDEATHSIG); a zombie is dead already.
    alive=$(pgrep -f "run-case $DIR/logs" | while read p; do
              [ "$(ps -o stat= -p $p 2>/dev/null | cut -c1)" != Z ] && echo $p; done)
    if [ -n "$alive" ]; then echo "FAIL: orphaned case processes after kill $kills: $alive"; exit 1; fi
    echo "kill $kills after ${delay}s: $(wc -l <"$DIR/rows.jsonl" 2>/dev/null || echo 0) rows"
  else
    wait $pid
    echo "round $round finished before its kill (${delay}s)"
    rm -rf "$DIR"  # it ran through: start again, so that ten kills land mid-run
  fi
done
[ $kills -ge 10 ] || { echo "FAIL: only $kills kills landed"; exit 1; }
"$EXE" run --resume "$DIR" >"$DIR.final.log" 2>&1 || { cat "$DIR.final.log"; echo "FAIL: the last resume"; exit 1; }
/usr/bin/python3 - "$DIR/rows.jsonl" "$cases" <<'PY'
import collections, json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
per_row = collections.Counter((r["case_id"], r["row_id"]) for r in rows)
cases = {r["case_id"] for r in rows}
twice = [k for k, n in per_row.items() if n > 1]
assert not twice, f"recorded twice: {twice}"
assert len(cases) == int(sys.argv[2]), f"{len(cases)} cases recorded, {sys.argv[2]} expected"
assert all(r["status"] == "PASSED" for r in rows), [r["status"] for r in rows]
assert all(r.get("case_version") for r in rows), "a row without case_version"
print(f"PASS: {len(rows)} rows, {len(cases)} cases, each once")
PY
