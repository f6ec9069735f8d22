"""The tiny decoder-only transformer of pebench's trainer, in PyTorch (a reference, CLI-free).

Same model, parameter names and layouts, optimizer, clipping and LR schedule as pebench's
C++ trainer, so that both can start from identical weights and be compared step by step
(train_compare.py) or timed on identical work (model_bench.py).

    model = TinyLM(ModelConfig(vocab=256, d_model=128, heads=4, layers=2))
    model.init_random(seed=0)            # or model.load_npy_dir(DIR)
    trainer = Trainer(model, TrainConfig(lr=1e-3, total_steps=20, warmup_steps=3))
    loss = trainer.step(tokens, targets, loss_mask)   # loss before this step's update

Layout: every Linear weight is stored as pebench stores it, (in, out) with y = x @ W + b,
the transpose of torch.nn.Linear.weight. qkv's output columns are [q | k | v], head h using
columns h*d .. (h+1)*d of each (d = D/H).

Encodings: the attention hooks come from pe_references (float64 math, results cast to the
model's dtype). Only parameter-free encodings are supported here (SUPPORTED_ENCODINGS): a
learned encoding's parameter names and layer scope would have to be agreed with pebench.
"""
import math
import os
from dataclasses import dataclass, field
from typing import Dict

import numpy as np
import torch
import torch.nn.functional as F

import pe_references as refs

# Parameter-free encodings of pe_references: the same tables in every layer, nothing to load.
SUPPORTED_ENCODINGS = ("nope", "sinusoidal", "alibi", "rope", "xpos", "sandwich")
LN_EPS = 1e-5
INIT_STD = 0.02


@dataclass
class ModelConfig:
    vocab: int
    d_model: int
    heads: int
    layers: int
    mlp_hidden: int = 0  # 0: 4 * d_model
    norm: str = "pre"  # pre: GPT-2 blocks and lnf; post: x = LN(x + f(x)), no lnf
    encoding: str = "nope"
    encoding_params: Dict[str, object] = field(default_factory=dict)  # values as in --params

    def __post_init__(self):
        if not self.mlp_hidden:
            self.mlp_hidden = 4 * self.d_model
        if self.d_model % self.heads:
            raise ValueError(f"d_model {self.d_model} is not divisible by heads {self.heads}")
        if self.encoding not in SUPPORTED_ENCODINGS:
            raise ValueError(f"encoding '{self.encoding}' is not supported by tiny_model "
                             f"(supported: {', '.join(SUPPORTED_ENCODINGS)})")


@dataclass
class TrainConfig:
    lr: float
    total_steps: int
    warmup_steps: int = 0
    schedule: str = "constant"  # linear | cosine | constant
    min_lr_ratio: float = 0.0
    beta1: float = 0.9
    beta2: float = 0.95
    eps: float = 1e-8
    weight_decay: float = 0.1
    grad_clip: float = 1.0  # <= 0: no clipping

    def __post_init__(self):
        if self.schedule not in ("linear", "cosine", "constant"):
            raise ValueError(f"unknown schedule '{self.schedule}' (linear, cosine, constant)")


def lr_at(t: int, c: TrainConfig) -> float:
    """Learning rate of step t = 0, 1, ...: linear warmup to c.lr over warmup_steps, then
    the schedule from c.lr towards c.lr * min_lr_ratio with
    progress = (t - warmup) / max(1, total_steps - warmup)."""
    if t < c.warmup_steps:
        return c.lr * (t + 1) / c.warmup_steps
    if c.schedule == "constant":
        return c.lr
    lo = c.lr * c.min_lr_ratio
    progress = (t - c.warmup_steps) / max(1, c.total_steps - c.warmup_steps)
    if c.schedule == "linear":
        return c.lr - (c.lr - lo) * progress
    return lo + (c.lr - lo) * 0.5 * (1 + math.cos(math.pi * progress))


def parameter_shapes(c: ModelConfig) -> Dict[str, tuple]:
    """pebench's parameter names (= npy file names without .npy) and shapes, in order."""
    D, M = c.d_model, c.mlp_hidden
    shapes = {"wte": (c.vocab, D)}
    for l in range(c.layers):
        shapes.update({
            f"h{l}.ln1.weight": (D,), f"h{l}.ln1.bias": (D,),
            f"h{l}.attn.qkv.weight": (D, 3 * D), f"h{l}.attn.qkv.bias": (3 * D,),
            f"h{l}.attn.proj.weight": (D, D), f"h{l}.attn.proj.bias": (D,),
            f"h{l}.ln2.weight": (D,), f"h{l}.ln2.bias": (D,),
            f"h{l}.mlp.fc.weight": (D, M), f"h{l}.mlp.fc.bias": (M,),
            f"h{l}.mlp.proj.weight": (M, D), f"h{l}.mlp.proj.bias": (D,),
        })
    if c.norm != "post":
        shapes.update({"lnf.weight": (D,), "lnf.bias": (D,)})
    return shapes


