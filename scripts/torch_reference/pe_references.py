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
    scale = float(cfg.get("scale", 0.02))  # pebench's default: plugins/sinusoidal
    if cfg.get("learn_scale", "false") == "true":
        scale = params["scale"][0]  # trainable (Hua et al. 2022's scaled sinusoidal)

    def embed(x, pos):
        D = x.shape[-1]
        i = torch.arange(D, dtype=torch.float64)
        inv_freq = base ** (-(i - i % 2) / D)
        angle = pos.double()[:, None] * inv_freq[None, :]
        E = torch.where(i % 2 == 0, torch.sin(angle), torch.cos(angle))
        return x + scale * E[None]

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
        # torchscale's exponents are min_pos + t for t = 0..T-1; with general positions the
        # exponent follows the position (any centre cancels in q.k: zeta^(e_m - e_n)).
        exponent = ((pos - pos[0]).double() + min_pos) / scale_base
        scale = zeta[None, :] ** exponent[:, None]  # (T, d/2)
        angle = pos.double()[:, None] * inv[None, :]
        def apply(x, s):
            a, b = x[..., 0::2], x[..., 1::2]
            c, sn = torch.cos(angle) * s, torch.sin(angle) * s
            return torch.stack([a * c - b * sn, b * c + a * sn], dim=-1).flatten(-2)
        return apply(q, scale), apply(k, 1 / scale)

    return Encoding(rotate=rotate)


def distances(pos):
    """(T, T) int64: pos_i - pos_j (query minus key)."""
    return pos[:, None] - pos[None, :]


# --- t5 (Raffel et al. 2020; HF T5Attention._relative_position_bucket) ------------------------
def t5_bucket(relative_position, bidirectional, num_buckets, max_distance):
    ret = torch.zeros_like(relative_position)
    if bidirectional:
        num_buckets //= 2
        ret += (relative_position > 0).long() * num_buckets
        n = relative_position.abs()
    else:
        n = -torch.min(relative_position, torch.zeros_like(relative_position))
    max_exact = num_buckets // 2
    is_small = n < max_exact
    large = max_exact + (torch.log(n.float().clamp(min=1) / max_exact) / math.log(max_distance / max_exact)
                         * (num_buckets - max_exact)).long()
    large = torch.min(large, torch.full_like(large, num_buckets - 1))
    return ret + torch.where(is_small, n, large)


def t5(params, cfg, H, d):
    table = params["relative_attention_bias"]  # (num_buckets, H)
    bidirectional = cfg.get("bidirectional", "false") == "true"
    nb, md = int(cfg.get("num_buckets", 32)), int(cfg.get("max_distance", 128))

    def bias(pos):
        buckets = t5_bucket(-distances(pos), bidirectional, nb, md)  # key - query
        return table[buckets].permute(2, 0, 1)

    return Encoding(bias=bias)


# --- kerple (Chi et al. 2022; chijames/KERPLE ParallelKerpleLog / ParallelKerplePower) --------
def kerple(params, cfg, H, d):
    r1, r2 = params["r1"], params["r2"]
    variant = cfg.get("variant", "log")

    def bias(pos):
        dist = distances(pos).abs().double()[None]
        a, p = r1[:, None, None], r2[:, None, None]
        if variant == "log":
            return -a * torch.log1p(p * dist)
        safe = torch.where(dist > 0, dist, torch.ones_like(dist))
        return torch.where(dist > 0, -a * torch.exp(p * torch.log(safe)), torch.zeros_like(dist * p))

    return Encoding(bias=bias)


# --- fire (Li et al. 2023, the paper's appendix code) ---------------------------------------
def fire(params, cfg, H, d):
    init_length = float(cfg.get("init_length", 512))
    w1, b1, w2, b2 = params["w1"], params["b1"], params["w2"], params["b2"]
    c, lm = params["c"], params["L_multiplier"]

    def psi(x):
        return torch.log(torch.abs(c * x) + 1)

    def bias(pos):
        rel = distances(pos).double()
        threshold = torch.abs(lm * init_length)
        normalizer = torch.maximum(pos.double()[:, None], threshold)
        x = psi(rel) / (psi(normalizer) + 1e-6)  # (T, T)
        hidden = torch.relu(x[..., None] * w1[:, 0] + b1)  # (T, T, width)
        return (hidden @ w2.T + b2).permute(2, 0, 1)

    return Encoding(bias=bias)


# --- sandwich (Chi et al. 2023; NeMo SandwichRelativePositionEmbedding) ----------------------
def sandwich(params, cfg, H, d):
    dim = int(cfg.get("dim", 128))
    k = torch.arange(1, dim // 2 + 1, dtype=torch.float64)

    def bias(pos):
        rel = distances(pos).double()
        kernel = torch.cos(rel[..., None] / 10000 ** (2 * k / dim)).sum(-1) - dim / 2
        scale = 8 * torch.arange(1, H + 1, dtype=torch.float64) / H
        return kernel[None] / scale[:, None, None]

    return Encoding(bias=bias)


# --- learned absolute (GPT-2 style) ----------------------------------------------------------
def learned(params, cfg, H, d):
    table = params["table"]  # (max_positions, D)
    return Encoding(embed=lambda x, pos: x + table[pos][None])


# --- shaw (Shaw et al. 2018), tables shared across heads, keys and values ---------------------
def shaw(params, cfg, H, d):
    k = int(cfg.get("k", 16))
    a_k = params["a_k"]  # (2k+1, d)
    a_v = params.get("a_v")
    values = cfg.get("values", "true") == "true"

    def index(pos):
        return (-distances(pos)).clamp(-k, k) + k  # clip(pos_j - pos_i) + k

    def score(s, q, kk, pos):
        rel = a_k[index(pos)]  # (T, T, d)
        return s + torch.einsum("bhid,ijd->bhij", q, rel) / math.sqrt(d)

    def mix(p, pos):
        return torch.einsum("bhij,ijd->bhid", p, a_v[index(pos)])

    return Encoding(score=score, mix=mix if values else None)


# --- cope (Golovneva et al. 2024; facebookresearch/RAM projects/cope) ------------------------
def cope(params, cfg, H, d):
    E = params["pos_emb"]  # (d, npos_max)
    npos = E.shape[1]
    c = 1.0 if cfg.get("nodiv", "false") == "true" else 1.0 / math.sqrt(d)
    gates_from = cfg.get("gates", "logits")

    def score(s, q, kk, pos):
        if gates_from == "qk":  # the reference's convention: q.k / sqrt(d) alone, masked -> 0
            u = (q @ kk.transpose(-1, -2)) / math.sqrt(d)
            gates = torch.sigmoid(u.masked_fill(torch.isinf(s), -math.inf))
        else:  # the logits as they reach the hook (biases, earlier parts' scores included)
            gates = torch.sigmoid(s)  # masked (-inf) -> 0
        p = gates.flip(-1).cumsum(-1).flip(-1).clamp(max=npos - 1)
        floor, ceil = p.floor().long(), p.ceil().long()
        z = (q @ E) * c  # (B,H,T,npos)
        w = p - floor
        return s + z.gather(-1, ceil) * w + z.gather(-1, floor) * (1 - w)

    return Encoding(score=score)


ENCODINGS = {
    "learned": learned,
    "shaw": shaw,
    "cope": cope,
    "t5": t5,
    "kerple": kerple,
    "fire": fire,
    "sandwich": sandwich,
    "rope": rope,
    "xpos": xpos,
    "nope": nope,
    "sinusoidal": sinusoidal,
    "alibi": alibi,
}
