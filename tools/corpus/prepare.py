"""Prepare the chinese-poetry corpus for the Inkstone poetry model.

Input : the unpacked npm package chinese-poetry@2.0.1 (see tools/corpus/fetch.sh).
Output (in --out):
  poems.jsonl      one cleaned poem per line: {"title", "body", "form", "split"}
  vocab.json       the character vocabulary as a GGUF `llama` tokenizer (tokens, scores, types)
  train.bin/val.bin  uint16 token streams, sequences concatenated, <s> starts every sequence
  train_idx.npy/val_idx.npy  int64 offsets of every <s> in the streams
  stats.json       counts from every cleaning step

Cleaning (in this order; every count lands in stats.json):
  1. read dist/quantangshi/poet.{tang,song}.*.json (title, paragraphs)
  2. drop poems with a missing-character mark (□ or ○) in title or body
  3. drop Buddhist verses: titles containing 偈 or 頌 (偈頌, 頌古 ...)
  4. strip inline notes in full- or half-width parentheses: （一作…）, (…)
  5. strip whitespace; strip 其N numbering and a trailing " 一/二/..." series number from titles
  6. convert title and body to Simplified with OpenCC (t2s.json), which keeps every length
  7. drop poems whose body has characters other than CJK ideographs and ，。？！；：、
     or does not end with 。？！; drop empty titles/bodies
  8. drop duplicates (same Simplified body), keeping the first
  9. classify the form (lines are clauses ended by ，。？！；):
       五绝 4x5, 七绝 4x7, 五律 8x5, 七律 8x7, else 其他
 10. split ~2% of poems to validation (numpy seed 1234), by poem
Sequence format: <s> <form tag> title "\n" body </s>
Vocabulary: 0 <unk>, 1 <s>, 2 </s>, 3..258 <0x00>..<0xFF> byte tokens, 259..263 form tags,
then the most frequent characters of the training split (ties broken by code point).
Characters outside the vocabulary are encoded as their UTF-8 bytes (byte fallback).
"""
import argparse
import collections
import glob
import json
import os
import re
import subprocess
import tempfile
import unicodedata

import numpy as np

import rank

FORMS = ["五绝", "七绝", "五律", "七律", "其他"]
CI_FORM = "词"  # 宋詞, title = 詞牌; its tag is appended after "\n" (id 6272)
FORM_SHAPES = {(4, 5): "五绝", (4, 7): "七绝", (8, 5): "五律", (8, 7): "七律"}
BODY_PUNCT = set("，。？！；：、")
LINE_END = "，。？！；"
N_SPECIAL = 3
N_BYTE = 256
TAG_BASE = N_SPECIAL + N_BYTE  # 259

NOTE_RE = re.compile(r"（[^（）]*）|\([^()]*\)")
NUM = "一二三四五六七八九十百"
TITLE_NUM_RE = re.compile(r"(其[%s]+|\s+[%s]+)$" % (NUM, NUM))


def is_han(ch):
    cp = ord(ch)
    return (unicodedata.category(ch) == "Lo" and
            (0x3400 <= cp <= 0x9FFF or 0xF900 <= cp <= 0xFAFF or 0x20000 <= cp <= 0x3FFFF
             or cp == 0x3007))


def opencc_t2s(texts):
    """Convert a list of one-line strings with the opencc CLI (one call for all)."""
    with tempfile.TemporaryDirectory() as d:
        src, dst = os.path.join(d, "in.txt"), os.path.join(d, "out.txt")
        with open(src, "w", encoding="utf-8") as f:
            f.write("\n".join(texts) + "\n")
        subprocess.run(["opencc", "-c", "t2s.json", "-i", src, "-o", dst], check=True)
        with open(dst, encoding="utf-8") as f:
            out = f.read().split("\n")
    out = out[:len(texts)]
    assert len(out) == len(texts), "opencc changed the number of lines"
    return out


def classify(body):
    lines = re.findall(r"[^%s]+[%s]" % (LINE_END, LINE_END), body)
    if "".join(lines) != body:
        return "其他"
    lens = {len(l) - 1 for l in lines}
    if len(lens) != 1:
        return "其他"
    return FORM_SHAPES.get((len(lines), lens.pop()), "其他")


def byte_token(b):
    return "<0x%02X>" % b


def build_vocab(char_counts, n_chars):
    chars = sorted(char_counts, key=lambda c: (-char_counts[c], ord(c)))[:n_chars]
    tokens = ["<unk>", "<s>", "</s>"] + [byte_token(b) for b in range(256)]
    types = [2, 3, 3] + [6] * 256
    tokens += ["<%s>" % f for f in FORMS]
    types += [4] * len(FORMS)
    tokens += [("▁" if c == " " else c) for c in chars]
    types += [1] * len(chars)
    scores = [0.0] * TAG_BASE + [0.0] * len(FORMS) + [-float(i) for i in range(len(chars))]
    return {"tokens": tokens, "types": types, "scores": scores, "bos": 1, "eos": 2, "unk": 0,
            "forms": list(FORMS), "tag_base": TAG_BASE,
            "form_tags": {f: TAG_BASE + i for i, f in enumerate(FORMS)}}


