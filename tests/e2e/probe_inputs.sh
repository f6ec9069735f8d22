#!/bin/bash
# pebench probe with bad inputs: NaN/Inf are reported (a warning; an error with --strict), a
# hostile .npy header is refused naming the file and field (no crash, no huge allocation).
# usage: probe_inputs.sh <pebench> <dir>
set -u
EXE=$1 DIR=$2
rm -rf "$DIR"; mkdir -p "$DIR/in" "$DIR/bad"
fail() { echo "FAIL: $*"; exit 1; }
python3 - "$DIR" <<'PY' || fail "writing the inputs"
# .npy files written with the standard library alone (format 1.0, '<f4', C order).
import math, random, struct, sys
d = sys.argv[1]
def save(path, shape, values):
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % ", ".join(map(str, shape))
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        f.write(struct.pack("<%df" % len(values), *values))
random.seed(0)
n = 1 * 2 * 8 * 4
for name in "qkv":
    values = [random.gauss(0, 1) for _ in range(n)]
    save(f"{d}/bad/{name}.npy", (1, 2, 8, 4), values)
    if name == "q":
        values[1 * 32 + 3 * 4 + 2], values[5 * 4 + 1] = math.nan, math.inf
    save(f"{d}/in/{name}.npy", (1, 2, 8, 4), values)
# q.npy with a negative dimension in its header ("(1,2,-8,4)": no longer than the original).
raw = open(f"{d}/bad/q.npy", "rb").read()
open(f"{d}/bad/q.npy", "wb").write(raw.replace(b"(1, 2, 8, 4)", b"(1,2,-8,4) ", 1))
PY
out=$("$EXE" probe --encoding alibi --in "$DIR/in" --out "$DIR/out" 2>&1); rc=$?
[ $rc -eq 0 ] || fail "probe with NaN input exited $rc: $out"
echo "$out" | grep -q "warning: $DIR/in/q.npy: 1 NaN and 1 Inf of 64 values" || fail "NaN not reported: $out"
out=$("$EXE" probe --encoding alibi --in "$DIR/in" --out "$DIR/out" --strict 2>&1); rc=$?
[ $rc -eq 1 ] || fail "probe --strict with NaN input exited $rc: $out"
echo "$out" | grep -q "q.npy: 1 NaN and 1 Inf of 64 values (--strict)" || fail "no --strict error: $out"
out=$("$EXE" probe --encoding alibi --in "$DIR/bad" --out "$DIR/out2" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "a negative dimension exited $rc: $out"
echo "$out" | grep -q "$DIR/bad/q.npy: .npy shape: dimension -8 is negative" || fail "bad message: $out"
echo "PASS: NaN/Inf reported (warning, --strict error), a negative dimension refused naming file and field"
