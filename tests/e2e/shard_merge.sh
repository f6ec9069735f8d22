#!/bin/bash
# A suite run in 3 shards and merged gives the same tables as the suite run whole; merging a
# shard twice warns of duplicates; a missing shard's cases are listed (exit 2).
# usage: shard_merge.sh <pebench> <suite> <dir>
set -u
EXE=$1 SUITE=$2 DIR=$3
rm -rf "$DIR"
export OMP_WAIT_POLICY=PASSIVE
fail() { echo "FAIL: $*"; exit 1; }
"$EXE" run "$SUITE" --out "$DIR/whole" >/dev/null 2>&1 || fail "the unsharded run"
for i in 1 2 3; do
  "$EXE" run "$SUITE" --shard $i/3 --out "$DIR/shard$i" >/dev/null 2>&1 || fail "shard $i/3"
done
n1=$(wc -l <"$DIR/shard1/rows.jsonl") n2=$(wc -l <"$DIR/shard2/rows.jsonl") n3=$(wc -l <"$DIR/shard3/rows.jsonl")
echo "shards hold $n1 + $n2 + $n3 rows; the whole run $(wc -l <"$DIR/whole/rows.jsonl")"
"$EXE" merge "$DIR/shard1" "$DIR/shard2" "$DIR/shard3" --out "$DIR/merged" || fail "merge"
for t in table.md table.csv table.tex; do
  diff "$DIR/whole/$t" "$DIR/merged/$t" || fail "merged $t differs from the unsharded run's"
done
out=$("$EXE" merge "$DIR/shard1" "$DIR/shard1" "$DIR/shard2" --out "$DIR/dup" 2>&1); rc=$?
[ $rc -eq 2 ] || fail "a merge with shard 3 missing exited $rc, expected 2"
echo "$out" | grep -q "is in $DIR/shard1 and $DIR/shard1" || fail "no duplicate warning: $out"
echo "$out" | grep -q "missing $n3 of " || fail "the missing cases are not listed: $out"
out=$("$EXE" run "$SUITE" --shard 4/3 2>&1); [ $? -eq 1 ] || fail "--shard 4/3 accepted"
echo "$out" | grep -q "expected i/N with 1 <= i <= N" || fail "bad --shard message: $out"
# Two cases at once (--jobs 2): the same tables.
"$EXE" run "$SUITE" --jobs 2 --out "$DIR/jobs2" >/dev/null 2>&1 || fail "--jobs 2"
diff "$DIR/whole/table.md" "$DIR/jobs2/table.md" || fail "--jobs 2 gave other tables"
# The same rows twice (a file passed twice) are not pooled: the same tables, and a warning.
out=$("$EXE" tables "$DIR/whole/rows.jsonl" "$DIR/whole/rows.jsonl" --out "$DIR/twice" 2>&1)
echo "$out" | grep -q "recorded more than once" || fail "no duplicate warning from tables: $out"
diff "$DIR/whole/table.md" "$DIR/twice/table.md" || fail "tables pooled duplicated rows"
echo "PASS: 3 shards merged = the whole run (table.md, table.csv, table.tex) = --jobs 2"