class Encoder:
    def __init__(self, vocab):
        self.piece_to_id = {}
        for i, (t, ty) in enumerate(zip(vocab["tokens"], vocab["types"])):
            if ty == 1:
                self.piece_to_id[" " if t == "▁" else t] = i
        self.form_tags = vocab.get("form_tags") or {
            f: vocab["tag_base"] + i for i, f in enumerate(FORMS)}

    def text(self, s):
        out = []
        for ch in s:
            i = self.piece_to_id.get(ch)
            if i is not None:
                out.append(i)
            else:
                out.extend(N_SPECIAL + b for b in ch.encode("utf-8"))
        return out

    def sequence(self, form, title, body):
        return ([1, self.form_tags[form]] + self.text(title) + self.text("\n") +
                self.text(body) + [2])

    def prompt(self, form, title):
        return [1, self.form_tags[form]] + self.text(title) + self.text("\n")


def clean_raw(title, body, st):
    """Steps 2-5 for one poem: -> (title, body) or None (dropped, counted in st)."""
    if any(m in title + body for m in "□○"):
        st["drop_missing_mark"] += 1
        return None
    if "偈" in title or "頌" in title or "颂" in title:
        st["drop_buddhist"] += 1
        return None
    for _ in range(3):
        title, body = NOTE_RE.sub("", title), NOTE_RE.sub("", body)
    title = title.strip()
    title = TITLE_NUM_RE.sub("", title).strip()
    title = re.sub(r"\s+", "", title)
    body = re.sub(r"\s+", "", body)
    return title, body


def read_files(files, corpus, title_of, st, key):
    """-> [(title, body, rank score or None)] for every poem kept by clean_raw."""
    raw = []
    for path in files:
        ranks = rank.RankFile(rank.rank_path(corpus, path),
                              "rhythmic" if key == "ci" else "title")
        with open(path, encoding="utf-8") as f:
            for p in json.load(f):
                st[key + "_read"] += 1
                sc = ranks.take(p.get("author"), p.get("rhythmic" if key == "ci" else "title"))
                st[key + "_ranked"] += sc is not None
                got = clean_raw(title_of(p), "".join(p.get("paragraphs") or []), st)
                if got:
                    raw.append(got + (sc,))
    return raw


def by_number(paths):
    return sorted(paths, key=lambda p: (p.split(".")[-3], int(p.split(".")[-2])))


def cipai(p):
    """The 詞牌 of a 詞: `rhythmic` up to a ・ (十二时・忆少年 -> 十二时)."""
    return (p.get("rhythmic") or "").split("・")[0]


def convert_and_filter(raw, st, seen, max_title, form_of):
    """Steps 6-9: OpenCC, character filter, duplicates, form -> [poem dict]."""
    conv = opencc_t2s([t for t, _, _ in raw] + [b for _, b, _ in raw])
    titles, bodies = conv[:len(raw)], conv[len(raw):]
    out = []
    for (t0, b0, sc), title, body in zip(raw, titles, bodies):
        if len(title) != len(t0) or len(body) != len(b0):
            st["t2s_length_changed"] += 1
        if not body or not title:
            st["drop_empty"] += 1
            continue
        if any(not (is_han(c) or c in BODY_PUNCT) for c in body) or body[-1] not in "。？！":
            st["drop_bad_body_chars"] += 1
            continue
        if body in seen:
            st["drop_duplicate"] += 1
            continue
        seen.add(body)
        out.append({"title": title[:max_title], "body": body, "form": form_of(body),
                    "rank": sc})
    return out


