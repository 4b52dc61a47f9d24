"""Evaluate the exported poetry model and write its model card (assets/models/README.md).

  /usr/bin/python3 tools/train/evaluate.py --data /work/cache/data \
      --q8 assets/models/inkstone-poetry-q8_0.gguf --f32 /work/cache/inkstone-poetry-f32.gguf \
      --train-log /work/cache/run1/train.log --out assets/models/README.md

All numbers come from PyTorch forward passes with the weights read back from the GGUF files
(Q8_0 dequantized), not from Inkstone's runtime. Sampling is plain temperature sampling over
the whole vocabulary (no top-k/top-p, no constraints, no repetition penalty), seeded.
"""
import argparse
import collections
import datetime
import hashlib
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
from prepare import Encoder, FORMS, LINE_END, N_SPECIAL, TAG_BASE, classify  # noqa: E402
sys.path.insert(0, os.path.join(HERE, "blind"))
from score import score, score_mixed  # noqa: E402

CARD_PROMPTS = [("五绝", "春晓"), ("七绝", "春望"), ("五律", "秋夜"), ("七律", "登高"),
                ("五绝", "江雪"), ("七绝", "送友人归江南"), ("五律", "山居"), ("七律", "寄远"),
                ("五绝", "梅花"), ("七绝", "夜泊"), ("五律", "旅夜书怀"), ("七律", "重阳"),
                ("五绝", "听雨"), ("七绝", "西湖"), ("五律", "边塞"), ("七律", "怀古"),
                ("七绝", "明月"), ("五绝", "竹"), ("其他", "长歌行"), ("其他", "月下独酌")]


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


def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def train_summary(path):
    ev = [json.loads(l) for l in open(path, encoding="utf-8")]
    starts = [e for e in ev if e.get("event") == "start"]
    dones = [e for e in ev if e.get("event") == "done"]
    history = [e for e in ev if e.get("event") in ("start", "resume", "plan", "replan", "done")]
    ckpts = [e for e in ev if e.get("event") == "ckpt"]
    return {"first": starts[0] if starts else None, "start": starts[-1] if starts else None,
            "done": dones[-1] if dones else None, "history": history, "ckpts": ckpts}


def history_line(e):
    k = e["event"]
    if k == "start":
        a = e["args"]
        return (f"{e['time']} start: {a['threads']} thread(s), deadline {a.get('deadline')}, "
                f"schedule {a.get('schedule', 'steps (planned from measured speed)')}")
    if k == "resume":
        return f"{e['time']} resume from the checkpoint at step {e['step']}"
    if k == "plan":
        return (f"{e['time']} measured {e['tok_per_s']} tokens/s, planned {e['total_steps']} "
                "steps")
    if k == "replan":
        return f"{e['time']} machine slowed down: plan cut to {e['total_steps']} steps"
    return (f"{e['time']} done: step {e['step']}, {e['tokens']:,} tokens, last segment "
            f"{e.get('tok_per_s', '?')} tokens/s")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--q8", required=True)
    ap.add_argument("--f32", required=True)
    ap.add_argument("--train-log", required=True)
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
    if args.from_results:
        saved = json.load(open(args.from_results, encoding="utf-8"))
        card = {float(k): v for k, v in saved["card"].items()}
        write_card(args, saved["R"], card, saved["form_res"], train_summary(args.train_log),
                   vocab, stats)
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
    print("val", R["val_q8"], R["val_f32"], f"{time.time() - t_start:.0f}s", flush=True)

    gen = torch.Generator().manual_seed(args.seed)
    card = {}
    for temp in [float(t) for t in args.card_temps.split(",")]:
        res = sample_many(m8, [enc.prompt(f, t) for f, t in CARD_PROMPTS], temp, gen)
        card[temp] = [(f, t, dec(ids), ended) for (f, t), (ids, ended) in zip(CARD_PROMPTS, res)]

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
    write_card(args, R, card, form_res, train_summary(args.train_log), vocab, stats)


