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


# --- rope (Su et al. 2021) with PI / NTK / YaRN (HF _compute_*_rope_parameters) -------------
def rope_inv_freq_and_gain(cfg, d):
    theta = float(cfg.get("theta", 10000.0))
    r = int(d * float(cfg.get("fraction", 1.0)) + 1e-9)
    r -= r % 2
    scaling = cfg.get("scaling", "none")
    s = float(cfg.get("factor", 1.0))
    i = torch.arange(r // 2, dtype=torch.float64)
    base = theta * s ** (r / (r - 2)) if scaling == "ntk" else theta
    inv = base ** (-2 * i / r)
    gain = 1.0
    if scaling == "linear":
        inv = inv / s
    elif scaling == "yarn":
        L = float(cfg.get("original_length", 256))
        beta_fast, beta_slow = float(cfg.get("beta_fast", 32)), float(cfg.get("beta_slow", 1))

        def correction_dim(rotations):  # HF find_correction_dim
            return r * math.log(L / (rotations * 2 * math.pi)) / (2 * math.log(theta))

        low = max(math.floor(correction_dim(beta_fast)), 0)
        high = min(math.ceil(correction_dim(beta_slow)), r - 1)
        if low == high:
            high += 0.001
        ramp = ((i - low) / (high - low)).clamp(0, 1)  # HF linear_ramp_factor
        extrapolation = 1 - ramp
        inv = (inv / s) * (1 - extrapolation) + inv * extrapolation
        gain = 0.1 * math.log(s) + 1.0 if s > 1 else 1.0
    return inv, gain, r


def rotate_pairs(x, angle, gain, r, pairing):
    """x (B,H,T,d); angle (T, r/2). Rotates the first r dims by pairs."""
    if pairing == "half":
        a, b = x[..., : r // 2], x[..., r // 2 : r]
    else:
        a, b = x[..., 0:r:2], x[..., 1:r:2]
    cos, sin = gain * torch.cos(angle), gain * torch.sin(angle)
    ra, rb = a * cos - b * sin, b * cos + a * sin
    if pairing == "half":
        rotated = torch.cat([ra, rb], dim=-1)
    else:
        rotated = torch.stack([ra, rb], dim=-1).flatten(-2)
    return torch.cat([rotated, x[..., r:]], dim=-1)


def rope(params, cfg, H, d):
    inv, gain, r = rope_inv_freq_and_gain(cfg, d)
    pairing = cfg.get("pairing", "interleaved")

    def rotate(q, k, pos):
        angle = pos.double()[:, None] * inv[None, :]
        return rotate_pairs(q, angle, gain, r, pairing), rotate_pairs(k, angle, gain, r, pairing)

    return Encoding(rotate=rotate)


# --- xpos (Sun et al. 2023; torchscale XPOS, centred exponents) ------------------------------
def xpos(params, cfg, H, d):
    theta = float(cfg.get("theta", 10000.0))
    scale_base = float(cfg.get("scale_base", 512))
    zeta = (torch.arange(0, d, 2, dtype=torch.float64) + 0.4 * d) / (1.4 * d)
    inv = theta ** (-torch.arange(0, d // 2, dtype=torch.float64) / (d // 2))

    def rotate(q, k, pos):
        T = pos.shape[0]
        min_pos = -T // 2  # torchscale: -(length + offset) // 2 (floor division)
        exponent = torch.arange(min_pos, min_pos + T, dtype=torch.float64) / scale_base
        scale = zeta[None, :] ** exponent[:, None]  # (T, d/2)
        angle = pos.double()[:, None] * inv[None, :]
        def apply(x, s):
            a, b = x[..., 0::2], x[..., 1::2]
            c, sn = torch.cos(angle) * s, torch.sin(angle) * s
            return torch.stack([a * c - b * sn, b * c + a * sn], dim=-1).flatten(-2)
        return apply(q, scale), apply(k, 1 / scale)

    return Encoding(rotate=rotate)


ENCODINGS = {
    "rope": rope,
    "xpos": xpos,
    "nope": nope,
    "sinusoidal": sinusoidal,
    "alibi": alibi,
}
