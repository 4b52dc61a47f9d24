"""The Qwen2.5-0.5B-shaped random-weight benchmark model "Q05" (issue 20 item 6), written by
make_bench_models.py (`--models Q05 --types q8_0,q4_k_m`) into Q05-q8_0.gguf / Q05-q4_k_m.gguf.

Shape (Qwen2.5-0.5B's): architecture qwen2, n_embd 896, 24 layers, 14 heads of 64, 2 KV heads,
n_ff 4864, q/k/v biases, rope (NEOX, as qwen2 implies) base 1e6, rms epsilon 1e-6, context 32768,
tied embeddings (no output.weight). 494M weights.

Vocabulary: 151,936 entries as in Qwen2.5's GGUF files: 256 byte symbols (GPT-2's byte-level
alphabet, in byte order), 151,387 merges (so 151,643 BPE tokens), the 22 Qwen2.5 special tokens
(control) from id 151643, and "[PAD<id>]" (unused) up to the embedding's 151,936 rows. The merges
are synthetic: first the Chinese characters and words of the poetry fixture's vocabulary
(qwen_zh_fixture.zh_vocab: the 2,500 most frequent characters of assets/classroom/wujue.tsv and 300
two-character words), then letter strings grown one letter at a time, shortest first ("Ġa".."ZZ",
then three symbols, ...), so English words and the benchmark prompt's words ("Ġab") are single
tokens or few. No corpus statistics: the point is the size of the tables a loader reads and a
tokenizer searches, not a good segmentation.

Weights: normal, per tensor from its own seeded generator, drawn and quantized in row chunks (at
most ~4M values at a time) and streamed to disk, so generation holds a few hundred MB at most.

Types: q8_0 (every matrix Q8_0, norms and biases F32), or q4_k_m, the mix llama.cpp's Q4_K_M
picks for this shape (llama-quant.cpp, llama_tensor_get_type):
  - default type Q4_K; attn_v and ffn_down Q6_K in the "more bits" layers
    (i < n/8, i >= 7n/8, or (i - n/8) % 3 == 2: layers 0-2, 5, 8, 11, 14, 17, 20-23 of 24);
  - the tied token_embd follows the output tensor's rule: Q6_K;
  - a row length that is not a multiple of 256 (every matrix with 896 columns: attn_q/k/v/output,
    ffn_gate/up, token_embd) cannot hold K-quants: llama.cpp falls back Q6_K -> Q8_0 and
    Q4_K -> Q5_0.
So: ffn_down Q4_K (12 layers) / Q6_K (12 layers); attn_v Q8_0 (12) / Q5_0 (12); token_embd Q8_0;
the other matrices Q5_0. (Until 2026-12-04, when Inkstone read no Q5_0, they were Q4_0 here.)
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools", "gguf"))
sys.path.insert(0, os.path.join(ROOT, "tools", "fixtures"))
sys.path.insert(0, os.path.join(ROOT, "tools", "reference"))
import gguf_writer as gw  # noqa: E402
import qwen_zh_fixture as zh  # noqa: E402

HP = dict(n_embd=896, n_layer=24, n_head=14, n_head_kv=2, n_ff=4864, n_ctx=32768,
          rope_base=1000000.0, rms_eps=1e-6)
N_VOCAB = 151936
N_MERGES = 151387
QWEN25_SPECIAL = [
    "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>",
    "<|box_start|>", "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>",
    "<|vision_end|>", "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>", "<tool_call>",
    "</tool_call>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>",
    "<|repo_name|>", "<|file_sep|>"]
SEED = 20261203
CHUNK_VALUES = 1 << 22
# Standard deviations: the Qwen fixtures' (tuned for width 64) scaled by sqrt(64 / fan-in), so
# pre-activations have the fixtures' size; the embedding's gives tied logits a spread of ~4.5.
FIXTURE_STD = dict(q=0.15, k=0.15, v=0.10, o=0.06, gate=0.10, up=0.10, down=0.06,
                   bias_q=0.3, bias_k=0.5, bias_v=0.1)
EMBD_STD = 0.15


def vocab():
    """-> (tokens, types, merges), len(tokens) == N_VOCAB, len(merges) == N_MERGES."""
    tokens, _, merges = zh.zh_vocab()
    tokens = [t for t in tokens if t not in zh.qf.QWEN_SPECIAL]
    have = set(tokens)
    letters = [chr(c) for c in range(ord("a"), ord("z") + 1)] + \
        [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    frontier = ["\u0120"] + letters  # "Ġ" is the byte-level symbol of a space
    while len(merges) < N_MERGES:
        grown = []
        for left in frontier:
            for c in letters:
                if len(merges) == N_MERGES:
                    break
                if left + c not in have:
                    merges.append(f"{left} {c}")
                    tokens.append(left + c)
                    have.add(left + c)
                grown.append(left + c)
        frontier = grown
    assert len(tokens) == 256 + N_MERGES, len(tokens)
    types = [gw.LLAMA_TOKEN_NORMAL] * len(tokens)
    tokens += QWEN25_SPECIAL
    types += [gw.LLAMA_TOKEN_CONTROL] * len(QWEN25_SPECIAL)
    pads = [f"[PAD{i}]" for i in range(len(tokens), N_VOCAB)]
    tokens += pads
    types += [gw.LLAMA_TOKEN_UNUSED] * len(pads)
    return tokens, types, merges


def more_bits(i, n):
    """llama.cpp's use_more_bits: the layers Q4_K_M gives Q6_K for attn_v and ffn_down."""
    return i < n // 8 or i >= 7 * n // 8 or (i - n // 8) % 3 == 2


