"""Evaluate the exported poetry model and write its model card (assets/models/README.md).

  /usr/bin/python3 tools/train/evaluate.py --data /work/cache/data \
      --q8 assets/models/inkstone-poetry-q8_0.gguf --f32 /work/cache/inkstone-poetry-f32.gguf \
      --train-log /work/cache/run1/train.log --out assets/models/README.md
  version 2 (continued on poems + 宋詞): --record tools/train/run2.json instead of --train-log
  (version 1's log is optional then), plus --blind/--mixed/--pairs for the way of writing.

All numbers come from PyTorch forward passes with the weights read back from the GGUF files
(Q8_0 dequantized), not from Inkstone's runtime. Sampling is plain temperature sampling over
the whole vocabulary (no top-k/top-p, no constraints, no repetition penalty), seeded.
"""
import argparse
import collections
import json
import os
import re
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "corpus"))
from export_gguf import model_from_gguf  # noqa: E402
from prepare import Encoder, FORMS, LINE_END, N_SPECIAL, classify  # noqa: E402
from card import train_summary, write_card  # noqa: E402

CARD_PROMPTS = [("五绝", "春晓"), ("七绝", "春望"), ("五律", "秋夜"), ("七律", "登高"),
                ("五绝", "江雪"), ("七绝", "送友人归江南"), ("五律", "山居"), ("七律", "寄远"),
                ("五绝", "梅花"), ("七绝", "夜泊"), ("五律", "旅夜书怀"), ("七律", "重阳"),
                ("五绝", "听雨"), ("七绝", "西湖"), ("五律", "边塞"), ("七律", "怀古"),
                ("七绝", "明月"), ("五绝", "竹"), ("其他", "长歌行"), ("其他", "月下独酌")]
# A model with the <词> tag also writes these 詞 on its card (title = 詞牌).
CI_PROMPTS = [("词", "浣溪沙"), ("词", "水调歌头"), ("词", "念奴娇"), ("词", "蝶恋花")]


class Decoder:
    def __init__(self, vocab):
        self.tokens, self.types = vocab["tokens"], vocab["types"]

    def __call__(self, ids):
        out, pending = [], b""
        for i in ids:
            if self.types[i] == 6:
                pending += bytes([i - N_SPECIAL])
                continue
            if pending:
                out.append(pending.decode("utf-8", "replace"))
                pending = b""
            t = self.tokens[i]
            out.append(" " if t == "▁" else t)
        if pending:
            out.append(pending.decode("utf-8", "replace"))
        return "".join(out)


@torch.no_grad()
def val_loss(model, stream, starts, nl_id, max_seqs=0):
    """-> (nats/token, nats/char over all targets, nats/char over body targets + </s>)."""
    ends = np.append(starts[1:], len(stream))
    seqs = [stream[s:e].astype(np.int64)[:model.cfg.n_ctx + 1] for s, e in zip(starts, ends)]
    if max_seqs:
        seqs = seqs[:max_seqs]
    seqs.sort(key=len)
    tot = tot_body = 0.0
    n_tok = n_char = n_body_char = 0
    for i in range(0, len(seqs), 32):
        grp = seqs[i:i + 32]
        T = max(len(s) for s in grp)
        x = np.full((len(grp), T), -100, dtype=np.int64)
        for j, s in enumerate(grp):
            x[j, :len(s)] = s
        x = torch.from_numpy(x)
        inp = x[:, :-1].clamp(min=0)
        tgt = x[:, 1:]
        nll = F.cross_entropy(model(inp).transpose(1, 2), tgt, ignore_index=-100,
                              reduction="none")                     # (B, T-1)
        valid = tgt != -100
        # a character spelled with byte tokens counts once: count every target except UTF-8
        # continuation bytes (0x80..0xBF)
        is_byte = (tgt >= N_SPECIAL) & (tgt < N_SPECIAL + 256)
        cont = is_byte & (tgt - N_SPECIAL >= 0x80) & (tgt - N_SPECIAL < 0xC0)
        in_body = (torch.cumsum((inp == nl_id).long(), dim=1) > 0) & valid
        tot += nll[valid].sum().item()
        tot_body += nll[in_body].sum().item()
        n_tok += int(valid.sum())
        n_char += int((valid & ~cont).sum())
        n_body_char += int((in_body & ~cont).sum())
    return tot / n_tok, tot / n_char, tot_body / n_body_char


