"""Write tests/fixtures/poetry/golden.json: reference logits of the shipped poetry model.

  /usr/bin/python3 tools/train/make_golden.py --data DATA_DIR \
      --f32 /work/cache/inkstone-poetry-f32.gguf --q8 assets/models/inkstone-poetry-q8_0.gguf \
      --out tests/fixtures/poetry/golden.json

Both models are rebuilt from the GGUF files themselves (tensors read back and dequantized), so
"q8_0" logits are PyTorch's float32 forward pass with the Q8_0 file's dequantized weights (the
tight target for a runtime that dequantizes weights exactly), and "f32" logits those of the F32
export. Before writing, an independent numpy forward pass written from docs/model-conventions.md
is checked against PyTorch on every prompt.

For every prompt: its token ids; at every position the top-20 ids and logits (f32 and q8_0);
the full logits of the last position (q8_0 and f32); greedy continuations of 32 tokens.
"""
import argparse
import hashlib
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "corpus"))
from export_gguf import read_gguf, model_from_gguf  # noqa: E402
from prepare import Encoder  # noqa: E402

# (form, title, start of body); 餮 is outside the vocabulary: it is spelled with 3 byte tokens.
# A 词 is prompted with its 詞牌 as the title (the <词> tag, appended to the vocabulary in run 2).
PROMPTS = [("七绝", "春望", ""), ("五绝", "静夜思", "床前明月光，"), ("七律", "登高", ""),
           ("五律", "送友人", ""), ("其他", "咏饕餮", ""), ("词", "浣溪沙", ""),
           ("七绝", "春晓", ""), ("五绝", "江雪", ""), ("七律", "秋兴", ""), ("词", "水调歌头", ""),
           ("五律", "山居", ""), ("七绝", "夜雨", "")]


