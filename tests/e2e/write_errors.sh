#!/bin/bash
# A run whose rows.jsonl hits a file-size limit (RLIMIT_FSIZE, as a full disk would stop it):
# a clear error naming the file and a non-zero exit, and the rows written before are intact
# (no torn line). usage: write_errors.sh <pebench> <suite> <dir>
set -u
EXE=$1 SUITE=$2 DIR=$3
rm -rf "$DIR"
export OMP_WAIT_POLICY=PASSIVE
out=$( (ulimit -f 12; "$EXE" run "$SUITE" --out "$DIR") 2>&1 )
rc=$?
echo "$out" | tail -3
[ $rc -ne 0 ] || { echo "FAIL: exit 0 with rows.jsonl over its size limit"; exit 1; }
echo "$out" | grep -q "cannot write a row to $DIR/rows.jsonl: File too large" ||
  { echo "FAIL: the error does not name the file and the reason"; exit 1; }
/usr/bin/python3 - "$DIR/rows.jsonl" <<'PY' || exit 1
import json, sys
text = open(sys.argv[1]).read()
assert text == "" or text.endswith("\n"), "a torn last line"
rows = [json.loads(l) for l in text.splitlines()]
assert rows, "no row kept"
print(f"PASS: exit status non-zero, {len(rows)} whole rows kept")
PY
