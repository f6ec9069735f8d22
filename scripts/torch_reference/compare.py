#!/usr/bin/python3
"""Compares pebench's attention (via `pebench probe`) with the PyTorch references.

    /usr/bin/python3 scripts/torch_reference/compare.py --pebench build/release/pebench [names...]

For each encoding (default: every one in encodings.ENCODINGS that pebench lists): random
q, k, v, dout (or x) -> `pebench probe` -> the same computation in float64 PyTorch with
autograd, starting from pebench's initial parameters. Prints the max abs and max relative
error of out, dq, dk, dv (dx), and every parameter gradient; exits 1 if any exceeds the
tolerance, 77 if torch is not installed (ctest reports it as skipped).
"""
import argparse
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import torch
except ImportError as e:  # pragma: no cover
    print(f"SKIPPED: {e} (install python3-torch: PEBENCH_WITH_TORCH=1 scripts/install-deps)")
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pe_references as refs  # noqa: E402

TOLERANCE = 2e-4
# Config variants checked besides each encoding's defaults ("name:k=v,...").
VARIANTS = [
    "sinusoidal:base=100", "sinusoidal:scale=1", "sinusoidal:learn_scale=true,scale=0.125",
    "rope:pairing=half", "rope:fraction=0.5,pairing=half", "rope:scaling=linear,factor=4",
    "rope:scaling=ntk,factor=4", "rope:scaling=yarn,factor=8,original_length=16",
    "xpos:scale_base=64",
    "t5:bidirectional=true", "t5:num_buckets=8,max_distance=16",
    "kerple:variant=power", "fire:init_length=8", "sandwich:dim=16",
    "learned:max_positions=64", "shaw:k=3", "shaw:values=false",
    "cope:init_std=0.5", "cope:init_std=0.5,npos_max=4", "cope:init_std=0.5,nodiv=true",
    "cope:init_std=0.5,gates=qk",
]  # max |pebench - torch| / (1 + max |torch|), float32 vs float64


# Stacks and large inputs ("name:params", input std), checked besides the variants.
STACKS_AND_LARGE_INPUTS = [
    ("cope+rope:cope.init_std=0.5", 1.0), ("cope+alibi:cope.init_std=0.5", 1.0),
    ("rope+shaw", 1.0), ("cope:init_std=0.5", 3.0), ("cope+rope:cope.init_std=0.5", 3.0),
    ("alibi", 3.0), ("shaw", 3.0),
    # CoPE's gates from q.k alone (the RAM code's "CoPE + relative") in stacks with a bias or
    # an earlier score, where the two conventions differ.
    ("cope+alibi:cope.init_std=0.5,cope.gates=qk", 1.0),
    ("shaw+cope:cope.init_std=0.5,cope.gates=qk", 3.0),
    ("shaw+cope:cope.init_std=0.5", 3.0),
]


