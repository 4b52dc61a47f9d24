"""PyTorch twin of core's trainer (core/include/inkstone/trainer.h), written from the maths, not
from the C++: the llama forward (RMSNorm, RoPE on adjacent pairs, grouped-query causal attention,
SwiGLU, tied or untied output), mean next-token cross-entropy, and AdamW as the trainer
documents it (torch.optim.AdamW, decay on 2-D weights only, clip_grad_norm_, warm-up then
cosine). Gradients come from autograd. Used by tests/py/test_train_reference.py and
tools/bench/train_torch.py.

  params = load_params("init.gguf")           # name -> tensor (rows, cols) / (cols,)
  loss = batch_loss(params, cfg, tokens)      # tokens: (n_seq, n_tok + 1) int64
"""
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import llama_ref  # noqa: E402


def config_of(meta):
    """The trainer config of a GGUF's metadata."""
    return dict(n_embd=meta["llama.embedding_length"], n_layer=meta["llama.block_count"],
                n_head=meta["llama.attention.head_count"],
                n_head_kv=meta["llama.attention.head_count_kv"],
                n_ff=meta["llama.feed_forward_length"], n_ctx=meta["llama.context_length"],
                rope_base=float(meta["llama.rope.freq_base"]),
                rms_eps=float(meta["llama.attention.layer_norm_rms_epsilon"]))


def load_params(path, dtype=torch.float64):
    """(config, {name: leaf tensor with requires_grad}) in file order, norms as vectors."""
    g = llama_ref.GGUFFile(path)
    params = {}
    for name in g.tensors:
        t = torch.tensor(g.tensor(name), dtype=dtype)
        params[name] = t.reshape(-1) if name.endswith("norm.weight") else t
        params[name].requires_grad_(True)
    return (config_of(g.metadata) if g.metadata else None), params


def load_tensors(path):
    """{name: float64 tensor} of a GGUF (e.g. the trainer's dumped gradients)."""
    g = llama_ref.GGUFFile(path)
    return {n: torch.tensor(g.tensor(n), dtype=torch.float64).reshape(-1) for n in g.tensors}


def rmsnorm(x, gain, eps):
    return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + eps) * gain


def rope(x, base):
    """x (n_seq, T, heads, hd): pair (2i, 2i+1) at position p turns by p * base^(-2i/hd)."""
    T, hd = x.shape[1], x.shape[3]
    i = torch.arange(hd // 2, dtype=torch.float64)
    angle = torch.arange(T, dtype=torch.float64)[:, None] * base ** (-2.0 * i / hd)  # (T, hd/2)
    cos = torch.cos(angle).to(x.dtype)[None, :, None, :]
    sin = torch.sin(angle).to(x.dtype)[None, :, None, :]
    x0, x1 = x[..., 0::2], x[..., 1::2]
    return torch.stack((x0 * cos - x1 * sin, x0 * sin + x1 * cos), dim=-1).flatten(-2)


def logits(params, cfg, inputs):
    """inputs (n_seq, T) -> logits (n_seq, T, n_vocab)."""
    S, T = inputs.shape
    D, H, Hkv = cfg["n_embd"], cfg["n_head"], cfg["n_head_kv"]
    hd = D // H
    x = params["token_embd.weight"][inputs]                                     # (S, T, D)
    mask = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    for l in range(cfg["n_layer"]):
        w = lambda s: params[f"blk.{l}.{s}.weight"]  # noqa: E731
        xn = rmsnorm(x, w("attn_norm"), cfg["rms_eps"])
        q = rope((xn @ w("attn_q").T).view(S, T, H, hd), cfg["rope_base"])
        k = rope((xn @ w("attn_k").T).view(S, T, Hkv, hd), cfg["rope_base"])
        v = (xn @ w("attn_v").T).view(S, T, Hkv, hd)
        k = k.repeat_interleave(H // Hkv, dim=2)  # query head h reads kv head h // (H / Hkv)
        v = v.repeat_interleave(H // Hkv, dim=2)
        s = torch.einsum("sihd,sjhd->shij", q, k) / math.sqrt(hd)
        att = torch.softmax(s.masked_fill(mask, float("-inf")), dim=-1)
        ao = torch.einsum("shij,sjhd->sihd", att, v).reshape(S, T, D)
        x = x + ao @ w("attn_output").T
        xn = rmsnorm(x, w("ffn_norm"), cfg["rms_eps"])
        h = torch.nn.functional.silu(xn @ w("ffn_gate").T) * (xn @ w("ffn_up").T)
        x = x + h @ w("ffn_down").T
    xn = rmsnorm(x, params["output_norm.weight"], cfg["rms_eps"])
    out = params.get("output.weight", params["token_embd.weight"])
    return xn @ out.T


def batch_loss(params, cfg, tokens):
    """Mean cross-entropy of tokens[:, 1:] given tokens[:, :-1]."""
    z = logits(params, cfg, tokens[:, :-1])
    return torch.nn.functional.cross_entropy(z.reshape(-1, z.shape[-1]), tokens[:, 1:].reshape(-1))


def learning_rate(step, lr, min_lr, warmup, total):
    if step < warmup:
        return lr * (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return min_lr + 0.5 * (lr - min_lr) * (1 + math.cos(math.pi * progress))


def make_optimizer(params, beta1, beta2, eps, weight_decay):
    decay = [p for p in params.values() if p.dim() == 2]
    no_decay = [p for p in params.values() if p.dim() != 2]
    return torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay},
                              {"params": no_decay, "weight_decay": 0.0}],
                             lr=0.0, betas=(beta1, beta2), eps=eps)


def train_steps(params, cfg, batches, opt, lr, min_lr, warmup, total, clip):
    """One AdamW step per batch; returns the loss of each step before its update."""
    losses = []
    for step, tokens in enumerate(batches):
        for group in opt.param_groups:
            group["lr"] = learning_rate(step, lr, min_lr, warmup, total)
        opt.zero_grad()
        loss = batch_loss(params, cfg, tokens)
        loss.backward()
        if clip > 0:
            torch.nn.utils.clip_grad_norm_(list(params.values()), clip)
        opt.step()
        losses.append(loss.item())
    return losses
