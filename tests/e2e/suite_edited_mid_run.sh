#!/usr/bin/env bash
# A case crosses to its child whole: editing (then deleting) the suite file while a run is
# going changes none of its later cases, every row carries the sha256 of the bytes the run
# started from, and the run directory holds those bytes (what the repro lines name).
#   suite_edited_mid_run.sh <pebench> <fixture suites dir> <scratch dir>
set -eu
exe=$1 suites=$2 out=$3
rm -rf "$out" && mkdir -p "$out"
suite="$out/edited.yaml"
cat >"$suite" <<'YAML'
kind: synthetic
encodings: [nope, alibi]
tasks:
  - {name: flip_flop, train_length: 16}
model: {layers: 1, d_model: 16, heads: 2}
training: {steps: 2000, batch: 4, warmup_steps: 2}
evaluation: {batches: 2, batch: 4}
seeds: [1, 2, 3]
threads: 1
YAML
original_sha=$(sha256sum "$suite" | cut -d' ' -f1)
"$exe" run "$suite" --out "$out/run" >"$out/run.log" 2>&1 &
pid=$!
for _ in $(seq 600); do  # until the first row exists
  [ -s "$out/run/rows.jsonl" ] && break
  sleep 0.1
done
[ -s "$out/run/rows.jsonl" ] || { echo "no row appeared"; cat "$out/run.log"; exit 1; }
done_before=$(wc -l <"$out/run/rows.jsonl")
# The later cases would change completely if the children re-read the file.
sed -i 's/steps: 2000/steps: 5/; s/seeds: \[1, 2, 3\]/seeds: [7]/; s/\[nope, alibi\]/[rope]/' "$suite"
sleep 0.5
rm -f "$suite"
if kill -0 $pid 2>/dev/null; then still_running=1; else still_running=0; fi
wait $pid || { echo "run failed"; cat "$out/run.log"; exit 1; }
# Otherwise the check below proves nothing.
[ "$still_running" = 1 ] && [ "$done_before" -lt 6 ] || {
  echo "the run ended before the suite was edited ($done_before rows): make its cases longer"; exit 1; }
rows="$out/run/rows.jsonl"
n=$(wc -l <"$rows")
[ "$n" = 6 ] || { echo "expected 6 rows (2 encodings x 3 seeds), got $n"; cat "$rows"; exit 1; }
[ "$(grep -c "\"suite_sha256\":\"$original_sha\"" "$rows")" = 6 ] || {
  echo "rows do not all carry the snapshot's sha256 $original_sha"; exit 1; }
grep -q '"encoding":"rope"\|"seed":7' "$rows" && { echo "a case from the edited file ran"; exit 1; }
[ "$(grep -c '"steps":2000,' "$rows")" = 6 ] || { echo "a case trained for other than 2000 steps"; exit 1; }
snapshot=$(ls "$out"/run/suite/*/edited.yaml)
[ "$(sha256sum "$snapshot" | cut -d' ' -f1)" = "$original_sha" ] || { echo "snapshot differs"; exit 1; }
grep -q "pebench run $snapshot --case" "$rows" || { echo "repro does not name the snapshot"; exit 1; }
echo "ok: edited after $done_before of 6 rows; 6 rows from the original suite (sha256 $original_sha), snapshot $snapshot"
