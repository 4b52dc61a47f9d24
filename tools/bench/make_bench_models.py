#!/usr/bin/python3
"""Random-weight llama GGUFs in the benchmark shapes of issue 5 (never committed: large).

  /usr/bin/python3 tools/bench/make_bench_models.py [--out DIR] [--models S15,P8,S110]
                                                    [--types q8_0,f32] [--force]

writes DIR/<model>-<type>.gguf (default DIR: /work/cache/bench-models when /work/cache exists,
else build/bench-models). Defaults: S15, P8, S110 in Q8_0, plus S110 in F32 — the rows of the
issue's table. Shapes (llama2.c / TinyStories-like):
  S15   n_embd 288, 6 layers, 6 heads, n_ff 768,  vocab 32000
  P8    n_embd 384, 6 layers, 6 heads, n_ff 1024, vocab 8000
  S110  n_embd 768, 12 layers, 12 heads, n_ff 2048, vocab 32000
  Q05   Qwen2.5-0.5B's shape (qwen2, 494M weights, vocab 151936), types q8_0 and q4_k_m
        (llama.cpp's Q4_K_M mix): qwen_bench_model.py; only when asked (--models Q05; ~0.5 GB,
        minutes to write)
Tied output (no output.weight), context 512, fixed seed: the same bytes on every run. The
vocabulary is a valid `llama` (SentencePiece-style) one so llama.cpp / wllama load the same file:
<unk> <s> </s>, the 256 byte tokens, then filler pieces. Tensors are streamed to disk one at a
time (the F32 S110 file is ~440 MB).
"""
import argparse
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "gguf"))
import gguf_writer as gw  # noqa: E402
import qwen_bench_model  # noqa: E402

SHAPES = {
    "S15": dict(n_embd=288, n_layer=6, n_head=6, n_ff=768, n_vocab=32000),
    "P8": dict(n_embd=384, n_layer=6, n_head=6, n_ff=1024, n_vocab=8000),
    "S110": dict(n_embd=768, n_layer=12, n_head=12, n_ff=2048, n_vocab=32000),
}
TYPES = {"f32": gw.GGML_F32, "f16": gw.GGML_F16, "q8_0": gw.GGML_Q8_0, "q4_0": gw.GGML_Q4_0}
N_CTX = 512
SEED = 20261129


def vocab(n_vocab):
    tokens = ["<unk>", "<s>", "</s>"] + ["<0x%02X>" % b for b in range(256)]
    types = [gw.LLAMA_TOKEN_UNKNOWN, gw.LLAMA_TOKEN_CONTROL, gw.LLAMA_TOKEN_CONTROL] + \
        [gw.LLAMA_TOKEN_BYTE] * 256
    scores = [0.0] * len(tokens)
    letters = "abcdefghijklmnopqrstuvwxyz"
    k = 0
    while len(tokens) < n_vocab:
        # "▁a", "▁b", ..., "▁aa", ...: distinct pieces, as in a word-piece vocabulary.
        s, i = "", k
        while True:
            s = letters[i % 26] + s
            i = i // 26 - 1
            if i < 0:
                break
        tokens.append("\u2581" + s)
        types.append(gw.LLAMA_TOKEN_NORMAL)
        scores.append(-1.0 - k)
        k += 1
    return tokens, scores, types


def tensor_list(hp):
    """(name, shape (rows, cols) or (n,), std or None for a norm) in file order."""
    e, f, v = hp["n_embd"], hp["n_ff"], hp["n_vocab"]
    t = [("token_embd.weight", (v, e), 0.02)]
    for i in range(hp["n_layer"]):
        p = f"blk.{i}."
        t += [(p + "attn_norm.weight", (e,), None), (p + "attn_q.weight", (e, e), 0.02),
              (p + "attn_k.weight", (e, e), 0.02), (p + "attn_v.weight", (e, e), 0.02),
              (p + "attn_output.weight", (e, e), 0.02), (p + "ffn_norm.weight", (e,), None),
              (p + "ffn_gate.weight", (f, e), 0.02), (p + "ffn_up.weight", (f, e), 0.02),
              (p + "ffn_down.weight", (e, f), 0.02)]
    t.append(("output_norm.weight", (e,), None))
    return t


def write_model(path, name, hp, wtype):
    w = gw.GGUFWriter()
    gw.add_llama_hparams(w, n_vocab=hp["n_vocab"], n_embd=hp["n_embd"], n_layer=hp["n_layer"],
                         n_head=hp["n_head"], n_head_kv=hp["n_head"], n_ff=hp["n_ff"],
                         n_ctx=N_CTX, name=name)
    w.add("general.file_type", {gw.GGML_F32: 0, gw.GGML_F16: 1, gw.GGML_Q4_0: 2,
                                gw.GGML_Q8_0: 7}[wtype], gw.T_UINT32)
    tokens, scores, types = vocab(hp["n_vocab"])
    w.add("tokenizer.ggml.model", "llama")
    w.add_array("tokenizer.ggml.tokens", gw.T_STRING, tokens)
    w.add_array("tokenizer.ggml.scores", gw.T_FLOAT32, scores)
    w.add_array("tokenizer.ggml.token_type", gw.T_INT32, types)
    w.add("tokenizer.ggml.bos_token_id", 1, gw.T_UINT32)
    w.add("tokenizer.ggml.eos_token_id", 2, gw.T_UINT32)
    w.add("tokenizer.ggml.unknown_token_id", 0, gw.T_UINT32)
    w.add("tokenizer.ggml.add_bos_token", True, gw.T_BOOL)

    # One generator, drawn from in file order, one whole tensor at a time (the F32 S110 file is
    # ~440 MB; no tensor of these shapes is large).
    rng = np.random.default_rng(SEED)

    def draw(shape, std):
        if std is None:
            return lambda: iter([rng.uniform(0.8, 1.2, shape).astype(np.float32)])
        return lambda: iter([(rng.standard_normal(shape, dtype=np.float32) * std).astype(np.float32)])

    w.write_streamed(path, [(n, s, gw.GGML_F32 if std is None else wtype, draw(s, std))
                            for n, s, std in tensor_list(hp)])


def default_out():
    if os.path.isdir("/work/cache"):
        return "/work/cache/bench-models"
    return os.path.join(ROOT, "build", "bench-models")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=default_out())
    ap.add_argument("--models", default="S15,P8,S110")
    ap.add_argument("--types", default=None,
                    help="default: q8_0 for all, plus f32 for S110, plus q4_k_m for Q05")
    ap.add_argument("--force", action="store_true", help="rewrite files that exist")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    for m in a.models.split(","):
        extra = {"S110": ["f32"], "Q05": ["q4_k_m"]}.get(m, [])
        types = a.types.split(",") if a.types else ["q8_0"] + extra
        for t in types:
            path = os.path.join(a.out, f"{m}-{t}.gguf")
            if os.path.exists(path) and not a.force:
                print(f"exists  {path}")
                continue
            if m == "Q05":
                qwen_bench_model.write(path, t)
            else:
                write_model(path, f"bench-{m}-{t}", SHAPES[m], TYPES[t])
            print(f"wrote   {path} ({os.path.getsize(path) / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