@torch.no_grad()
def sample_many(model, prompts, temp, gen, max_new=160):
    """Temperature sampling (temp 0: greedy) with a KV cache until </s>, for many prompts,
    batched by prompt length -> [(generated ids without </s>, ended with </s>)], in order."""
    groups = collections.defaultdict(list)
    for i, p in enumerate(prompts):
        groups[len(p)].append(i)
    out = [None] * len(prompts)
    for n, idx in sorted(groups.items()):
        caches = []
        logits = model.forward_cached(torch.tensor([prompts[i] for i in idx]), caches)[:, -1]
        ids = [[] for _ in idx]
        ended = [False] * len(idx)
        for _ in range(min(max_new, model.cfg.n_ctx - n)):
            if temp == 0:
                nxt = logits.argmax(-1)
            else:
                nxt = torch.multinomial(torch.softmax(logits / temp, -1), 1, generator=gen)[:, 0]
            for j, t in enumerate(nxt.tolist()):
                if ended[j]:
                    continue
                if t == 2:
                    ended[j] = True
                else:
                    ids[j].append(t)
            if all(ended):
                break
            logits = model.forward_cached(nxt[:, None], caches)[:, -1]
        for j, i in enumerate(idx):
            out[i] = (ids[j], ended[j])
    return out


def split_poem(text):
    title, _, body = text.partition("\n")
    return title, body


def lines_of(body):
    return re.findall(r"[^%s]+" % LINE_END, body.replace("。", "，").replace("？", "，"))


