#!/bin/bash
# pebench trains a few steps (dump-training); the PyTorch twin repeats the run from the
# same weights and batches and the per-step losses must agree (train_compare.py).
# Exit 77 (skipped) where torch is missing.
set -euo pipefail
pebench=$1 source_dir=$2 out=$3
/usr/bin/python3 -c "import torch" 2>/dev/null || { echo "SKIPPED: no python3-torch"; exit 77; }
for run in nope alibi rope sinusoidal alibi:post rope:post; do
  encoding=${run%%:*} norm=pre
  [[ $run == *:post ]] && norm=post
  rm -rf "${out:?}/$run"
  "$pebench" --threads 2 dump-training --out "$out/$run" --encoding "$encoding" --norm "$norm" \
    --steps 20 --batch 4 --seq-len 32 --d-model 64 --heads 4 --lr 3e-3 --warmup-steps 5
  /usr/bin/python3 "$source_dir/scripts/torch_reference/train_compare.py" "$out/$run" | tail -2
done