def split_heads(x, H):
    B, T, D = x.shape
    return x.reshape(B, T, H, D // H).transpose(1, 2)


def error(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return np.abs(a - b).max() / (1 + np.abs(b).max()), np.abs(a - b).max()


def parse_params(text):
    cfg = {}
    for item in filter(None, text.split(",")):
        k, v = item.split("=", 1)
        cfg[k] = v
    return cfg


def reference(name, params, cfg, H, d):
    """The PyTorch encoding for a name, or for a stack "a+b" composed as
    harness/attention/encoding_stack.hpp does: embed and rotate in order, static biases
    summed, score hooks in order (each sees the logits the previous one left), mix terms
    summed. A part's parameters and config keys are "<part>.<key>"."""
    if "+" not in name:
        return refs.ENCODINGS[name](params, cfg, H, d)
    parts = []
    for part in name.split("+"):
        prefix = part + "."
        p = {k[len(prefix):]: v for k, v in params.items() if k.startswith(prefix)}
        c = {k[len(prefix):]: v for k, v in cfg.items() if k.startswith(prefix)}
        parts.append(refs.ENCODINGS[part](p, c, H, d))

    def chain(hook):
        fns = [getattr(e, hook) for e in parts if getattr(e, hook)]
        return fns

    embeds, rotates, biases, scores, mixes = (chain(h) for h in ("embed", "rotate", "bias", "score", "mix"))

    def embed(x, pos):
        for f in embeds:
            x = f(x, pos)
        return x

    def rotate(q, k, pos):
        for f in rotates:
            q, k = f(q, k, pos)
        return q, k

    def score(s, q, k, pos):
        for f in scores:
            s = f(s, q, k, pos)
        return s

    return refs.Encoding(
        embed=embed if embeds else None,
        rotate=rotate if rotates else None,
        bias=(lambda pos: sum(f(pos) for f in biases)) if biases else None,
        score=score if scores else None,
        mix=(lambda p, pos: sum(f(p, pos) for f in mixes)) if mixes else None)


def check(pebench, name, params_text, random_positions=0, B=2, H=4, T=37, d=8, seed=0,
          input_std=1.0):
    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = os.path.join(tmp, "in"), os.path.join(tmp, "out")
        os.makedirs(inp)
        q, k, v = (input_std * rng.standard_normal((B, H, T, d)).astype(np.float32) for _ in range(3))
        dout = rng.standard_normal((B, H, T, d)).astype(np.float32)
        x = (input_std * rng.standard_normal((B, T, H * d))).astype(np.float32)
        for n, a in dict(q=q, k=k, v=v, dout=dout, x=x).items():
            np.save(os.path.join(inp, f"{n}.npy"), a)
        cmd = [pebench, "probe", "--encoding", name, "--in", inp, "--out", out, "--heads", str(H),
               "--seed", "3", "--block-rows", "16"]
        if params_text:
            cmd += ["--params", params_text]
        if random_positions:
            cmd += ["--random-positions", str(random_positions)]
        subprocess.run(cmd, check=True, capture_output=True, text=True)
        files = set(os.listdir(out))
        embeds = "x_embedded.npy" in files
        params = {f[6:-4]: torch.tensor(np.load(os.path.join(out, f)), dtype=torch.float64, requires_grad=True)
                  for f in files if f.startswith("param.")}
        enc = reference(name, params, parse_params(params_text), H, d)
        pos = torch.tensor(np.load(os.path.join(out, "positions.npy")), dtype=torch.int64)
        t = {n: torch.tensor(a, dtype=torch.float64, requires_grad=True) for n, a in dict(q=q, k=k, v=v, x=x).items()}
        if embeds:
            xe = enc.embed(t["x"], pos)
            qq = kk = vv = split_heads(xe, H)
        else:
            qq, kk, vv = t["q"], t["k"], t["v"]
        o = refs.causal_attention(qq, kk, vv, pos, enc)
        (o * torch.tensor(dout, dtype=torch.float64)).sum().backward()

        pairs = [("out", o.detach())]
        if embeds:
            pairs += [("x_embedded", xe.detach()), ("dx", t["x"].grad)]
        else:
            pairs += [("dq", t["q"].grad), ("dk", t["k"].grad), ("dv", t["v"].grad)]
        pairs += [(f"grad.{p}", params[p].grad if params[p].grad is not None else torch.zeros_like(params[p]))
                  for p in sorted(params)]
        worst, lines = 0.0, []
        for label, ref in pairs:
            rel, ab = error(np.load(os.path.join(out, f"{label}.npy")), ref.numpy())
            worst = max(worst, rel)
            lines.append(f"{label} {ab:.2e}/{rel:.2e}")
    status = "PASSED" if worst <= TOLERANCE else "FAILED"
    label = name + (f"[{params_text}]" if params_text else "") + (
        f"@random<{random_positions}" if random_positions else "") + (
        f"@H={H}" if H != 4 else "") + (f"@std={input_std:g}" if input_std != 1.0 else "")
    print(f"{status} {label:<28} max abs/rel err: " + ", ".join(lines))
    return worst <= TOLERANCE


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pebench", required=True)
    ap.add_argument("cases", nargs="*", help="name or name:k=v,k2=v2 (default: all)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    listed = subprocess.run([args.pebench, "list"], capture_output=True, text=True, check=True).stdout
    found = {line.split()[0] for line in listed.splitlines()[1:] if line.strip()}
    cases = args.cases or (sorted(n for n in refs.ENCODINGS if n in found) +
                           [v for v in VARIANTS if v.partition(":")[0] in found])
    ok = True
    for c in cases:
        name, _, params_text = c.partition(":")
        ok &= check(args.pebench, name, params_text)
    # Randomized positions (a sorted random subset of [0, 512)) for every encoding's defaults:
    # catches hooks that assume positions 0..T-1.
    if not args.cases:
        for name in sorted(n for n in refs.ENCODINGS if n in found):
            ok &= check(args.pebench, name, "", random_positions=512)
        # Head counts that are not powers of two (ALiBi's slopes interleave two geometric series).
        if "alibi" in found:
            for heads in (6, 12):
                ok &= check(args.pebench, "alibi", "", H=heads)
        # Stacks (hooks composed in order) and inputs of std 3, so that CoPE's gates
        # sigmoid(q.k) spread over (0, 1) instead of sitting near 1/2.
        for case, std in STACKS_AND_LARGE_INPUTS:
            name, _, params_text = case.partition(":")
            if all(part in found for part in name.split("+")):
                ok &= check(args.pebench, name, params_text, input_std=std)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
