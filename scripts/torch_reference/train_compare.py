#!/usr/bin/python3
"""Replays a pebench training dump in PyTorch and compares the per-step losses.

    /usr/bin/python3 scripts/torch_reference/train_compare.py DIR [--tolerance 2e-4] [--float64]

DIR (written by pebench): config.json; init/<param>.npy float32 (names and (in, out) layout
in tiny_model.py); tokens.npy, targets.npy int32 (S, B, T); loss_mask.npy float32 (S, B, T);
losses.npy float32 (S,), pebench's loss of each step before its update. Builds tiny_model
from config.json and the initial weights, trains on the same batches with the same AdamW,
clipping and schedule, and prints step, pebench loss, torch loss, |diff|, then
max_abs_loss_diff=<x>.

Exit status: 0 if max |diff| <= --tolerance, 1 if not, 2 if DIR is malformed (the message
names the file: missing, unused or misshapen parameter, bad array), 77 if torch is missing.
Encodings: the parameter-free ones of tiny_model.SUPPORTED_ENCODINGS.
"""
import argparse
import json
import os
import sys

try:
    import numpy as np
    import torch
except ImportError as e:
    print(f"SKIPPED: cannot import torch ({e}); install python3-torch: PEBENCH_WITH_TORCH=1 scripts/install-deps")
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tiny_model as tm  # noqa: E402

# Both sides float32, ~20 steps: rounding differences (summation orders) grow through
# AdamW's normalised updates. Measured on make_fake_dump.py dumps (float64 losses), torch
# float32 is within 4e-6 at B=8, T=256, lr <= 3e-3 and within 1.3e-5 at lr 3e-3 over 40
# steps. The smallest effects of plausible bugs are ~1.3e-3 (weight decay on every
# parameter, or on none); a step-shifted schedule, missing clipping, other betas or a
# transposed weight give 1e-2 .. 1e-1. 2e-4 sits between the two with a margin on both
# sides. Not detectable from losses at all (< 2e-5): GELU erf vs tanh, AdamW's eps.
# Unstable training (loss spikes, e.g. lr 1e-2) amplifies rounding chaotically: there
# float32 and float64 torch alone differ by 0.25, and no tolerance is meaningful.
DEFAULT_TOLERANCE = 2e-4


class DumpError(Exception):
    pass


def load_array(directory, name, shape, dtype):
    path = os.path.join(directory, name + ".npy")
    if not os.path.isfile(path):
        raise DumpError(f"missing file: {path}")
    a = np.load(path)
    if a.shape != shape or a.dtype != dtype:
        raise DumpError(f"{path}: {a.dtype} {a.shape}, expected {np.dtype(dtype)} {shape}")
    return a


def load_dump(directory, dtype):
    """-> (model, train config, tokens, targets, mask, pebench losses); DumpError on bad input."""
    path = os.path.join(directory, "config.json")
    try:
        with open(path) as f:
            cfg = json.load(f)
        model_config, train_config = tm.configs_from_dump(cfg)
    except (OSError, json.JSONDecodeError, ValueError) as e:
        raise DumpError(f"{path}: {e}") from e
    except KeyError as e:
        raise DumpError(f"{path}: missing key(s) {e}") from e
    ignored = sorted(set(cfg) - set(tm.DUMP_KEYS) - {"batch", "seq_len", "encoding_params", "norm"})
    if ignored:
        print(f"note: {path}: keys not used by the torch side: {', '.join(ignored)}")

    model = tm.TinyLM(model_config, dtype=dtype)
    try:
        model.load_npy_dir(os.path.join(directory, "init"))
    except (OSError, ValueError) as e:
        raise DumpError(str(e)) from e

    if "batch" not in cfg or "seq_len" not in cfg:
        raise DumpError(f"{path}: missing key(s) batch, seq_len")
    S, B, T = cfg["steps"], cfg["batch"], cfg["seq_len"]
    tokens = load_array(directory, "tokens", (S, B, T), np.int32)
    targets = load_array(directory, "targets", (S, B, T), np.int32)
    mask = load_array(directory, "loss_mask", (S, B, T), np.float32)
    losses = load_array(directory, "losses", (S,), np.float32)
    for name, a in (("tokens", tokens), ("targets", targets)):
        if a.min() < 0 or a.max() >= model_config.vocab:
            raise DumpError(f"{os.path.join(directory, name)}.npy: values outside [0, {model_config.vocab})")
    empty = np.flatnonzero(mask.sum(axis=(1, 2)) == 0)
    if empty.size:
        raise DumpError(f"{os.path.join(directory, 'loss_mask.npy')}: no loss position at step(s) {empty.tolist()}")
    return model, train_config, tokens, targets, mask, losses


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE,
                    help=f"max |pebench - torch| loss over all steps (default {DEFAULT_TOLERANCE})")
    ap.add_argument("--float64", action="store_true", help="run the torch side in float64")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    try:
        model, train_config, tokens, targets, mask, losses = load_dump(
            args.dir, torch.float64 if args.float64 else torch.float32)
    except DumpError as e:
        print(f"ERROR: {e}", file=sys.stderr)
        sys.exit(2)

    trainer = tm.Trainer(model, train_config)
    diffs = []
    print(f"{'step':>4}  {'pebench':>12}  {'torch':>12}  {'|diff|':>10}")
    for t in range(len(losses)):
        ours = trainer.step(*(torch.from_numpy(a[t]) for a in (tokens, targets, mask)))
        diffs.append(abs(float(losses[t]) - ours))
        print(f"{t:>4}  {losses[t]:>12.6f}  {ours:>12.6f}  {diffs[-1]:>10.3e}")
    worst = float(np.max(diffs))  # NaN if either side produced one
    print(f"max_abs_loss_diff={worst:.3e}")
    ok = worst <= args.tolerance
    print(f"{'PASSED' if ok else 'FAILED'}: tolerance {args.tolerance:g} "
          f"(torch {'float64' if args.float64 else 'float32'}, {torch.__version__})")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
