#!/usr/bin/python3
"""PyTorch's train and inference throughput on pebench's tiny transformer (tiny_model.py).

    /usr/bin/python3 scripts/torch_reference/model_bench.py --batch 8 --seq-len 256 \
        --layers 2 --d-model 128 --heads 4 --vocab 256 --threads 2 --steps 20 --warmup-steps 3

Random byte tokens, every position in the loss. A train step is the full step of the
trainer (forward, loss, backward, clip, AdamW); an inference step is the same forward with
its loss under torch.no_grad(). --warmup-steps untimed steps come first, then --steps
timed ones. Prints, median over the timed steps:

    TORCH_TRAIN tokens_per_s=<f> step_ms_median=<f> steps=<n> threads=<n> torch=<version>
    TORCH_INFER tokens_per_s=<f> step_ms_median=<f> steps=<n> threads=<n> torch=<version>

Exit status 77 if torch cannot be imported.
"""
import argparse
import os
import statistics
import sys
import time

try:
    import torch
except ImportError as e:
    print(f"SKIPPED: cannot import torch ({e}); install python3-torch: PEBENCH_WITH_TORCH=1 scripts/install-deps")
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tiny_model as tm  # noqa: E402


def timed_median_ms(fn, batches, warmup):
    """Runs fn on each batch; median wall time in ms over all but the first `warmup`."""
    times = []
    for i, batch in enumerate(batches):
        t0 = time.perf_counter()
        fn(*batch)
        if i >= warmup:
            times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq-len", type=int, default=256)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--d-model", type=int, default=128)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--vocab", type=int, default=256)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=20, help="timed steps (each of train and inference)")
    ap.add_argument("--warmup-steps", type=int, default=3, help="untimed steps before them")
    ap.add_argument("--encoding", default="nope", choices=tm.SUPPORTED_ENCODINGS)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if args.steps < 1:
        ap.error("--steps must be >= 1")

    torch.set_num_threads(args.threads)
    model = tm.TinyLM(tm.ModelConfig(vocab=args.vocab, d_model=args.d_model, heads=args.heads,
                                     layers=args.layers, encoding=args.encoding))
    model.init_random(args.seed)
    n = args.warmup_steps + args.steps
    trainer = tm.Trainer(model, tm.TrainConfig(lr=3e-4, total_steps=n, warmup_steps=min(3, n),
                                               schedule="cosine", min_lr_ratio=0.1))
    g = torch.Generator().manual_seed(args.seed)
    shape = (args.batch, args.seq_len)
    # Random byte stream per step: targets are the next byte of the inputs.
    streams = [torch.randint(0, args.vocab, (args.batch, args.seq_len + 1), generator=g) for _ in range(n)]
    batches = [(s[:, :-1], s[:, 1:], torch.ones(shape)) for s in streams]

    def infer(tokens, targets, mask):
        with torch.no_grad():
            model.loss(tokens, targets, mask)

    tokens_per_step = args.batch * args.seq_len
    common = f"steps={args.steps} threads={torch.get_num_threads()} torch={torch.__version__}"
    for label, fn in (("TORCH_TRAIN", trainer.step), ("TORCH_INFER", infer)):
        ms = timed_median_ms(fn, batches, args.warmup_steps)
        print(f"{label} tokens_per_s={tokens_per_step / ms * 1e3:.1f} step_ms_median={ms:.3f} {common}",
              flush=True)


if __name__ == "__main__":
    main()
