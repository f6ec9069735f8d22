#!/usr/bin/python3
"""Writes a train_compare.py input directory from tiny_model itself (a stand-in for pebench).

    /usr/bin/python3 scripts/torch_reference/make_fake_dump.py DIR [--encoding rope] [--steps 20]

Layout (pebench's): config.json; init/<param>.npy float32 (GPT-2 init); tokens.npy and
targets.npy int32 (S, B, T), bytes of a random Markov chain and their next bytes; loss_mask.npy
float32 (S, B, T), about 80% ones; losses.npy float32 (S,): the loss of each step before
its update, trained in float64 from the float32 initial weights.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tiny_model as tm  # noqa: E402


def markov_batches(rng, S, B, T, symbols=32, successors=4):
    """Learnable bytes (so that the losses move): a random Markov chain over `symbols` bytes
    in which each byte has `successors` equally likely next bytes. -> tokens, targets."""
    alphabet = rng.choice(256, symbols, replace=False)
    next_index = rng.integers(0, symbols, (symbols, successors))
    chain = np.empty((S, B, T + 1), np.int64)
    chain[..., 0] = rng.integers(0, symbols, (S, B))
    for t in range(T):
        chain[..., t + 1] = next_index[chain[..., t], rng.integers(0, successors, (S, B))]
    stream = alphabet[chain].astype(np.int32)
    return stream[..., :-1], stream[..., 1:]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--encoding", default="nope", choices=tm.SUPPORTED_ENCODINGS)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--seq-len", type=int, default=64)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--d-model", type=int, default=128)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--schedule", default="cosine", choices=("linear", "cosine", "constant"))
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    S, B, T, V = args.steps, args.batch, args.seq_len, 256
    config = {"vocab": V, "d_model": args.d_model, "heads": args.heads, "layers": args.layers,
              "mlp_hidden": 4 * args.d_model, "batch": B, "seq_len": T, "steps": S,
              "lr": args.lr, "warmup_steps": 3, "schedule": args.schedule, "min_lr_ratio": 0.1,
              "beta1": 0.9, "beta2": 0.95, "eps": 1e-8, "weight_decay": 0.1, "grad_clip": 1.0,
              "encoding": args.encoding, "encoding_params": {}}
    os.makedirs(args.dir, exist_ok=True)
    with open(os.path.join(args.dir, "config.json"), "w") as f:
        json.dump(config, f, indent=1)

    model_config, train_config = tm.configs_from_dump(config)
    init = os.path.join(args.dir, "init")
    model32 = tm.TinyLM(model_config)
    model32.init_random(args.seed)
    model32.save_npy_dir(init)

    rng = np.random.default_rng(args.seed)
    tokens, targets = markov_batches(rng, S, B, T)
    mask = (rng.random((S, B, T)) < 0.8).astype(np.float32)
    mask[..., -1] = 1  # no row without a loss position

    model = tm.TinyLM(model_config, dtype=torch.float64)
    model.load_npy_dir(init)  # the float32 weights, exactly
    trainer = tm.Trainer(model, train_config)
    losses = [trainer.step(torch.from_numpy(tokens[t]), torch.from_numpy(targets[t]),
                           torch.from_numpy(mask[t])) for t in range(S)]
    for name, a in dict(tokens=tokens, targets=targets, loss_mask=mask,
                        losses=np.array(losses, np.float32)).items():
        np.save(os.path.join(args.dir, name + ".npy"), np.ascontiguousarray(a))
    print(f"wrote {args.dir}: {S} steps, loss {losses[0]:.4f} -> {losses[-1]:.4f}")


if __name__ == "__main__":
    main()