def way_of_writing(args, w):
    """The card's section on how the site writes: the blind readings and side-by-side pairs."""
    if not (args.blind or args.mixed or args.pairs):
        return
    w("## The way of writing\n")
    w("The site writes a 詩 with its constraints (form, 平仄, rhyme) and, since the blind "
      "reading below, with **classifier-free guidance 2.5** toward the title (a second sequence "
      "with the title 无题 runs beside the poem's; each step samples from "
      "`uncond + 2.5 · (cond − uncond)`) and **no repeated characters** (`no_repeat`). A 詞 is "
      "written without either. Protocol: `tools/train/blind/README.md`.\n")
    if args.blind:
        w("| reading | pairs | the new way preferred | coherence today's way / new way |")
        w("|---|---|---|---|")
        for name in args.blind.split(","):
            n, b, mean = score(name)
            w(f"| `{name}` | {n} | {b} ({100 * b / n:.1f} %) | {mean['A']:.2f} / {mean['B']:.2f} |")
        w("")
    if args.mixed:
        n, found, right, mean = score_mixed(args.mixed)
        w(f"Mixed test `{args.mixed}`: {n // 2} of ours (the new way) among {n // 2} little-read "
          f"held-out Song 七絕 with the same titles. The reader called {found} of ours a model's "
          f"({right} of {n} calls right); coherence {mean['model']:.2f} for ours, "
          f"{mean['song']:.2f} for the Song poems.\n")
    if args.pairs:
        key = json.load(open(args.pairs, encoding="utf-8"))
        w(f"Side by side, unedited ({key['form']}, constraints on, the site's sampling; "
          "today's way | the new way, same title and seed):\n")
        w("| title | seed | today's way | the new way |")
        w("|---|---|---|---|")
        for p in key["pairs"]:
            a, b = (p["poems"][k]["text"].replace("\n", "") for k in ("A", "B"))
            w(f"| {p['title']} | {p['seed']} | {a} | {b} |")
        w("")


