"""Export a training checkpoint as GGUF (llama architecture, character-level `llama` tokenizer).

  /usr/bin/python3 tools/train/export_gguf.py --ckpt CKPT.pt --data DATA_DIR \
      --f32 OUT-f32.gguf --q8 OUT-q8_0.gguf

F32: every tensor F32. Q8_0: every 2-D weight Q8_0 (token_embd too), the 1-D norms F32.
Output is tied to token_embd (no output.weight). The trainer already uses the adjacent-pair RoPE
layout, so no permutation is needed. After writing, the file is read back with read_gguf() and
compared with the checkpoint (exact for F32, to the Q8_0 round trip for Q8_0).
"""
import argparse
import json
import os
import struct
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "gguf"))
import gguf_writer as gw  # noqa: E402
from model import Config, Llama  # noqa: E402

PROMPT_FORMAT = ("<s><FORM>TITLE\\nBODY</s> -- one token per character; <FORM> is one of the "
                 "inkstone.forms tags (<五绝> 4x5, <七绝> 4x7, <五律> 8x5, <七律> 8x7 characters "
                 "per line, <其他> anything else{ci}); TITLE is a Simplified-Chinese title or "
                 "theme{ci_title}; \\n is the newline token; BODY is the poem's lines, each followed by "
                 "its punctuation (，or 。; ？！；also occur), e.g. 床前明月光，疑是地上霜。举头望明月，"
                 "低头思故乡。; </s> ends the poem. To generate, feed <s><FORM>TITLE\\n and sample "
                 "until </s>. Characters outside the vocabulary are spelled with <0xNN> byte "
                 "tokens.")
CI_FORMAT = {"ci": ", <词> a 宋詞 written to the 詞牌 named by TITLE",
             "ci_title": " (for <词>, the 詞牌, e.g. <词>浣溪沙; in the 詞 the body's 。 ends a "
                         "rhyming line and ， a line that does not rhyme, as in 《全宋詞》)"}


def prompt_format(forms):
    return PROMPT_FORMAT.format(**(CI_FORMAT if "词" in forms else {"ci": "", "ci_title": ""}))


def load_model(ckpt_path):
    ck = torch.load(ckpt_path, map_location="cpu")
    cfg = Config(**ck["config"])
    model = Llama(cfg)
    model.load_state_dict(ck["model"])
    model.eval()
    return model, ck


def build(model, vocab, quant, name="inkstone-poetry"):
    cfg = model.cfg
    w = gw.GGUFWriter()
    gw.add_llama_hparams(w, n_vocab=cfg.n_vocab, n_embd=cfg.n_embd, n_layer=cfg.n_layer,
                         n_head=cfg.n_head, n_head_kv=cfg.n_head_kv, n_ff=cfg.n_ff,
                         n_ctx=cfg.n_ctx, rope_base=cfg.rope_base, rms_eps=cfg.rms_eps,
                         name=name)
    w.add("general.file_type", 7 if quant else 0, gw.T_UINT32)  # llama.cpp: 7 = MOSTLY_Q8_0
    w.add("general.description", "Inkstone classical Chinese poetry model, character-level, "
          "trained on chinese-poetry@2.0.1 (MIT) quantangshi" +
          (" and songci" if "词" in vocab["forms"] else ""))
    w.add("tokenizer.ggml.model", "llama")
    w.add_array("tokenizer.ggml.tokens", gw.T_STRING, vocab["tokens"])
    w.add_array("tokenizer.ggml.scores", gw.T_FLOAT32, vocab["scores"])
    w.add_array("tokenizer.ggml.token_type", gw.T_INT32, vocab["types"])
    w.add("tokenizer.ggml.bos_token_id", vocab["bos"], gw.T_UINT32)
    w.add("tokenizer.ggml.eos_token_id", vocab["eos"], gw.T_UINT32)
    w.add("tokenizer.ggml.unknown_token_id", vocab["unk"], gw.T_UINT32)
    w.add("tokenizer.ggml.add_bos_token", True, gw.T_BOOL)
    w.add("tokenizer.ggml.add_eos_token", False, gw.T_BOOL)
    w.add("tokenizer.ggml.add_space_prefix", False, gw.T_BOOL)
    w.add("inkstone.prompt_format", prompt_format(vocab["forms"]))
    w.add_array("inkstone.forms", gw.T_STRING, ["<%s>" % f for f in vocab["forms"]])
    w.add("inkstone.version", "1")
    for gname, p in model.gguf_names():
        x = p.detach().float().numpy()
        w.add_tensor(gname, x, gw.GGML_Q8_0 if (quant and x.ndim == 2) else gw.GGML_F32)
    return w


