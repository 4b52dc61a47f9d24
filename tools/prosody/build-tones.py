#!/usr/bin/env python3
"""Builds assets/prosody/tones.tsv: character -> P (平) / Z (仄) / B (both).

Source: the chinese-poetry corpus (npm chinese-poetry@2.0.1), dist/quantangshi/poet.*.json
(poems) and dist/strains/json/poet.*.json (their tone annotations: one string per paragraph,
one mark per character: 平, 仄, ○ = unmarked/either, ？ = unknown). Poems are aligned with their
annotations by id; a poem is used only when every paragraph has the same length as its strains
string and punctuation sits at the same places.

Counts are kept per character for the Traditional text and, via OpenCC t2s run on the whole
poem text (so phrase conversions apply; poems whose length changes are skipped for the
Simplified side), for the Simplified text.

Ambiguity rule: n_p = times marked 平, n_z = times marked 仄. A character with
min(n_p, n_z) / (n_p + n_z) >= kBothShare (0.15) is B; otherwise the majority. Characters seen
marked 平 or 仄 fewer than kMinCount times in total are B when they were marked ○ (the
annotation's "either") at least kMinCount times, and dropped (tone unknown) otherwise.

Usage: build-tones.py CORPUS_DIST_DIR OUT_TSV  (prints coverage statistics)
"""
import collections
import glob
import json
import os
import subprocess
import sys
import tempfile

kBothShare = 0.15
kMinCount = 2
kPunct = set("，。？！、；：,.?!;:")


def main():
    dist, out_path = sys.argv[1], sys.argv[2]
    texts, marks = [], []  # aligned poem texts (paragraphs joined) and tone strings
    n_poems = n_aligned = 0
    for sfile in sorted(glob.glob(os.path.join(dist, "strains/json/poet.*.json"))):
        pfile = os.path.join(dist, "quantangshi", os.path.basename(sfile))
        if not os.path.exists(pfile):
            continue
        poems = {p["id"]: p for p in json.load(open(pfile, encoding="utf-8"))}
        for s in json.load(open(sfile, encoding="utf-8")):
            n_poems += 1
            p = poems.get(s["id"])
            if p is None:
                continue
            text, mark = "".join(p["paragraphs"]), "".join(s["strains"])
            if len(text) != len(mark):
                continue
            if any((a in kPunct) != (b in kPunct) for a, b in zip(text, mark)):
                continue
            n_aligned += 1
            texts.append(text)
            marks.append(mark)

    # Simplified text via OpenCC on whole poems (one poem per line).
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "t.txt")
        dst = os.path.join(tmp, "s.txt")
        with open(src, "w", encoding="utf-8") as f:
            for t in texts:
                f.write(t.replace("\n", "") + "\n")
        subprocess.run(["opencc", "-c", "t2s", "-i", src, "-o", dst], check=True)
        simp = open(dst, encoding="utf-8").read().split("\n")[: len(texts)]

    counts = collections.defaultdict(lambda: [0, 0, 0])  # char -> [n_p, n_z, n_either]
    n_marks = collections.Counter()
    n_simp_ok = 0
    for t, s, m in zip(texts, simp, marks):
        sides = [t]
        if len(s) == len(t):
            sides.append(s)
            n_simp_ok += 1
        for side in sides:
            for c, k in zip(side, m):
                if c in kPunct:
                    continue
                if side is t:
                    n_marks[k] += 1
                if k == "平":
                    counts[c][0] += 1
                elif k == "仄":
                    counts[c][1] += 1
                elif k == "○":
                    counts[c][2] += 1

    table = {}
    for c, (p, z, o) in counts.items():
        if p + z < kMinCount:
            if o >= kMinCount:
                table[c] = "B"
            continue
        share = min(p, z) / (p + z)
        table[c] = "B" if share >= kBothShare else ("P" if p > z else "Z")

    with open(out_path, "w", encoding="utf-8") as f:
        f.write("# char\ttone (P=平 Z=仄 B=both) — built by tools/prosody/build-tones.py\n")
        for c in sorted(table):
            f.write(f"{c}\t{table[c]}\n")

    # Coverage: share of corpus character tokens (Traditional side, non-punctuation) whose
    # character has a P/Z/B entry, and the share with a definite P/Z tone.
    tot = cov = definite = 0
    for t in texts:
        for c in t:
            if c in kPunct:
                continue
            tot += 1
            v = table.get(c)
            if v:
                cov += 1
                definite += v != "B"
    kinds = collections.Counter(table.values())
    print(f"poems with strains: {n_poems}, aligned: {n_aligned}, simplified same length: {n_simp_ok}")
    print(f"marks: {dict(n_marks)}")
    print(f"table: {len(table)} chars {dict(kinds)}")
    print(f"coverage of corpus character tokens: {cov / tot:.4%} (definite P/Z: {definite / tot:.4%}) of {tot}")


if __name__ == "__main__":
    main()