def write_card(args, R, card, form_res, T, vocab, stats):
    q8_size, f32_size = os.path.getsize(args.q8), os.path.getsize(args.f32)
    st, dn = T["start"], T["done"]
    cfg = st["config"] if st else {}
    a = st["args"] if st else {}
    n_params = st["params"] if st else 0
    tag_ids = ", ".join("`<%s>` = %d" % (f, TAG_BASE + i) for i, f in enumerate(FORMS))
    L = []
    w = L.append
    w("# inkstone-poetry — the default Inkstone model\n")
    w("A small character-level Llama that writes classical Chinese poems (Simplified "
      "characters), trained on 2 CPU cores from the public `chinese-poetry` corpus. "
      "*This card is generated by `tools/train/evaluate.py`; do not edit by hand.*\n")
    w("## Files\n")
    w("| file | type | bytes | sha256 |\n|---|---|---|---|")
    w(f"| `assets/models/{os.path.basename(args.q8)}` (shipped) | Q8_0 (2-D weights), F32 norms "
      f"| {q8_size:,} | `{sha256(args.q8)}` |")
    w(f"| `{os.path.basename(args.f32)}` (not committed; rebuilt by the recipe) | F32 "
      f"| {f32_size:,} | `{sha256(args.f32)}` |\n")
    w("## Architecture\n")
    w(f"GGUF v3, `general.architecture = llama`: {cfg.get('n_layer')} layers, "
      f"n_embd {cfg.get('n_embd')}, {cfg.get('n_head')} heads (n_head_kv "
      f"{cfg.get('n_head_kv')}, head_dim {cfg.get('n_embd', 0) // max(1, cfg.get('n_head', 1))}), "
      f"SwiGLU n_ff {cfg.get('n_ff')}, RMSNorm eps {cfg.get('rms_eps')}, RoPE adjacent-pair "
      f"(ggml normal mode) base {cfg.get('rope_base')}, no biases, output tied to "
      f"`token_embd.weight` (no `output.weight`), context {cfg.get('n_ctx')} tokens, vocabulary "
      f"{cfg.get('n_vocab')}, **{n_params:,} parameters**.\n")
    w("## Prompt format\n")
    w("```\n<s><FORM>TITLE\\nBODY</s>\n```")
    w(f"- `<s>` (BOS) = {vocab['bos']}, `</s>` (EOS) = {vocab['eos']}, `<unk>` = {vocab['unk']} "
      f"(never produced by the tokenizer; the model never saw it).")
    w(f"- Form tags (USER_DEFINED tokens): {tag_ids}. 五绝/七绝: 4 lines of 5/7 characters; "
      "五律/七律: 8 lines of 5/7; 其他: anything else (古体, 词-like, uneven lines).")
    w("- TITLE: a title or theme in Simplified characters; `\\n` (token "
      f"{vocab['tokens'].index(chr(10))}) ends it.")
    w("- BODY: the lines, each followed by its punctuation (，or 。; ？！；occur too), e.g. "
      "`床前明月光，疑是地上霜。举头望明月，低头思故乡。`; `</s>` ends the poem.")
    w("- To generate: feed `<s><FORM>TITLE\\n` and sample until `</s>`. The same text is stored "
      "in the GGUF key `inkstone.prompt_format`; `inkstone.forms` lists the tags; "
      "`inkstone.version` = \"1\".\n")
    w("## Vocabulary and characters outside it\n")
    w(f"`tokenizer.ggml.model = llama`: id 0 `<unk>` (type 2), 1 `<s>`, 2 `</s>` (type 3), "
      f"3..258 the byte tokens `<0x00>`..`<0xFF>` (type 6), 259..263 the form tags (type 4), "
      f"then {len(vocab['tokens']) - 264} characters (type 1; score = -rank by training "
      "frequency), the last being `\\n`. `add_bos_token` = true, `add_space_prefix` = false. "
      "Every character is one token; a character outside the vocabulary is spelled as its UTF-8 "
      "bytes with byte tokens (byte fallback), in training as at inference, so any title can be "
      f"read. The vocabulary covers {stats['char_coverage_train']:.2%} of the training "
      f"characters ({stats['distinct_chars_train']:,} distinct); "
      f"{stats['train_byte_tokens']:,} of {stats['train_tokens']:,} training tokens are byte "
      "tokens.\n")
    w("## Data\n")
    w("npm package [`chinese-poetry@2.0.1`](https://www.npmjs.com/package/chinese-poetry) "
      "(MIT license, Copyright (c) 2016 JackeyGao), integrity `sha512-KtYARvV7CWNtax0na9+Jn6Pl"
      "hGgSoid7PWyDzXI4KsCEm2odZcqEQyval5koaLygZnM/EQ3lfJ//25K8p3uHNg==`: the 全唐诗/全宋诗 files `dist/quantangshi/poet.{tang,song}.*.json` (title, paragraphs). "
      "Cleaning (`tools/corpus/prepare.py`): drop poems with □/○ placeholders "
      f"({stats['drop_missing_mark']:,}), Buddhist verses with 偈/颂 in the title "
      f"({stats['drop_buddhist']:,}), bodies with characters other than CJK ideographs and "
      f"，。？！；：、 ({stats['drop_bad_body_chars']:,}), empty ones ({stats['drop_empty']:,}) and "
      f"duplicate bodies ({stats['drop_duplicate']:,}); strip `（…）` notes, whitespace and 其N "
      "numbering; convert to Simplified with OpenCC `t2s.json`; titles cut to 32 characters. "
      f"Result: **{stats['poems']:,} poems** (五绝 {stats['form_五绝']:,}, 七绝 "
      f"{stats['form_七绝']:,}, 五律 {stats['form_五律']:,}, 七律 {stats['form_七律']:,}, 其他 "
      f"{stats['form_其他']:,}); {stats['val_poems']:,} (2%, seed 1234) held out for "
      f"validation; {stats['train_tokens']:,} training tokens. The form tag is derived from the "
      "line structure (lines = clauses ended by ，。？！；), not from the corpus.\n")
    w("## Training\n")
    first = T["first"]
    if st:
        w(f"PyTorch {torch.__version__} (Debian `python3-torch`, OpenBLAS) on a 2-core CPU "
          "machine shared with other developers' builds and tests (load average ~17 during the "
          "run), under `nice -n 5`. AdamW (β 0.9/0.95, weight "
          f"decay {a.get('wd')} on matrices), peak LR {a.get('lr')}, {a.get('warmup')} warm-up "
          "steps, cosine decay to 10% over the wall-clock time to the deadline, gradient clip "
          f"1.0, batch {a.get('batch')} × {cfg.get('n_ctx')} tokens; each window starts at a "
          f"poem's `<s>` (following poems packed after it), seed {a.get('seed')}.")
    if dn and first:
        t0 = datetime.datetime.strptime(first["time"], "%H:%M:%S")
        t1 = datetime.datetime.strptime(dn["time"], "%H:%M:%S")
        w(f"\n**{dn['tokens']:,} tokens** ({dn['step']} steps, "
          f"{dn['tokens'] / stats['train_tokens']:.2f} epochs) in "
          f"{(t1 - t0).total_seconds() / 60:.0f} min of wall time ({first['time']}–{dn['time']} "
          "UTC, including restarts). Run history:\n")
    for e in T["history"]:
        w("- " + history_line(e))
    if T["ckpts"]:
        w("\nQuick validation loss (64 fixed validation windows, nats/token) by tokens seen: " +
          ", ".join(f"{c['tokens'] / 1e6:.1f}M → {c['val_loss']}" for c in T["ckpts"]) +
          (f", final {dn['val_loss']}" if dn else "") + ".\n")
    w("## Evaluation\n")
    w("Measured by `tools/train/evaluate.py` with PyTorch on the weights read back from the GGUF "
      "files (not with Inkstone's runtime).\n")
    q, f = R["val_q8"], R["val_f32"]
    w("| | Q8_0 (shipped) | F32 |\n|---|---|---|")
    w(f"| validation loss, nats/token (all targets) | {q[0]:.4f} | {f[0]:.4f} |")
    w(f"| validation loss, nats/character (all targets) | {q[1]:.4f} | {f[1]:.4f} |")
    w(f"| validation loss, nats/character (body + `</s>`) | {q[2]:.4f} | {f[2]:.4f} |\n")
    w("Unconstrained samples (Q8_0 weights, temperature 0.8, no top-k/top-p, "
      f"{args.n_per_form} validation titles per tag): share that come out exactly in the tagged "
      "form (right number of lines, right line length, ended by `</s>`):\n")
    w("| tag | well-formed |\n|---|---|")
    for form, v in form_res.items():
        w(f"| `<{form}>` | {v:.0%} |")
    w(f"| all four | {np.mean(list(form_res.values())):.0%} |\n")
    c5, c7 = R["copy_rate_by_len"]["5"], R["copy_rate_by_len"]["7"]
    w(f"- **Copied lines**: {R['copy_rate']:.2%} of {R['n_lines']:,} generated lines (all "
      f"samples above plus the card's) occur verbatim as a line of a training poem "
      f"(5-character lines {c5[0]}/{c5[1]}, 7-character {c7[0]}/{c7[1]}). Target: under 5%.")
    w(f"- **Repeated characters**: {R['repeat_gen']:.2%} of the characters of generated bodies "
      f"repeat an earlier character of the same poem; validation poems: {R['repeat_val']:.2%}.")
    gs = R["greedy_same"]
    w(f"- **Q8_0 vs F32**: greedy continuations ({gs[1]} validation titles, 4 tags in turn) are "
      f"identical for {gs[0]}/{gs[1]} prompts; {R['greedy_prefix_share']:.1%} of generated "
      "tokens lie in the common prefix.\n")
    way_of_writing(args, w)
    w("## Samples (unedited)\n")
    w("Sampled with the PyTorch model on the Q8_0 file's dequantized weights, plain temperature "
      f"sampling, torch.Generator seed {args.seed}, no constraints. `(no </s>)` marks a sample "
      "that hit the length limit.\n")
    for temp, rows in card.items():
        w(f"### temperature {temp}\n")
        for form, title, body, ended in rows:
            w(f"- `<{form}>` **{title}** — {body}{'' if ended else ' (no </s>)'}")
        w("")
    w("## Limits\n")
    w(f"- A {n_params / 1e6:.1f}M-parameter model trained for under two hours on a shared "
      "2-core CPU, well short of one epoch: the poems wander in meaning, and tone patterns "
      "(平仄) and rhyme are not learned reliably — use the runtime's constraints for strict "
      "forms.")
    w("- Titles only condition the poem loosely. Simplified output only.\n")
    w("## Reproduce\n")
    w("```sh\n"
      "# 1. corpus (npm, pinned + integrity-checked) and data\n"
      "tools/corpus/fetch.sh /work/cache/corpus\n"
      "/usr/bin/python3 tools/corpus/prepare.py --corpus /work/cache/corpus/package "
      "--out /work/cache/data\n"
      "# 2. train (stops itself at the deadline; resumable; see tools/train/README.md)\n"
      "# the shipped run used --schedule time with a deadline; replay its schedule (per-step\n"
      "# progress) and data order exactly, for the same 2509 steps:\n"
      "OPENBLAS_NUM_THREADS=1 nohup nice -n 5 /usr/bin/python3 tools/train/train.py "
      "--data /work/cache/data --ckpt /work/cache/run1 --threads 1 "
      "--replay tools/train/progress-shipped.json > /work/cache/run1.out 2>&1 &\n"
      "# 3. export\n"
      "/usr/bin/python3 tools/train/export_gguf.py --ckpt /work/cache/run1/ckpt.pt "
      "--data /work/cache/data --f32 /work/cache/inkstone-poetry-f32.gguf "
      "--q8 assets/models/inkstone-poetry-q8_0.gguf\n"
      "# 4. golden fixture and this card\n"
      "/usr/bin/python3 tools/train/make_golden.py --data /work/cache/data "
      "--f32 /work/cache/inkstone-poetry-f32.gguf --q8 assets/models/inkstone-poetry-q8_0.gguf "
      "--out tests/fixtures/poetry/golden.json\n"
      "/usr/bin/python3 tools/train/evaluate.py --data /work/cache/data "
      "--q8 assets/models/inkstone-poetry-q8_0.gguf --f32 /work/cache/inkstone-poetry-f32.gguf "
      "--train-log /work/cache/run1/train.log --out assets/models/README.md\n```")
    w("The replay reproduces the learning-rate schedule, the batches and the initialisation; "
      "the shipped run did its first 115 steps with 2 BLAS threads and the rest with 1, so a "
      "replay with 1 thread may differ from the shipped weights in the last bits.\n")
    w(f"Evaluation took {R['eval_seconds'] / 60:.1f} min; generated "
      f"{datetime.datetime.utcnow().strftime('%Y-%m-%d %H:%M')} UTC.")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\n".join(L) + "\n")
    print("wrote", args.out)


if __name__ == "__main__":
    main()
