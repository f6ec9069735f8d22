"""Independent PyTorch (float64) implementations of each encoding's attention.

Written from the papers and their reference code, not from pebench's C++. Each encoding
is a function that builds the pieces the shared causal attention uses:

    embed(x, pos)              -> x + E(pos)                    (B,T,D)
    rotate(q, k, pos)          -> q', k'                        (B,H,T,d)
    bias(pos)                  -> (H,T,T) added to the scaled logits
    score(s, q, k, pos)        -> s' (logits after the hook; s masked with -inf)
    mix(p, pos)                -> added to P V                  (B,H,T,d)

`params` are torch tensors loaded from pebench's param.<name>.npy (requires_grad=True).
To add an encoding: write a function returning an Encoding and register it in ENCODINGS.
"""
import math
from dataclasses import dataclass
from typing import Callable, Optional

import torch


@dataclass
class Encoding:
    embed: Optional[Callable] = None
    rotate: Optional[Callable] = None
    bias: Optional[Callable] = None
    score: Optional[Callable] = None
    mix: Optional[Callable] = None


def causal_attention(q, k, v, pos, enc: Encoding):
    """q, k, v: (B,H,T,d) float64. Scale 1/sqrt(d), causal mask, hooks in pebench's order."""
    if enc.rotate:
        q, k = enc.rotate(q, k, pos)
    d, T = q.shape[-1], q.shape[2]
    s = q @ k.transpose(-1, -2) / math.sqrt(d)
    if enc.bias:
        s = s + enc.bias(pos)
    mask = torch.ones(T, T, dtype=torch.bool).tril()
    s = s.masked_fill(~mask, float("-inf"))
    if enc.score:
        s = enc.score(s, q, k, pos)
    p = torch.softmax(s, dim=-1)
    o = p @ v
    if enc.mix:
        o = o + enc.mix(p, pos)
    return o


# --- nope -------------------------------------------------------------------------------
def nope(params, cfg, H, d):
    return Encoding()


# --- sinusoidal (Vaswani et al. 2017, 3.5) --------------------------------------------------
def sinusoidal(params, cfg, H, d):
    base = float(cfg.get("base", 10000.0))

    def embed(x, pos):
        D = x.shape[-1]
        i = torch.arange(D, dtype=torch.float64)
        inv_freq = base ** (-(i - i % 2) / D)
        angle = pos.double()[:, None] * inv_freq[None, :]
        E = torch.where(i % 2 == 0, torch.sin(angle), torch.cos(angle))
        return x + E[None]

    return Encoding(embed=embed)


# --- alibi (Press et al. 2022; slopes per ofirpress/attention_with_linear_biases) -----------
def alibi_slopes(n):
    def power_of_2(n):
        start = 2 ** (-(2 ** -(math.log2(n) - 3)))
        return [start * start**i for i in range(n)]

    if math.log2(n).is_integer():
        return power_of_2(n)
    closest = 2 ** math.floor(math.log2(n))
    return power_of_2(closest) + alibi_slopes(2 * closest)[0::2][: n - closest]


def alibi(params, cfg, H, d):
    m = torch.tensor(alibi_slopes(H), dtype=torch.float64)

    def bias(pos):
        rel = pos[:, None] - pos[None, :]  # i - j
        return -m[:, None, None] * rel[None].double()

    return Encoding(bias=bias)


ENCODINGS = {
    "nope": nope,
    "sinusoidal": sinusoidal,
    "alibi": alibi,
}
