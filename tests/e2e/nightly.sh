#!/bin/bash
# scripts/nightly twice with a small suite into a private results root: the second night is
# compared with the first (compare-previous.md, no regression on a conformance suite), a
# baseline is used when present, a night that died before writing rows is passed over, and
# the dashboard is written.
# usage: nightly.sh <pebench> <suite> <dir>
set -u
EXE=$1 SUITE=$2 DIR=$3
rm -rf "$DIR"; mkdir -p "$DIR"
fail() { echo "FAIL: $*"; exit 1; }
repo=$(cd "$(dirname "$0")/../.." && pwd)
export PEBENCH="$EXE" PEBENCH_MACHINE_ID=test-machine
"$repo/scripts/nightly" --suite "$SUITE" --root "$DIR" >"$DIR/night1.log" 2>&1 || fail "night 1: $(tail -5 "$DIR/night1.log")"
nights=("$DIR"/test-machine/2*/)
[ ${#nights[@]} -eq 1 ] || fail "expected one night folder, got ${#nights[@]}"
mkdir -p "$DIR/baselines/test-machine" "$DIR/test-machine/29991231T000000Z-died"
cp "${nights[0]}/rows.jsonl" "$DIR/baselines/test-machine/rows.jsonl"
sleep 1  # the next night's folder name (its UTC second) must differ
"$repo/scripts/nightly" --suite "$SUITE" --root "$DIR" >"$DIR/night2.log" 2>&1 || fail "night 2: $(tail -5 "$DIR/night2.log")"
cat "$DIR/night2.log" | grep "^nightly:"
grep -q "previous ${nights[0]%/}" "$DIR/night2.log" || fail "night 2 was not compared with night 1"
grep -q "against the previous .*no regression" "$DIR/night2.log" || fail "no comparison with the previous night"
grep -q "against the baseline .*no regression" "$DIR/night2.log" || fail "no comparison with the baseline"
ls "$DIR"/test-machine/*/compare-previous.md >/dev/null 2>&1 || fail "no compare-previous.md"
[ -f "$DIR/test-machine/dashboard/index.html" ] || fail "no dashboard"
grep -q "dashboard: 2 runs" "$DIR/night2.log" || fail "the dashboard does not show 2 runs"
echo "PASS: two nights compared with each other and with the baseline, dashboard written"