def q4_k_m_type(role, layer, cols):
    """ggml type of a matrix under llama.cpp's Q4_K_M mix (module docstring)."""
    want = gw.GGML_Q4_K
    if role == "token_embd":
        want = gw.GGML_Q6_K
    elif role in ("attn_v", "ffn_down") and more_bits(layer, HP["n_layer"]):
        want = gw.GGML_Q6_K
    if cols % 256 == 0:
        return want
    # llama.cpp's fallback for rows that K-quant blocks of 256 do not divide.
    return {gw.GGML_Q6_K: gw.GGML_Q8_0, gw.GGML_Q4_K: gw.GGML_Q5_0}[want]


def tensor_plan():
    """(name, shape (rows, cols) or (n,), std, role, layer) in llama.cpp's qwen2 tensor order.
    std None: a norm weight."""
    e, f, hd = HP["n_embd"], HP["n_ff"], HP["n_embd"] // HP["n_head"]
    kv = HP["n_head_kv"] * hd
    s = {k: v * np.sqrt(64.0 / e) for k, v in FIXTURE_STD.items()}
    t = [("token_embd.weight", (N_VOCAB, e), EMBD_STD, "token_embd", -1)]
    for i in range(HP["n_layer"]):
        p = f"blk.{i}."
        t += [(p + "attn_norm.weight", (e,), None, "norm", i),
              (p + "attn_q.weight", (e, e), s["q"], "attn_q", i),
              (p + "attn_k.weight", (kv, e), s["k"], "attn_k", i),
              (p + "attn_v.weight", (kv, e), s["v"], "attn_v", i),
              (p + "attn_q.bias", (e,), FIXTURE_STD["bias_q"], "bias", i),
              (p + "attn_k.bias", (kv,), FIXTURE_STD["bias_k"], "bias", i),
              (p + "attn_v.bias", (kv,), FIXTURE_STD["bias_v"], "bias", i),
              (p + "attn_output.weight", (e, e), s["o"], "attn_output", i),
              (p + "ffn_norm.weight", (e,), None, "norm", i),
              (p + "ffn_gate.weight", (f, e), s["gate"], "ffn_gate", i),
              (p + "ffn_up.weight", (f, e), s["up"], "ffn_up", i),
              (p + "ffn_down.weight", (e, f), FIXTURE_STD["down"] * np.sqrt(64.0 / f),
               "ffn_down", i)]
    t.append(("output_norm.weight", (e,), None, "norm", -1))
    return t


def _chunks(index, shape, std):
    """Rows of tensor `index` in chunks of at most CHUNK_VALUES values, from its own generator."""
    def gen():
        rng = np.random.default_rng([SEED, index])
        if std is None:
            yield rng.uniform(0.8, 1.2, shape).astype(np.float32)
            return
        if len(shape) == 1:
            yield (rng.standard_normal(shape, dtype=np.float32) * np.float32(std))
            return
        rows, cols = shape
        step = max(1, CHUNK_VALUES // cols)
        for r in range(0, rows, step):
            n = min(step, rows - r)
            yield rng.standard_normal((n, cols), dtype=np.float32) * np.float32(std)
    return gen


def write(path, wtype):
    """Write Q05 as `wtype` ("q8_0" or "q4_k_m") to `path`."""
    w = gw.GGUFWriter()
    a = "qwen2."
    w.add("general.architecture", "qwen2")
    w.add("general.name", f"bench-Q05-{wtype}")
    w.add("general.file_type", {"q8_0": 7, "q4_k_m": 15}[wtype], gw.T_UINT32)
    w.add(a + "context_length", HP["n_ctx"], gw.T_UINT32)
    w.add(a + "embedding_length", HP["n_embd"], gw.T_UINT32)
    w.add(a + "block_count", HP["n_layer"], gw.T_UINT32)
    w.add(a + "feed_forward_length", HP["n_ff"], gw.T_UINT32)
    w.add(a + "attention.head_count", HP["n_head"], gw.T_UINT32)
    w.add(a + "attention.head_count_kv", HP["n_head_kv"], gw.T_UINT32)
    w.add(a + "rope.freq_base", HP["rope_base"], gw.T_FLOAT32)
    w.add(a + "attention.layer_norm_rms_epsilon", HP["rms_eps"], gw.T_FLOAT32)
    tokens, types, merges = vocab()
    w.add("tokenizer.ggml.model", "gpt2")
    w.add("tokenizer.ggml.pre", "qwen2")
    w.add_array("tokenizer.ggml.tokens", gw.T_STRING, tokens)
    w.add_array("tokenizer.ggml.token_type", gw.T_INT32, types)
    w.add_array("tokenizer.ggml.merges", gw.T_STRING, merges)
    eot = tokens.index("<|endoftext|>")
    w.add("tokenizer.ggml.eos_token_id", tokens.index("<|im_end|>"), gw.T_UINT32)
    w.add("tokenizer.ggml.padding_token_id", eot, gw.T_UINT32)
    w.add("tokenizer.ggml.bos_token_id", eot, gw.T_UINT32)
    w.add("tokenizer.ggml.add_bos_token", False, gw.T_BOOL)
    w.add("tokenizer.chat_template", zh.CHAT_TEMPLATE)
    specs = []
    for k, (name, shape, std, role, layer) in enumerate(tensor_plan()):
        if len(shape) == 1:
            gtype = gw.GGML_F32
        elif wtype == "q8_0":
            gtype = gw.GGML_Q8_0
        else:
            gtype = q4_k_m_type(role, layer, shape[1])
        specs.append((name, shape, gtype, _chunks(k, shape, std)))
    w.write_streamed(path, specs)