def read_gguf(path):
    """Minimal reader for our own files: -> (metadata dict, {name: float32 array (rows, cols)})."""
    buf = open(path, "rb").read()
    pos = 0

    def take(fmt):
        nonlocal pos
        v = struct.unpack_from(fmt, buf, pos)
        pos += struct.calcsize(fmt)
        return v[0] if len(v) == 1 else v

    def string():
        nonlocal pos
        n = take("<Q")
        s = buf[pos:pos + n].decode("utf-8")
        pos += n
        return s

    def value(t):
        if t == gw.T_STRING:
            return string()
        if t == gw.T_ARRAY:
            et, n = take("<I"), take("<Q")
            return [value(et) for _ in range(n)]
        return take(gw._SCALAR_FMT[t])

    assert buf[:4] == gw.GGUF_MAGIC
    pos = 4
    version, n_t, n_kv = take("<I"), take("<Q"), take("<Q")
    assert version == 3
    meta = {}
    for _ in range(n_kv):
        k = string()
        meta[k] = value(take("<I"))
    infos = []
    for _ in range(n_t):
        name = string()
        nd = take("<I")
        ne = [take("<Q") for _ in range(nd)]
        infos.append((name, ne, take("<I"), take("<Q")))
    align = meta.get("general.alignment", gw.DEFAULT_ALIGNMENT)
    base = pos + (-pos) % align
    tensors = {}
    for name, ne, t, off in infos:
        n = int(np.prod(ne))
        nbytes = {gw.GGML_F32: 4 * n, gw.GGML_F16: 2 * n, gw.GGML_Q8_0: n // 32 * 34,
                  gw.GGML_Q4_0: n // 32 * 18}[t]
        x = gw.decode_tensor(buf[base + off:base + off + nbytes], t, n)
        tensors[name] = x.reshape(list(reversed(ne)))
    return meta, tensors


def model_from_gguf(path):
    """A PyTorch Llama whose weights are the (dequantized) tensors of a GGUF file."""
    meta, tensors = read_gguf(path)
    cfg = Config(n_vocab=len(meta["tokenizer.ggml.tokens"]),
                 n_embd=meta["llama.embedding_length"], n_layer=meta["llama.block_count"],
                 n_head=meta["llama.attention.head_count"],
                 n_head_kv=meta["llama.attention.head_count_kv"],
                 n_ff=meta["llama.feed_forward_length"], n_ctx=meta["llama.context_length"],
                 rope_base=meta["llama.rope.freq_base"],
                 rms_eps=meta["llama.attention.layer_norm_rms_epsilon"])
    model = Llama(cfg)
    with torch.no_grad():
        for gname, p in model.gguf_names():
            p.copy_(torch.from_numpy(np.ascontiguousarray(tensors[gname])))
    model.eval()
    return model, meta


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--data", required=True, help="dir with vocab.json (tools/corpus/prepare.py)")
    ap.add_argument("--f32", default="")
    ap.add_argument("--q8", default="")
    args = ap.parse_args()
    model, ck = load_model(args.ckpt)
    vocab = json.load(open(os.path.join(args.data, "vocab.json"), encoding="utf-8"))
    for path, quant in ((args.f32, False), (args.q8, True)):
        if not path:
            continue
        build(model, vocab, quant).write(path)
        _, tensors = read_gguf(path)
        worst = 0.0
        for gname, p in model.gguf_names():
            x = p.detach().numpy()
            want = gw.dequantize_q8_0(gw.quantize_q8_0(x), x.size).reshape(x.shape) \
                if (quant and x.ndim == 2) else x
            assert tensors[gname].shape == x.shape, gname
            assert np.array_equal(tensors[gname], want), gname
            worst = max(worst, float(np.abs(tensors[gname] - x).max()))
        print(f"wrote {path}: {os.path.getsize(path)} bytes, step {ck['step']}, "
              f"read back OK, max |w - w_file| = {worst:.3g}")


if __name__ == "__main__":
    main()
