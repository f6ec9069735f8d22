#!/usr/bin/env bash
# pebench's exit statuses (README, "Exit status"): 0 all passed, 1 usage or harness error,
# 2 some cases did not pass, 3 nothing ran.
#   exit_codes.sh <pebench> <fixture suites dir> <broken plugins dir> <scratch dir>
set -u
exe=$1 suites=$2 broken=$3 out=$4
rm -rf "$out" && mkdir -p "$out"
fails=0
expect() {  # expect <status> <what> <regex the output must match> <args...>
  local want=$1 what=$2 regex=$3
  shift 3
  "$exe" "$@" >"$out/last.log" 2>&1
  local got=$?
  if [ "$got" != "$want" ] || ! grep -Eq -- "$regex" "$out/last.log"; then
    echo "FAIL: $what: exit $got, expected $want and output matching /$regex/ ($*)"
    sed 's/^/    /' "$out/last.log" | tail -5
    fails=$((fails + 1))
  else
    echo "ok: $what: exit $got"
  fi
}
expect 0 "help" "Subcommands:" --help
expect 1 "an unknown option (CLI11)" "no-such-option" --no-such-option
expect 1 "a subcommand without its argument (CLI11)" "suite is required" run
expect 1 "a bad suite" "bad_kind.yaml:1:7: unknown kind" validate "$suites/bad_kind.yaml"
expect 1 "a missing suite file" "no_such_file.yaml: cannot read suite file" run "$suites/no_such_file.yaml"
expect 1 "tables of a file that is not rows" "bad_kind.yaml:[0-9]+: not JSON" tables "$suites/bad_kind.yaml" --out "$out/t"
expect 3 "a --filter matching no case" "nothing to run: .*no case matches 'zzz\\*'" run "$suites/with_broken.yaml" --filter 'zzz*' --out "$out/r3"
expect 3 "a --case naming no case (in this process)" "no case 'nope/seed=9' \\(did you mean 'nope/seed=3'" run "$suites/with_broken.yaml" --case nope/seed=9
expect 3 "validate with a --filter matching none" "nothing to run" validate "$suites/with_broken.yaml" --filter 'zzz*'
expect 0 "check-plugin that passes" "^PASSED: " check-plugin nope
expect 2 "check-plugin that fails" "^FAILED: " --plugin-path "$broken" check-plugin broken_wrong_gradient
expect 2 "check-plugin of an encoding that does not exist" "LOAD_ERROR .*no encoding named 'no_such_encoding'" check-plugin no_such_encoding
expect 0 "a suite whose cases all pass" "1 of 1 cases passed" run "$suites/with_broken.yaml" --filter 'nope/*' --out "$out/r0"
expect 2 "a suite with a failing case" "0 of 1 cases passed" --plugin-path "$broken" run "$suites/with_broken.yaml" \
  --filter 'broken_wrong_gradient/*' --out "$out/r2"
[ $fails = 0 ] || { echo "$fails exit status(es) wrong"; exit 1; }