def _model_dtype_hooks(enc: refs.Encoding, dtype) -> refs.Encoding:
    """pe_references computes its tables in float64; casts each hook's result to dtype."""
    return refs.Encoding(
        embed=enc.embed and (lambda x, pos: enc.embed(x, pos).to(dtype)),
        rotate=enc.rotate and (lambda q, k, pos: tuple(t.to(dtype) for t in enc.rotate(q, k, pos))),
        bias=enc.bias and (lambda pos: enc.bias(pos).to(dtype)),
    )


class TinyLM:
    """Pre-LN decoder-only transformer with a tied LM head; parameters in self.params."""

    def __init__(self, config: ModelConfig, dtype=torch.float32):
        self.config, self.dtype = config, dtype
        self.params = {name: torch.zeros(shape, dtype=dtype, requires_grad=True)
                       for name, shape in parameter_shapes(config).items()}
        H, D = config.heads, config.d_model
        cfg = {k: _param_text(v) for k, v in config.encoding_params.items()}
        self.encoding = _model_dtype_hooks(refs.ENCODINGS[config.encoding]({}, cfg, H, D // H), dtype)

    def init_random(self, seed: int):
        """GPT-2 init: weights and wte ~ N(0, 0.02), residual projections N(0, 0.02/sqrt(2N)),
        biases 0, LayerNorm weight 1 and bias 0."""
        g = torch.Generator().manual_seed(seed)
        residual_std = INIT_STD / math.sqrt(2 * self.config.layers)
        with torch.no_grad():
            for name, p in self.params.items():
                if name.endswith((".attn.proj.weight", ".mlp.proj.weight")):
                    p.copy_(torch.normal(0.0, residual_std, p.shape, generator=g))
                elif p.dim() == 2:  # wte, qkv, fc
                    p.copy_(torch.normal(0.0, INIT_STD, p.shape, generator=g))
                elif name.startswith("ln") or ".ln" in name:
                    p.fill_(1.0 if name.endswith(".weight") else 0.0)
                else:
                    p.zero_()

    def load_npy_dir(self, directory: str):
        """Loads <directory>/<name>.npy for every parameter. Raises ValueError naming the file
        on a missing file, a shape mismatch or an .npy that names no parameter."""
        present = {f[:-4] for f in os.listdir(directory) if f.endswith(".npy")}
        extra = sorted(present - set(self.params))
        if extra:
            raise ValueError("unused parameter file(s): " +
                             ", ".join(os.path.join(directory, n + ".npy") for n in extra))
        with torch.no_grad():
            for name, p in self.params.items():
                path = os.path.join(directory, name + ".npy")
                if name not in present:
                    raise ValueError(f"missing parameter file: {path}")
                a = np.load(path)
                if a.shape != tuple(p.shape):
                    raise ValueError(f"{path}: shape {a.shape}, expected {tuple(p.shape)}")
                p.copy_(torch.from_numpy(a))

    def save_npy_dir(self, directory: str):
        os.makedirs(directory, exist_ok=True)
        for name, p in self.params.items():
            np.save(os.path.join(directory, name + ".npy"), p.detach().to(torch.float32).numpy())

    def logits(self, tokens: torch.Tensor) -> torch.Tensor:
        """tokens (B, T) integer -> logits (B, T, V)."""
        p, c, enc = self.params, self.config, self.encoding
        B, T = tokens.shape
        H, D = c.heads, c.d_model
        pos = torch.arange(T)
        x = F.embedding(tokens.long(), p["wte"])
        if enc.embed:
            x = enc.embed(x, pos)

        def linear(x, prefix):  # W stored (in, out): y = x @ W + b
            return F.linear(x, p[prefix + ".weight"].t(), p[prefix + ".bias"])

        def layer_norm(x, prefix):
            return F.layer_norm(x, (D,), p[prefix + ".weight"], p[prefix + ".bias"], LN_EPS)

        def heads(t):  # (B, T, D) -> (B, H, T, d), head h = columns h*d .. (h+1)*d
            return t.reshape(B, T, H, D // H).transpose(1, 2)

        post = c.norm == "post"
        for l in range(c.layers):
            a = x if post else layer_norm(x, f"h{l}.ln1")
            q, k, v = linear(a, f"h{l}.attn.qkv").split(D, dim=-1)
            o = refs.causal_attention(heads(q), heads(k), heads(v), pos, enc)  # scale 1/sqrt(d)
            x = x + linear(o.transpose(1, 2).reshape(B, T, D), f"h{l}.attn.proj")
            if post:  # the original Transformer's order: LayerNorm after each residual sum
                x = layer_norm(x, f"h{l}.ln1")
                x = layer_norm(x + linear(F.gelu(linear(x, f"h{l}.mlp.fc")), f"h{l}.mlp.proj"),
                               f"h{l}.ln2")
                continue
            h = F.gelu(linear(layer_norm(x, f"h{l}.ln2"), f"h{l}.mlp.fc"))  # exact (erf) GELU
            x = x + linear(h, f"h{l}.mlp.proj")
        if post:
            return F.linear(x, p["wte"])  # no final LayerNorm after post-norm blocks
        return F.linear(layer_norm(x, "lnf"), p["wte"])  # tied head: lnf(x) @ wte^T

    def loss(self, tokens, targets, loss_mask) -> torch.Tensor:
        """sum(mask * CE(logits, targets)) / sum(mask); tokens, targets, mask (B, T)."""
        logits = self.logits(tokens)
        ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1).long(),
                             reduction="none")
        mask = loss_mask.reshape(-1).to(ce.dtype)
        return (ce * mask).sum() / mask.sum()


DUMP_KEYS = ("vocab", "d_model", "heads", "layers", "mlp_hidden", "steps", "lr", "warmup_steps",
             "schedule", "min_lr_ratio", "beta1", "beta2", "eps", "weight_decay", "grad_clip",
             "encoding")


def configs_from_dump(cfg: dict):
    """(ModelConfig, TrainConfig) from a pebench dump's config.json; KeyError names a missing key."""
    missing = [k for k in DUMP_KEYS if k not in cfg]
    if missing:
        raise KeyError(", ".join(missing))
    model = ModelConfig(vocab=cfg["vocab"], d_model=cfg["d_model"], heads=cfg["heads"],
                        layers=cfg["layers"], mlp_hidden=cfg["mlp_hidden"], encoding=cfg["encoding"],
                        norm=cfg.get("norm", "pre"),
                        encoding_params=cfg.get("encoding_params", {}))
    train = TrainConfig(lr=cfg["lr"], total_steps=cfg["steps"], warmup_steps=cfg["warmup_steps"],
                        schedule=cfg["schedule"], min_lr_ratio=cfg["min_lr_ratio"], beta1=cfg["beta1"],
                        beta2=cfg["beta2"], eps=cfg["eps"], weight_decay=cfg["weight_decay"],
                        grad_clip=cfg["grad_clip"])
    return model, train


def _param_text(v) -> str:
    """A config.json value as pebench's --params text (pe_references parses strings)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def decays(name: str, p: torch.Tensor) -> bool:
    """Weight decay only on 2-D weights (wte, qkv/proj/fc weights), never on encodings."""
    return p.dim() == 2 and not (name.startswith("enc.") or ".enc." in name)


class Trainer:
    """torch.optim.AdamW (decoupled decay) with decay on 2-D weights only, gradient clipping
    by global norm (clip_grad_norm_) and the LR of lr_at, set before each step."""

    def __init__(self, model: TinyLM, config: TrainConfig):
        self.model, self.config, self.t = model, config, 0
        named = model.params.items()
        groups = [{"params": [p for n, p in named if decays(n, p)], "weight_decay": config.weight_decay},
                  {"params": [p for n, p in named if not decays(n, p)], "weight_decay": 0.0}]
        self.optimizer = torch.optim.AdamW(groups, lr=config.lr, betas=(config.beta1, config.beta2),
                                           eps=config.eps)

    def step(self, tokens, targets, loss_mask) -> float:
        """One training step; returns the loss computed before the update."""
        params = list(self.model.params.values())
        for p in params:
            p.grad = None
        loss = self.model.loss(tokens, targets, loss_mask)
        loss.backward()
        if self.config.grad_clip > 0:
            # total = ||(||g_i||)_i||_2; g *= min(1, max_norm / (total + 1e-6))
            torch.nn.utils.clip_grad_norm_(params, self.config.grad_clip)
        lr = lr_at(self.t, self.config)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        self.optimizer.step()
        self.t += 1
        return loss.item()
