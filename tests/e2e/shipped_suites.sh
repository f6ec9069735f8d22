#!/bin/bash
# Every suite shipped under suites/ (paper suites included) validates: its keys, its cases,
# each encoding created with its params, each case's estimate within its caps. A suite whose
# corpus is not installed (PEBENCH_WITH_CORPORA=1 scripts/install-deps) is reported, not
# failed: its error names the package to install.
set -uo pipefail
pebench=$1 source_dir=$2
failed=0 checked=0
while IFS= read -r suite; do
  if out=$("$pebench" validate "$suite" 2>&1); then
    echo "OK   $suite: $(head -1 <<<"$out" | grep -o '[0-9]* cases')"
    checked=$((checked + 1))
  elif grep -q "install it: apt-get install" <<<"$out"; then
    echo "SKIP $suite: corpus not installed"
  else
    echo "FAIL $suite:"
    echo "$out" | head -5
    failed=1
  fi
done < <(find "$source_dir/suites" -name '*.yaml' | sort)
[[ $checked -gt 5 ]] || { echo "only $checked suites validated"; failed=1; }
exit $failed
