#!/bin/bash
# Golden-file test of every table format: `pebench tables` on the committed rows of each kind
# (tests/fixtures/tables/<kind>/rows.jsonl, made by real runs of the tiny fixture suites)
# must write exactly the committed table.md, table.csv, table.tex and table_long.csv, and
# check_long_csv.py recomputes the long CSV's statistics from the rows.
# After an intended change of the tables: scripts/update-golden-tables, and review the diff.
# usage: golden_tables.sh <pebench> <fixtures/tables> <dir>
set -u
EXE=$1 GOLDEN=$2 DIR=$3
rm -rf "$DIR"
failed=0 checked=0
for kind_dir in "$GOLDEN"/*/; do
  kind=$(basename "$kind_dir")
  if ! "$EXE" tables "$kind_dir/rows.jsonl" --out "$DIR/$kind" >"$DIR.$kind.log" 2>&1; then
    echo "FAIL: pebench tables on $kind_dir/rows.jsonl:"; cat "$DIR.$kind.log"; failed=1; continue
  fi
  for f in table.md table.csv table.tex table_long.csv; do
    if [ ! -f "$kind_dir/expected/$f" ]; then echo "FAIL: no golden $kind/expected/$f"; failed=1; continue; fi
    diff -u "$kind_dir/expected/$f" "$DIR/$kind/$f" || { echo "FAIL: $kind/$f differs from the golden file"; failed=1; }
    checked=$((checked + 1))
  done
  # The numbers themselves, recomputed from the rows by an independent script.
  python3 "$(dirname "$0")/check_long_csv.py" "$kind_dir/rows.jsonl" "$DIR/$kind/table_long.csv" || failed=1
done
[ $checked -ge 20 ] || { echo "FAIL: only $checked golden files checked"; exit 1; }
[ $failed -eq 0 ] && echo "PASS: $checked golden table files equal"
exit $failed
