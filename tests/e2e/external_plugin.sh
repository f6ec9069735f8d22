#!/usr/bin/env bash
# Installs the SDK from the build, builds tests/fixtures/external_plugin and a
# `pebench new-encoding` skeleton as their own CMake projects against it, loads
# both with --plugin-path and runs check-plugin on them.
#   external_plugin.sh <source dir> <build dir> <work dir>
set -euo pipefail
src="$1"; build="$2"; work="$3"
rm -rf "$work"; mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" >/dev/null
pebench="$work/prefix/bin/pebench"
test -f "$work/prefix/include/pebench/pebench.hpp"
test -f "$work/prefix/lib/cmake/pebench/pebenchConfig.cmake"

# 1. The committed external fixture.
cmake -S "$src/tests/fixtures/external_plugin" -B "$work/external" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/external" >/dev/null
"$pebench" --plugin-path "$work/external" list | grep -q '^external_linear_bias '
"$pebench" --plugin-path "$work/external" check-plugin external_linear_bias --params scale=0.25 | tee "$work/external.log"
grep -q '^PASSED: ' "$work/external.log"

# 2. A fresh skeleton from new-encoding builds and passes as a no-op encoding.
"$pebench" new-encoding my_encoding --dir "$work/my_encoding"
cmake -S "$work/my_encoding" -B "$work/my_encoding/build" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/my_encoding/build" >/dev/null
"$pebench" --plugin-path "$work/my_encoding/build" check-plugin my_encoding | tee "$work/skeleton.log"
grep -q '^PASSED: ' "$work/skeleton.log"
# The installed binary finds the installed plugins without --plugin-path.
"$pebench" list | grep -q '^alibi '
echo "external plugin and skeleton: OK"
