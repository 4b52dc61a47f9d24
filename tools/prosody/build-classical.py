#!/usr/bin/python3
"""Builds assets/prosody/rhyme-classical.tsv: character -> classical 平-rhyme groups derived
from the corpus itself (characters that rhyme with each other in regulated verse).

Source: the same aligned poems as build-tones.py (chinese-poetry@2.0.1, dist/quantangshi +
dist/strains). Steps:
  1. Poems shaped as 絕句/律詩 (4 or 8 lines of 5 or 7 characters) whose rhyme characters
     (the ends of lines 2, 4, 6, 8) are all marked 平 in the annotation. Line 1 is left out
     (it may borrow a neighbouring rhyme, 孤雁出群). Simplified text (OpenCC t2s) is used.
  2-4 (rhyme_cluster.py). Co-occurrence: for each poem, each pair of distinct rhyme characters gets 1 / (k - 1)
     (k = distinct rhyme characters in the poem).
  3. Characters seen at rhyme positions at least kMinCount times are clustered by average-linkage
     agglomeration on the cosine similarity w_ab / sqrt(n_a n_b), stopping when the best link
     falls below kStopLink. Clusters with fewer than kMinCluster characters are dissolved.
  4. Every character (clustered or rare) then gets each cluster holding at least kShare of its
     co-rhyme weight (so polyphonic characters get several groups, primary first), if it has
     at least kMinWeight weight in total.
  5. Traditional characters get the groups of their OpenCC t2s conversion.
  6. Groups are numbered and named after the 平水韵 平声 group whose 韵目 character (东 冬 江 ...)
     they contain (as a clustered member, else as its primary group) (1 东 .. 15 删 are 上平, 16 先 .. 30 咸 下平); a cluster holding none of them
     would be numbered after 30 and named by its most frequent character. The build prints
     whether every 韵目 landed in its own cluster.
Characters at 仄 rhymes are not grouped: the table serves regulated verse, which rhymes on 平.

Usage: build-classical.py CORPUS_DIST_DIR TONES_TSV OUT_TSV
"""
import collections
import glob
import json
import math
import os
import subprocess
import sys
import tempfile

import rhyme_cluster

kMinCount = 4
kStopLink = 0.004
kMinCluster = 10
kShare = 0.2
kMinWeight = 1.5
kPunct = set("，。？！、；：,.?!;:")


def split_lines(text):
    out, cur = [], ""
    for c in text:
        if c in kPunct:
            if cur:
                out.append(cur)
            cur = ""
        else:
            cur += c
    if cur:
        out.append(cur)
    return out


def opencc(lines, config):
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "a"), os.path.join(tmp, "b")
        with open(src, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        subprocess.run(["opencc", "-c", config, "-i", src, "-o", dst], check=True)
        return open(dst, encoding="utf-8").read().split("\n")[: len(lines)]


def main():
    dist, tones_path, out_path = sys.argv[1:4]
    texts = []
    for sfile in sorted(glob.glob(os.path.join(dist, "strains/json/poet.*.json"))):
        pfile = os.path.join(dist, "quantangshi", os.path.basename(sfile))
        if not os.path.exists(pfile):
            continue
        poems = {p["id"]: p for p in json.load(open(pfile, encoding="utf-8"))}
        for s in json.load(open(sfile, encoding="utf-8")):
            p = poems.get(s["id"])
            if p is None:
                continue
            text, mark = "".join(p["paragraphs"]), "".join(s["strains"])
            if len(text) != len(mark):
                continue
            lines, marks = split_lines(text), split_lines(mark)
            if len(lines) not in (4, 8) or len(lines) != len(marks):
                continue
            n = len(lines[0])
            if n not in (5, 7) or any(len(l) != n for l in lines):
                continue
            if any(marks[i][-1] != "平" for i in range(1, len(lines), 2)):
                continue
            texts.append("".join(lines[i][-1] for i in range(1, len(lines), 2)))
    simp = opencc(texts, "t2s")
    n_rhyme, pair = rhyme_cluster.cooccurrence(
        s if len(s) == len(t) else t for t, s in zip(texts, simp))
    print(f"poems: {len(texts)}, rhyme characters: {len(n_rhyme)}")
    clusters, cluster_of = rhyme_cluster.cluster(n_rhyme, pair, kMinCount, kStopLink,
                                                 kMinCluster)
    print(f"clusters: {len(clusters)} over {sum(1 for k in n_rhyme.values() if k >= kMinCount)}"
          " characters")
    groups = rhyme_cluster.assign(n_rhyme, pair, cluster_of, kShare, kMinWeight)

    # Traditional characters: the groups of their simplified form.
    tones_chars = [l.split("\t")[0] for l in open(tones_path, encoding="utf-8")
                   if l.strip() and not l.startswith("#")]
    conv = opencc(tones_chars, "t2s")
    for t, s in zip(tones_chars, conv):
        if t not in groups and s in groups:
            groups[t] = groups[s]

    # Number and name the clusters after the 平水韵 韵目 they contain.
    heads = "东冬江支微鱼虞齐佳灰真文元寒删先萧肴豪歌麻阳庚青蒸尤侵覃盐咸"
    number = {}
    # When a 韵目 character itself rhymes too rarely, a well-known member stands in for it.
    stand_in = {"盐": "廉", "咸": "衔", "覃": "南", "肴": "交"}
    for h_i, h in enumerate(heads, start=1):
        g = None
        for c in (h, stand_in.get(h, h)):
            g = g or cluster_of.get(c) or (groups.get(c) or [None])[0]
        if g is None:
            print(f"韵目 {h}: not clustered")
        elif g in number:
            print(f"韵目 {h}: shares a cluster with {heads[number[g] - 1]}")
        else:
            number[g] = h_i
    next_id = len(heads) + 1
    for g in range(1, len(clusters) + 1):
        if g not in number:
            number[g] = next_id
            next_id += 1
    print(f"韵目 in distinct clusters: {sum(1 for v in number.values() if v <= len(heads))} of {len(heads)}")
    names = {}
    for g, mem in enumerate(clusters, start=1):
        n = number[g]
        names[n] = heads[n - 1] if n <= len(heads) else max(mem, key=lambda c: n_rhyme[c])
    groups = {c: [number[g] for g in gs] for c, gs in groups.items()}
    with open(out_path, "w", encoding="utf-8") as f:
        f.write("# char\tclassical 平 rhyme groups derived from the corpus (primary first) — "
                "built by tools/prosody/build-classical.py\n")
        f.write("@book\t詩韻 (corpus-derived)\n")
        for n in sorted(names):
            f.write(f"@group\t{n}\t{names[n]}\t平\n")
        for c in sorted(groups):
            f.write(f"{c}\t{','.join(map(str, groups[c]))}\n")
    tot = sum(n_rhyme.values())
    cov = sum(k for c, k in n_rhyme.items() if c in groups)
    print(f"characters with groups: {len(groups)}; rhyme tokens covered: {cov / tot:.4%}")
    for g, mem in enumerate(clusters, start=1):
        chars = sorted(mem, key=lambda c: -n_rhyme[c])
        print(number[g], names[number[g]], len(mem), "".join(chars[:40]))


if __name__ == "__main__":
    main()