def repeat_rate(bodies):
    rep = tot = 0
    for b in bodies:
        chars = [c for c in b if c not in "，。？！；：、"]
        rep += len(chars) - len(set(chars))
        tot += len(chars)
    return rep / max(1, tot)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--q8", required=True)
    ap.add_argument("--f32", required=True)
    ap.add_argument("--train-log", default="", help="version 1's train.log (if kept)")
    ap.add_argument("--record", default="", help="version 2's progress record (run2.json)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--n-per-form", type=int, default=100)
    ap.add_argument("--n-greedy", type=int, default=40)
    ap.add_argument("--max-val-seqs", type=int, default=0, help="0: the whole validation split")
    ap.add_argument("--card-temps", default="0.7,1.0")
    ap.add_argument("--threads", type=int, default=1, help="1 is fastest on a busy machine")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--results", default="", help="save the measurements here (JSON)")
    ap.add_argument("--from-results", default="", help="only rewrite the card from saved JSON")
    ap.add_argument("--blind", default="", help="pair readings in tools/train/blind (NAME,NAME)")
    ap.add_argument("--model-reading", default="",
                    help="a pair reading in tools/train/blind: the previous model (A) against "
                         "this one (B), both written the way the site writes")
    ap.add_argument("--mixed", default="", help="a mixed-test reading in tools/train/blind")
    ap.add_argument("--pairs", default="",
                    help="a write-pairs.mjs key (today's way | the new way) for the card")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    t_start = time.time()
    vocab = json.load(open(os.path.join(args.data, "vocab.json"), encoding="utf-8"))
    stats = json.load(open(os.path.join(args.data, "stats.json"), encoding="utf-8"))
    enc, dec = Encoder(vocab), Decoder(vocab)
    nl_id = enc.text("\n")[0]
    T = train_summary(args.train_log) if args.train_log else None
    rec = json.load(open(args.record, encoding="utf-8")) if args.record else None
    if not (T or rec):
        sys.exit("give --train-log (version 1) or --record (version 2)")
    if args.from_results:
        saved = json.load(open(args.from_results, encoding="utf-8"))
        card = {float(k): v for k, v in saved["card"].items()}
        write_card(args, saved["R"], card, saved["form_res"], T, vocab, stats, rec)
        return
    m8, meta = model_from_gguf(args.q8)
    m32, _ = model_from_gguf(args.f32)
    poems = [json.loads(l) for l in open(os.path.join(args.data, "poems.jsonl"), encoding="utf-8")]
    train_lines = set()
    for p in poems:
        if p["split"] == "train":
            train_lines.update(lines_of(p["body"]))
    val_poems = [p for p in poems if p["split"] == "val"]
    R = {}
    print(f"loaded in {time.time() - t_start:.0f}s", flush=True)

    vs = np.fromfile(os.path.join(args.data, "val.bin"), dtype=np.uint16)
    vi = np.load(os.path.join(args.data, "val_idx.npy"))
    R["val_q8"] = val_loss(m8, vs, vi, nl_id, args.max_val_seqs)
    R["val_f32"] = val_loss(m32, vs, vi, nl_id, args.max_val_seqs)
    R["n_params"] = sum(p.numel() for p in m8.parameters())
    if os.path.exists(os.path.join(args.data, "val_ci.bin")) and "词" in vocab["forms"]:
        cs = np.fromfile(os.path.join(args.data, "val_ci.bin"), dtype=np.uint16)
        ci = np.load(os.path.join(args.data, "val_ci_idx.npy"))
        R["val_ci_q8"] = val_loss(m8, cs, ci, nl_id, args.max_val_seqs)
        R["val_ci_f32"] = val_loss(m32, cs, ci, nl_id, args.max_val_seqs)
    print("val", R["val_q8"], R["val_f32"], f"{time.time() - t_start:.0f}s", flush=True)

    gen = torch.Generator().manual_seed(args.seed)
    card = {}
    for temp in [float(t) for t in args.card_temps.split(",")]:
        prompts = CARD_PROMPTS + (CI_PROMPTS if "词" in vocab["forms"] else [])
        res = sample_many(m8, [enc.prompt(f, t) for f, t in prompts], temp, gen)
        card[temp] = [(f, t, dec(ids), ended) for (f, t), (ids, ended) in zip(prompts, res)]

    rng = np.random.default_rng(args.seed)
    form_res = {}
    gen_bodies = []
    for form in FORMS[:4]:
        cands = [p["title"] for p in val_poems if p["form"] == form]
        titles = [cands[i] for i in rng.choice(len(cands), args.n_per_form, replace=False)]
        ok = 0
        for ids, ended in sample_many(m8, [enc.prompt(form, t) for t in titles], 0.8, gen):
            body = dec(ids)
            gen_bodies.append(body)
            ok += ended and classify(body) == form
        form_res[form] = ok / len(titles)
        print("form", form, form_res[form], f"{time.time() - t_start:.0f}s", flush=True)
    for temp in card:
        gen_bodies += [b for _, _, b, _ in card[temp]]
    gl = [l for b in gen_bodies for l in lines_of(b)]
    R["copy_rate"] = sum(l in train_lines for l in gl) / max(1, len(gl))
    R["copy_rate_by_len"] = {str(n): (sum(l in train_lines for l in gl if len(l) == n),
                                 sum(len(l) == n for l in gl)) for n in (5, 7)}
    R["n_lines"] = len(gl)
    R["repeat_gen"] = repeat_rate(gen_bodies)
    R["repeat_val"] = repeat_rate([p["body"] for p in val_poems])

    g_same = g_tok = g_n = 0
    prompts = [enc.prompt(FORMS[i % 4], p["title"])
               for i, p in enumerate(val_poems[:args.n_greedy])]
    greedy32, greedy8 = sample_many(m32, prompts, 0, None), sample_many(m8, prompts, 0, None)
    for (a, _), (b, _) in zip(greedy32, greedy8):
        g_same += a == b
        k = next((j for j, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        g_tok += k
        g_n += max(len(a), len(b))
    R["greedy_same"] = (g_same, args.n_greedy)
    R["greedy_prefix_share"] = g_tok / max(1, g_n)
    R["eval_seconds"] = time.time() - t_start
    print(json.dumps({k: v for k, v in R.items()}, ensure_ascii=False, default=str), flush=True)

    if args.results:
        with open(args.results, "w", encoding="utf-8") as f:
            json.dump({"R": R, "card": card, "form_res": form_res}, f, ensure_ascii=False)
        R = json.load(open(args.results, encoding="utf-8"))["R"]
    write_card(args, R, card, form_res, T, vocab, stats, rec)


if __name__ == "__main__":
    main()
