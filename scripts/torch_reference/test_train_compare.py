#!/usr/bin/python3
"""Self-test of train_compare.py on dumps written by make_fake_dump.py (no pebench needed).

    /usr/bin/python3 scripts/torch_reference/test_train_compare.py

A clean dump must pass (float32 and --float64, several encodings); one perturbed loss or
initial weight must fail (exit 1); a missing, unused or misshapen parameter file and an
unsupported encoding must be refused (exit 2) with a message naming the file. Exit status
1 if any case does not behave so, 77 if torch is missing.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import torch  # noqa: F401  (only to skip where it is missing)
except ImportError as e:
    print(f"SKIPPED: cannot import torch ({e}); install python3-torch: PEBENCH_WITH_TORCH=1 scripts/install-deps")
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))


def script(name, *args):
    # One thread: the dumps are small, and OpenMP threads spinning on shared cores only slow down.
    return subprocess.run([sys.executable, os.path.join(HERE, name), *map(str, args)],
                          capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS="1"))


def edit_npy(path, fn):
    np.save(path, fn(np.load(path)))


def added(index, value):
    """a copy of the array with a[index] += value"""
    def fn(a):
        a = a.copy()
        a[index] += value
        return a
    return fn


def main():
    ok = True

    def expect(label, dump, rc, *args, says=""):
        nonlocal ok
        r = script("train_compare.py", dump, "--threads", 1, *args)
        out = r.stdout + r.stderr
        summary = [line for line in out.splitlines() if line.startswith(("max_abs", "ERROR"))]
        good = r.returncode == rc and says in out
        ok &= good
        print(f"{'PASSED' if good else 'FAILED'} {label:<44} rc={r.returncode} (want {rc}) "
              f"{summary[-1] if summary else out.strip()[-200:]}")

    with tempfile.TemporaryDirectory() as tmp:
        def dump(encoding):
            d = os.path.join(tmp, encoding)
            r = script("make_fake_dump.py", d, "--encoding", encoding)
            if r.returncode:
                sys.exit(f"make_fake_dump.py failed:\n{r.stdout}{r.stderr}")
            return d

        def variant(base, label, edit):
            d = os.path.join(tmp, label)
            shutil.copytree(base, d)
            edit(d)
            return d

        nope = dump("nope")
        expect("nope, float32", nope, 0)
        expect("nope, --float64", nope, 0, "--float64", "--tolerance", "1e-6")
        for encoding in ("sinusoidal", "alibi", "rope"):
            expect(f"{encoding}, float32", dump(encoding), 0)

        init = lambda d, name: os.path.join(d, "init", name + ".npy")  # noqa: E731

        expect("losses[10] += 1e-3 fails",
               variant(nope, "loss", lambda d: edit_npy(os.path.join(d, "losses.npy"), added(10, 1e-3))), 1)
        expect("init wte[0,0] += 0.1 fails",
               variant(nope, "weight", lambda d: edit_npy(init(d, "wte"), added((0, 0), 0.1))), 1)

        expect("init h0.attn.proj.weight transposed fails",
               variant(nope, "transposed", lambda d: edit_npy(init(d, "h0.attn.proj.weight"), lambda a: a.T)), 1)

        expect("missing parameter file refused", variant(nope, "missing", lambda d: os.remove(init(d, "lnf.bias"))),
               2, says="lnf.bias.npy")
        expect("unused parameter file refused",
               variant(nope, "extra", lambda d: shutil.copy(init(d, "lnf.bias"), init(d, "h2.ln1.bias"))),
               2, says="h2.ln1.bias.npy")
        expect("misshapen parameter file refused",
               variant(nope, "shape", lambda d: edit_npy(init(d, "h1.mlp.fc.weight"), lambda a: a[:, :-1])),
               2, says="h1.mlp.fc.weight.npy")

        def learned(d):
            path = os.path.join(d, "config.json")
            with open(path) as f:
                cfg = json.load(f)
            with open(path, "w") as f:
                json.dump(dict(cfg, encoding="learned"), f)
        expect("unsupported encoding refused", variant(nope, "learned", learned), 2, says="not supported")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