def write_stream(path_base, seqs, weights=None):
    lens = np.array([len(s) for s in seqs], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
    stream = np.fromiter((t for s in seqs for t in s), dtype=np.uint16, count=int(lens.sum()))
    stream.tofile(path_base + ".bin")
    np.save(path_base + "_idx.npy", starts)
    if weights is not None:
        np.save(path_base + "_weight.npy", np.asarray(weights, dtype=np.float32))
    return stream


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True, help="unpacked npm package dir (…/package)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--n-chars", type=int, default=6008)
    ap.add_argument("--val-frac", type=float, default=0.02)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--max-title", type=int, default=32)
    ap.add_argument("--no-ci", action="store_true", help="poems only (the version-1 data)")
    ap.add_argument("--top-share", type=float, default=0.10)
    ap.add_argument("--top-weight", type=float, default=3.0)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    st = collections.Counter()

    files = by_number(glob.glob(os.path.join(args.corpus, "dist/quantangshi/poet.*.json")))
    raw = read_files(files, args.corpus, lambda p: p.get("title") or "", st, "poem")
    print("read", st["poem_read"], "kept", len(raw), flush=True)
    seen = set()
    poems = convert_and_filter(raw, st, seen, args.max_title, classify)

    rng = np.random.default_rng(args.seed)
    is_val = rng.random(len(poems)) < args.val_frac
    for p, v in zip(poems, is_val):
        p["split"] = "val" if v else "train"
    st["poems"] = len(poems)
    st["val_poems"] = int(is_val.sum())
    for f in FORMS:
        st["form_" + f] = sum(p["form"] == f for p in poems)

    ci = []
    if not args.no_ci:
        # 詞 come after the poems and split with their own generator, so the poems, their
        # split, the vocabulary and the poem streams are exactly those of the version-1 data.
        cfiles = glob.glob(os.path.join(args.corpus, "dist/songci/ci.song.*.json"))
        cfiles = by_number([p for p in cfiles if p.split(".")[-2].isdigit()])
        craw = read_files(cfiles, args.corpus, cipai, st, "ci")
        ci = convert_and_filter(craw, st, seen, args.max_title, lambda body: CI_FORM)
        crng = np.random.default_rng(args.seed + 1)
        for p, v in zip(ci, crng.random(len(ci)) < args.val_frac):
            p["split"] = "val" if v else "train"
        st["ci"] = len(ci)
        st["val_ci"] = sum(p["split"] == "val" for p in ci)
        st["ci_cipai"] = len({p["title"] for p in ci})

    counts = collections.Counter()
    for p in poems:
        if p["split"] == "train":
            counts.update(p["title"])
            counts.update(p["body"])
    vocab = build_vocab(counts, args.n_chars - 1)
    # "\n" ends the title; it is a normal piece of its own.
    vocab["tokens"].append("\n")
    vocab["types"].append(1)
    vocab["scores"].append(-float(args.n_chars))
    if ci:
        # New tokens go at the end, so every version-1 prompt keeps its ids.
        vocab["form_tags"][CI_FORM] = len(vocab["tokens"])
        vocab["forms"].append(CI_FORM)
        vocab["tokens"].append("<%s>" % CI_FORM)
        vocab["types"].append(4)
        vocab["scores"].append(0.0)
    total = sum(counts.values())
    covered = sum(counts[c] for c in vocab["tokens"] if len(c) == 1)
    st["distinct_chars_train"] = len(counts)
    st["char_coverage_train"] = covered / total
    st["n_vocab"] = len(vocab["tokens"])
    with open(os.path.join(args.out, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)

    enc = Encoder(vocab)
    with open(os.path.join(args.out, "poems.jsonl"), "w", encoding="utf-8") as f:
        for p in poems + ci:
            f.write(json.dumps(p, ensure_ascii=False) + "\n")
    train = []
    for split in ("train", "val"):
        sel = [p for p in poems if p["split"] == split]
        order = rng.permutation(len(sel))
        if split == "val":
            seqs = [enc.sequence(sel[i]["form"], sel[i]["title"], sel[i]["body"]) for i in order]
            write_stream(os.path.join(args.out, "val"), seqs)
            st["val_tokens"] = sum(map(len, seqs))
        else:
            train = [sel[i] for i in order]
    if ci:
        crng = np.random.default_rng(args.seed + 2)
        val_ci = [p for p in ci if p["split"] == "val"]
        seqs = [enc.sequence(p["form"], p["title"], p["body"]) for p in val_ci]
        write_stream(os.path.join(args.out, "val_ci"), seqs)
        st["val_ci_tokens"] = sum(map(len, seqs))
        train_ci = [p for p in ci if p["split"] == "train"]
        train = train + train_ci
        train = [train[i] for i in crng.permutation(len(train))]
    # Sampling weights: the most-read share of poems (and of 詞, ranked among themselves).
    for name, group in (("poems", FORMS), ("ci", [CI_FORM])):
        sel = [p for p in train if p["form"] in group]
        w, cut = rank.top_share_weights([p["rank"] for p in sel], args.top_share,
                                        args.top_weight)
        for p, x in zip(sel, w):
            p["weight"] = x
        st["rank_cut_" + name] = cut
    seqs = [enc.sequence(p["form"], p["title"], p["body"]) for p in train]
    stream = write_stream(os.path.join(args.out, "train"), seqs, [p["weight"] for p in train])
    st["train_tokens"] = int(len(stream))
    st["train_byte_tokens"] = int(((stream >= N_SPECIAL) & (stream < TAG_BASE)).sum())
    st["train_ci_tokens"] = sum(len(s) for s, p in zip(seqs, train) if p["form"] == CI_FORM)
    with open(os.path.join(args.out, "stats.json"), "w", encoding="utf-8") as f:
        json.dump(dict(st), f, ensure_ascii=False, indent=1)
    print(json.dumps(dict(st), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