def numpy_forward(meta, t, tokens):
    """docs/model-conventions.md's forward pass, line by line, in float64 numpy."""
    n_embd = meta["llama.embedding_length"]
    n_head, n_kv = meta["llama.attention.head_count"], meta["llama.attention.head_count_kv"]
    hd = n_embd // n_head
    eps, base = meta["llama.attention.layer_norm_rms_epsilon"], meta["llama.rope.freq_base"]
    W = {k: v.astype(np.float64) for k, v in t.items()}

    def rms(x, w):
        return x / np.sqrt(np.mean(x * x) + eps) * w

    def rope(x, p):
        x = x.reshape(-1, hd // 2, 2)
        ang = p * base ** (-2.0 * np.arange(hd // 2) / hd)
        c, s = np.cos(ang), np.sin(ang)
        return np.stack([x[..., 0] * c - x[..., 1] * s, x[..., 0] * s + x[..., 1] * c], -1)\
            .reshape(-1, hd)

    ks = [[] for _ in range(meta["llama.block_count"])]
    vs = [[] for _ in range(meta["llama.block_count"])]
    out = []
    for p, tok in enumerate(tokens):
        x = W["token_embd.weight"][tok].copy()
        for i in range(meta["llama.block_count"]):
            b = "blk.%d." % i
            h = rms(x, W[b + "attn_norm.weight"])
            q = rope(W[b + "attn_q.weight"] @ h, p)
            ks[i].append(rope(W[b + "attn_k.weight"] @ h, p))
            vs[i].append((W[b + "attn_v.weight"] @ h).reshape(-1, hd))
            K, V = np.stack(ks[i]), np.stack(vs[i])             # (p+1, n_kv, hd)
            o = []
            for hq in range(n_head):
                kv = hq // (n_head // n_kv)
                s = K[:, kv] @ q[hq] / np.sqrt(hd)
                a = np.exp(s - s.max())
                a /= a.sum()
                o.append(a @ V[:, kv])
            x = x + W[b + "attn_output.weight"] @ np.concatenate(o)
            h = rms(x, W[b + "ffn_norm.weight"])
            g = W[b + "ffn_gate.weight"] @ h
            x = x + W[b + "ffn_down.weight"] @ (g / (1 + np.exp(-g)) * (W[b + "ffn_up.weight"] @ h))
        wout = W.get("output.weight", W["token_embd.weight"])
        out.append(wout @ rms(x, W["output_norm.weight"]))
    return np.stack(out)


@torch.no_grad()
def greedy(model, ids, n):
    ids = list(ids)
    for _ in range(n):
        nxt = int(model(torch.tensor([ids]))[0, -1].argmax())
        ids.append(nxt)
        if nxt == 2:
            break
    return ids


def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def r(x):
    return [float("%.6g" % v) for v in x]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--f32", required=True)
    ap.add_argument("--q8", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.set_num_threads(2)
    vocab = json.load(open(os.path.join(args.data, "vocab.json"), encoding="utf-8"))
    enc = Encoder(vocab)
    m32, meta = model_from_gguf(args.f32)
    m8, _ = model_from_gguf(args.q8)
    _, t32 = read_gguf(args.f32)
    cases = []
    worst_ref = 0.0
    for form, title, body in PROMPTS:
        ids = enc.prompt(form, title) + enc.text(body)
        x = torch.tensor([ids])
        with torch.no_grad():
            l32, l8 = m32(x)[0].numpy(), m8(x)[0].numpy()
        ref = numpy_forward(meta, t32, ids)
        worst_ref = max(worst_ref, float(np.abs(ref - l32).max()))
        case = {"text": "<s><%s>%s\n%s" % (form, title, body), "tokens": ids, "positions": []}
        for p in range(len(ids)):
            e = {}
            for name, l in (("f32", l32[p]), ("q8_0", l8[p])):
                top = np.argsort(-l, kind="stable")[:20]
                e[name + "_top20_ids"] = [int(i) for i in top]
                e[name + "_top20_logits"] = r(l[top])
            case["positions"].append(e)
        case["q8_0_last_logits"] = r(l8[-1])
        case["f32_last_logits"] = r(l32[-1])
        case["max_abs_diff_f32_vs_q8_0"] = float(np.abs(l32 - l8).max())
        case["f32_greedy"] = greedy(m32, ids, 32)
        case["q8_0_greedy"] = greedy(m8, ids, 32)
        cases.append(case)
    assert worst_ref < 1e-3, f"numpy reference disagrees with PyTorch: {worst_ref}"
    out = {
        "description": "Reference logits of the Inkstone poetry model. 'q8_0': PyTorch float32 "
                       "forward with the dequantized weights of the Q8_0 file (compare the "
                       "runtime on that file against these); 'f32': the same on the F32 export.",
        "command": "/usr/bin/python3 tools/train/make_golden.py --data /work/cache/data "
                   "--f32 /work/cache/inkstone-poetry-f32.gguf "
                   "--q8 assets/models/inkstone-poetry-q8_0.gguf "
                   "--out tests/fixtures/poetry/golden.json",
        "q8_0_file": os.path.basename(args.q8), "q8_0_sha256": sha256(args.q8),
        "f32_file": os.path.basename(args.f32), "f32_sha256": sha256(args.f32),
        "bos_id": vocab["bos"], "eos_id": vocab["eos"],
        "form_tag_ids": {"<%s>" % f: vocab["tag_base"] + i for i, f in enumerate(vocab["forms"])},
        "numpy_reference_max_abs_diff": worst_ref,
        "prompts": cases,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, separators=(",", ":"))
    print(f"wrote {args.out}: {os.path.getsize(args.out)} bytes; numpy ref max diff "
          f"{worst_ref:.2e}; f32 vs q8_0 max diff "
          f"{max(c['max_abs_diff_f32_vs_q8_0'] for c in cases):.3g}; greedy equal "
          f"{sum(c['f32_greedy'] == c['q8_0_greedy'] for c in cases)}/{len(cases)}")


if __name__ == "__main__":
    main()
