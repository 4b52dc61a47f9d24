"""The Inkstone poetry model in PyTorch, written from docs/model-conventions.md.

Llama: RMSNorm (eps 1e-5), RoPE in ggml's "normal" adjacent-pair layout, SwiGLU, no biases,
tied output (logits = token_embd @ h), grouped-query attention (n_head_kv may be < n_head).
Parameter names map 1:1 onto GGUF tensor names (see gguf_names()).
"""
import dataclasses
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclasses.dataclass
class Config:
    n_vocab: int = 6272
    n_embd: int = 256
    n_layer: int = 4
    n_head: int = 4
    n_head_kv: int = 4
    n_ff: int = 704
    n_ctx: int = 256
    rope_base: float = 10000.0
    rms_eps: float = 1e-5

    @property
    def head_dim(self):
        return self.n_embd // self.n_head


class RMSNorm(nn.Module):
    def __init__(self, n, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(n))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_tables(cfg, n_pos):
    """cos/sin of shape (n_pos, head_dim/2): angle = p * base^(-2i/head_dim)."""
    i = torch.arange(cfg.head_dim // 2, dtype=torch.float64)
    freq = cfg.rope_base ** (-2.0 * i / cfg.head_dim)
    ang = torch.arange(n_pos, dtype=torch.float64)[:, None] * freq[None, :]
    return torch.cos(ang).float(), torch.sin(ang).float()


def apply_rope(x, cos, sin):
    """x: (B, H, T, head_dim); rotates adjacent pairs (x[2i], x[2i+1])."""
    x2 = x.unflatten(-1, (-1, 2))                       # (B, H, T, hd/2, 2)
    a, b = x2[..., 0], x2[..., 1]
    return torch.stack((a * cos - b * sin, a * sin + b * cos), dim=-1).flatten(-2)


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        hd = cfg.head_dim
        self.attn_norm = RMSNorm(cfg.n_embd, cfg.rms_eps)
        self.attn_q = nn.Linear(cfg.n_embd, cfg.n_head * hd, bias=False)
        self.attn_k = nn.Linear(cfg.n_embd, cfg.n_head_kv * hd, bias=False)
        self.attn_v = nn.Linear(cfg.n_embd, cfg.n_head_kv * hd, bias=False)
        self.attn_output = nn.Linear(cfg.n_head * hd, cfg.n_embd, bias=False)
        self.ffn_norm = RMSNorm(cfg.n_embd, cfg.rms_eps)
        self.ffn_gate = nn.Linear(cfg.n_embd, cfg.n_ff, bias=False)
        self.ffn_up = nn.Linear(cfg.n_embd, cfg.n_ff, bias=False)
        self.ffn_down = nn.Linear(cfg.n_ff, cfg.n_embd, bias=False)

    def forward(self, x, cos, sin, mask, cache=None):
        """x: (B, T, n_embd). cache: None, or a dict whose "k"/"v" (B, Hkv, T_past, hd) hold the
        earlier positions; it is extended in place (incremental decoding)."""
        cfg = self.cfg
        B, T, _ = x.shape
        hd = cfg.head_dim
        h = self.attn_norm(x)
        q = self.attn_q(h).view(B, T, cfg.n_head, hd).transpose(1, 2)      # (B, H, T, hd)
        k = self.attn_k(h).view(B, T, cfg.n_head_kv, hd).transpose(1, 2)   # (B, Hkv, T, hd)
        v = self.attn_v(h).view(B, T, cfg.n_head_kv, hd).transpose(1, 2)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        if cache is not None:
            if "k" in cache:
                k, v = torch.cat((cache["k"], k), dim=2), torch.cat((cache["v"], v), dim=2)
            cache["k"], cache["v"] = k, v
        if cfg.n_head_kv != cfg.n_head:
            rep = cfg.n_head // cfg.n_head_kv
            k, v = k.repeat_interleave(rep, dim=1), v.repeat_interleave(rep, dim=1)
        s = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(hd))              # (B, H, T, T)
        s = s.masked_fill(mask, float("-inf"))
        o = torch.softmax(s, dim=-1) @ v                                    # (B, H, T, hd)
        x = x + self.attn_output(o.transpose(1, 2).reshape(B, T, cfg.n_head * hd))
        h = self.ffn_norm(x)
        return x + self.ffn_down(F.silu(self.ffn_gate(h)) * self.ffn_up(h))


class Llama(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.token_embd = nn.Embedding(cfg.n_vocab, cfg.n_embd)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.output_norm = RMSNorm(cfg.n_embd, cfg.rms_eps)
        cos, sin = rope_tables(cfg, cfg.n_ctx)
        self.register_buffer("rope_cos", cos, persistent=False)
        self.register_buffer("rope_sin", sin, persistent=False)
        self.apply(self._init)
        for b in self.blocks:
            std = 0.02 / math.sqrt(2 * cfg.n_layer)
            nn.init.normal_(b.attn_output.weight, std=std)
            nn.init.normal_(b.ffn_down.weight, std=std)

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)

    def forward(self, tokens):
        """tokens: (B, T) int64, T <= n_ctx, position of column j is j -> logits (B, T, V)."""
        T = tokens.shape[1]
        x = self.token_embd(tokens)
        cos, sin = self.rope_cos[:T], self.rope_sin[:T]
        mask = torch.ones(T, T, dtype=torch.bool, device=tokens.device).triu(1)
        for b in self.blocks:
            x = b(x, cos, sin, mask)
        return self.output_norm(x) @ self.token_embd.weight.t()

    def forward_cached(self, tokens, caches):
        """Incremental forward: tokens (B, T_new) continue the positions already in caches
        (a list of n_layer dicts, empty at the start) -> logits (B, T_new, V)."""
        past = caches[0]["k"].shape[2] if caches and "k" in caches[0] else 0
        if not caches:
            caches.extend({} for _ in self.blocks)
        T = tokens.shape[1]
        x = self.token_embd(tokens)
        cos, sin = self.rope_cos[past:past + T], self.rope_sin[past:past + T]
        mask = torch.ones(T, past + T, dtype=torch.bool).triu(past + 1)
        for b, c in zip(self.blocks, caches):
            x = b(x, cos, sin, mask, c)
        return self.output_norm(x) @ self.token_embd.weight.t()

    def gguf_names(self):
        """(gguf tensor name, parameter) pairs, in the order the exporter writes them."""
        out = [("token_embd.weight", self.token_embd.weight)]
        for i, b in enumerate(self.blocks):
            for n in ("attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm",
                      "ffn_gate", "ffn_up", "ffn_down"):
                out.append((f"blk.{i}.{n}.weight", getattr(b, n).weight))
        out.append(("output_norm.weight", self.output_norm.weight))
        return out
