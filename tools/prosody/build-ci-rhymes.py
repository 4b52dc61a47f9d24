#!/usr/bin/python3
"""Builds assets/prosody/rhyme-ci-ze.tsv: 仄 rhyme groups for 詞, derived from the 宋詞 themselves,
in the spirit of 詞林正韻 (which groups 上 and 去 together, 入 apart).

Steps (tools/prosody/ci_corpus.py reads the corpus; held-out 詞 are never used here):
  1. For every 詞牌 with at least kMinPoems 詞, the dominant clause structure (ci_corpus.dominant).
  2. Its rhyme lines are the clauses ending in 。 (the 《全宋詞》 convention); each rhyme line's
     tone is the majority tone (tones.tsv) of its last character over the agreeing 詞.
  3. Consecutive rhyme lines of one tone form a run; the last characters of a 仄 run in one 詞
     (those not marked 平) are one co-rhyme set. A run may hide a change of rhyme; the clustering
     is robust to that noise, and build-cipai.py splits such runs later.
  4. rhyme_cluster.py: co-occurrence, average-linkage clusters, assignment (same method and
     thresholds as build-classical.py, except kStopLink, chosen so that the groups come out near
     詞林正韻's 14 上去 and 5 入 部 — see tools/prosody/README.md for the measured counts).
  5. Groups are numbered from 31 (after the 30 平 groups of rhyme-classical.tsv, so both books can
     be read together) in order of size, and named after their most frequent rhyme character.
     A group is marked 入 when at least kRuShare of its characters (by rhyme count) are read in
     a modern 1st or 2nd tone while the classical tone table says 仄: the trace that the 入聲
     (lost in Mandarin) leaves; the modern tones come from --modern (pinyin-pro, see README).

Usage: build-ci-rhymes.py CORPUS_DIST_DIR TONES_TSV OUT_TSV [--modern MODERN_TSV]
"""
import argparse
import collections

import ci_corpus
import rhyme_cluster

kMinPoems = 20
kMinCount = 4
kStopLink = 0.004
kMinCluster = 10
kShare = 0.2
kMinWeight = 1.5
kRuShare = 0.25
kFirstGroup = 31


def rhyme_plan(sig, agreeing, tones):
    """-> [(clause index, 'P' | 'Z')] for the rhyme lines of a structure."""
    plan = []
    for i, (_, mark) in enumerate(ci_corpus.parse_signature(sig)):
        if mark != ".":
            continue
        n = collections.Counter(tones.get(cl[i][0][-1]) for cl in agreeing)
        plan.append((i, "P" if n["P"] >= n["Z"] else "Z"))
    return plan


def ze_sets(dom, tones):
    """Co-rhyme sets of 仄 runs over every 詞牌's agreeing 詞."""
    sets = []
    for name, (sig, agreeing, _, _) in sorted(dom.items()):
        runs = ci_corpus.tone_runs(rhyme_plan(sig, agreeing, tones))
        for tone, idx in runs:
            if tone != "Z" or len(idx) < 2:
                continue
            for cl in agreeing:
                chars = [cl[i][0][-1] for i in idx if tones.get(cl[i][0][-1]) != "P"]
                if len(chars) >= 2:
                    sets.append(chars)
    return sets


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dist")
    ap.add_argument("tones")
    ap.add_argument("out")
    ap.add_argument("--modern", default="", help="char<TAB>modern tones (e.g. 2,4)")
    args = ap.parse_args()
    tones = ci_corpus.read_tones(args.tones)
    dom = ci_corpus.dominant(ci_corpus.read_ci(args.dist), kMinPoems)
    sets = ze_sets(dom, tones)
    n_rhyme, pair = rhyme_cluster.cooccurrence(sets)
    print(f"詞牌: {len(dom)}, 仄 co-rhyme sets: {len(sets)}, characters: {len(n_rhyme)}")
    clusters, cluster_of = rhyme_cluster.cluster(n_rhyme, pair, kMinCount, kStopLink,
                                                 kMinCluster)
    groups = rhyme_cluster.assign(n_rhyme, pair, cluster_of, kShare, kMinWeight)
    modern = {}
    if args.modern:
        for line in open(args.modern, encoding="utf-8"):
            if "\t" in line:
                c, t = line.rstrip("\n").split("\t")
                modern[c] = set(t.split(","))
    names, kinds = {}, {}
    for g, mem in enumerate(clusters, start=1):
        n = kFirstGroup + g - 1
        names[n] = max(mem, key=lambda c: n_rhyme[c])
        known = [c for c in mem if c in modern]
        ru = sum(n_rhyme[c] for c in known if modern[c] & {"1", "2"} and tones.get(c) == "Z")
        tot = sum(n_rhyme[c] for c in known)
        kinds[n] = "入" if tot and ru / tot >= kRuShare else "上去"
        chars = sorted(mem, key=lambda c: -n_rhyme[c])
        print(n, names[n], kinds[n], f"{ru / tot if tot else 0:.2f}", len(mem), "".join(chars[:30]))
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("# char\t詞 仄 rhyme groups derived from the 宋詞 of the corpus (primary first) — "
                "built by tools/prosody/build-ci-rhymes.py\n")
        f.write("@book\t詞韻仄聲 (corpus-derived)\n")
        for n in sorted(names):
            f.write(f"@group\t{n}\t{names[n]}{'（入）' if kinds[n] == '入' else ''}\t仄\n")
        for c in sorted(groups):
            f.write(f"{c}\t{','.join(str(kFirstGroup + g - 1) for g in groups[c])}\n")
    tot = sum(n_rhyme.values())
    cov = sum(k for c, k in n_rhyme.items() if c in groups)
    print(f"groups: {len(clusters)}; characters with groups: {len(groups)}; "
          f"仄 rhyme tokens covered: {cov / tot:.2%}")


if __name__ == "__main__":
    main()
