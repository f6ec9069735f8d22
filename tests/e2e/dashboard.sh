#!/bin/bash
# pebench dashboard: two nights (the golden speed rows given 9 repetitions each, since 3 a
# side can never be significant at 0.05, then the same with alibi 30% slower)
# give a page with the regression marked, which headless Chromium renders without a script
# error (the page's script sets data-ok="1" at its end; window.onerror sets data-error); a
# screenshot is saved. Without chromium (scripts/install-deps with PEBENCH_WITH_CHROMIUM=1)
# the test says so and is skipped (exit 77).
# usage: dashboard.sh <pebench> <golden speed rows> <dir>
set -u
EXE=$1 ROWS=$2 DIR=$3
rm -rf "$DIR"; mkdir -p "$DIR/root/night1" "$DIR/root/night2"
fail() { echo "FAIL: $*"; exit 1; }
python3 - "$ROWS" "$DIR/root" <<'PY' || fail "making the nights"
import json, sys
for night, slower in (("night1", 1.0), ("night2", 1.3)):
    with open(f"{sys.argv[2]}/{night}/rows.jsonl", "w") as out:
        for line in open(sys.argv[1]):
            r = json.loads(line)
            if night == "night2":
                r["run_id"] = "20991231T000000Z-night2"  # later than night 1
            if r.get("median_ms"):
                factor = slower if r["encoding"] == "alibi" else 1.0
                r["median_ms"] *= factor
                r["repetition_ms"] = [r["median_ms"] * (1 + 0.01 * k) for k in range(-4, 5)]
            out.write(json.dumps(r) + "\n")
PY
out=$("$EXE" dashboard "$DIR/root" --out "$DIR/site" 2>&1) || fail "dashboard: $out"
echo "$out"
echo "$out" | grep -qE "dashboard: 2 runs, [0-9]+ series, [1-9][0-9]* regressions marked" || fail "no regression marked: $out"
grep -q 'class="regression"' "$DIR/site/index.html" || fail "no red point in the page"
grep -q 'alibi/attention_fwd_bwd/T=64/B=1/H=2/d=8' "$DIR/site/index.html" || fail "alibi's series is missing"
grep -q 'href="../root/night2/rows.jsonl"' "$DIR/site/index.html" || fail "no link to night 2's rows"
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then echo "SKIP: no chromium (PEBENCH_WITH_CHROMIUM=1 scripts/install-deps)"; exit 77; fi
flags="--headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run"
dom=$(timeout 120 "$browser" $flags --dump-dom "file://$(realpath "$DIR/site/index.html")" 2>/dev/null)
echo "$dom" | grep -q '<body data-ok="1"' || fail "the page's script did not finish: $(echo "$dom" | grep -o '<body[^>]*>')"
echo "$dom" | grep -q 'data-error=' && fail "a script error: $(echo "$dom" | grep -o '<body[^>]*>')"
echo "$dom" | grep -q '[0-9]* of [0-9]* shown' || fail "the filter script did not run"
timeout 120 "$browser" $flags --window-size=1300,1600 --screenshot="$DIR/dashboard.png" \
  "file://$(realpath "$DIR/site/index.html")" >/dev/null 2>&1
[ -s "$DIR/dashboard.png" ] || fail "no screenshot"
echo "PASS: dashboard rendered by $("$browser" --version 2>/dev/null | head -1), regression marked, screenshot $DIR/dashboard.png"
