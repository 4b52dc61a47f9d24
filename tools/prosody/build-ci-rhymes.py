#!/usr/bin/python3
"""Builds assets/prosody/rhyme-ci.tsv: the rhyme book of 詞, 平 and 仄 groups derived from the
宋詞 themselves, in the spirit of 詞林正韻 (whose 部 are wider than the 詩韻's: 元寒刪先 rhyme
together in 詞, 江 with 陽; 上 and 去 rhyme together, 入 apart).

Steps (tools/prosody/ci_corpus.py reads the corpus; held-out 詞 are never used here):
  1. For every 詞牌 with at least kMinPoems 詞, the dominant clause structure (ci_corpus.structures).
  2. Its rhyme lines are the clauses ending in 。 (the 《全宋詞》 convention); each rhyme line's
     tone is the majority tone (tones.tsv) of its last character over the agreeing 詞.
  3. Consecutive rhyme lines of one tone form a run; the last characters of a run in one 詞
     (those not marked with the other tone) are one co-rhyme set. A run may hide a change of
     rhyme; the clustering is robust to that noise, and build-cipai.py splits such runs later.
  4. rhyme_cluster.py, once per tone: co-occurrence, average-linkage clusters, assignment (the
     method and thresholds of build-classical.py).
  5. 平 groups are numbered from 1, then 仄 groups, each in order of size, named after their most
     frequent rhyme character, and tagged with their tone on the @group line. A 仄 group is marked
     入 when at least kRuShare of its characters (by rhyme count) are read in a modern 1st or 2nd
     tone while the classical tone table says 仄: the trace the 入聲 (lost in Mandarin) leaves; the
     modern tones come from --modern (pinyin-pro, tools/prosody/modern-tones.mjs).

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


def rhyme_plan(sig, agreeing, tones):
    """-> [(clause index, 'P' | 'Z')] for the rhyme lines of a structure."""
    plan = []
    for i, (_, mark) in enumerate(ci_corpus.parse_signature(sig)):
        if mark != ".":
            continue
        n = collections.Counter(tones.get(cl[i][0][-1]) for cl in agreeing)
        plan.append((i, "P" if n["P"] >= n["Z"] else "Z"))
    return plan


def rhyme_sets(dom, tones, want):
    """Co-rhyme sets of the runs of tone `want` ('P' or 'Z') over every 詞牌's agreeing 詞;
    dom: {詞牌: (signature, agreeing clause lists)} of the main structures."""
    other = "Z" if want == "P" else "P"
    sets = []
    for name, (sig, agreeing) in sorted(dom.items()):
        runs = ci_corpus.tone_runs(rhyme_plan(sig, agreeing, tones))
        for tone, idx in runs:
            if tone != want or len(idx) < 2:
                continue
            for cl in agreeing:
                chars = [cl[i][0][-1] for i in idx if tones.get(cl[i][0][-1]) != other]
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
    dom = {name: structs[0] for name, _, structs in
           ci_corpus.structures(ci_corpus.read_ci(args.dist), kMinPoems, 1.0, 1)}
    modern = {}
    if args.modern:
        for line in open(args.modern, encoding="utf-8"):
            if "\t" in line:
                c, t = line.rstrip("\n").split("\t")
                modern[c] = set(t.split(","))
    groups = collections.defaultdict(list)  # char -> group ids, primary first, 平 groups first
    headers = []
    next_id = 1
    for tone in ("P", "Z"):
        sets = rhyme_sets(dom, tones, tone)
        n_rhyme, pair = rhyme_cluster.cooccurrence(sets)
        clusters, cluster_of = rhyme_cluster.cluster(n_rhyme, pair, kMinCount, kStopLink,
                                                     kMinCluster)
        assigned = rhyme_cluster.assign(n_rhyme, pair, cluster_of, kShare, kMinWeight)
        first = next_id
        for g, mem in enumerate(clusters, start=first):
            name = max(mem, key=lambda c: n_rhyme[c])
            known = [c for c in mem if c in modern]
            ru = sum(n_rhyme[c] for c in known if modern[c] & {"1", "2"} and tones.get(c) == "Z")
            tot = sum(n_rhyme[c] for c in known)
            is_ru = tone == "Z" and tot and ru / tot >= kRuShare
            headers.append(f"@group\t{g}\t{name}{'（入）' if is_ru else ''}\t"
                           f"{'平' if tone == 'P' else '仄'}")
            chars = sorted(mem, key=lambda c: -n_rhyme[c])
            print(g, name, tone, "入" if is_ru else "", f"{ru / tot if tot else 0:.2f}", len(mem),
                  "".join(chars[:30]))
        next_id = first + len(clusters)
        for c, gs in assigned.items():
            groups[c] += [first + g - 1 for g in gs]
        tot = sum(n_rhyme.values())
        cov = sum(k for c, k in n_rhyme.items() if c in assigned)
        print(f"{tone}: {len(sets)} co-rhyme sets, {len(n_rhyme)} characters, "
              f"{len(clusters)} groups, {len(assigned)} characters with groups, "
              f"rhyme tokens covered: {cov / tot:.2%}")
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("# char\t詞 rhyme groups (平 then 仄) derived from the 宋詞 of the corpus (primary "
                "first) — built by tools/prosody/build-ci-rhymes.py\n")
        f.write("@book\t詞韻 (corpus-derived)\n")
        for h in headers:
            f.write(h + "\n")
        for c in sorted(groups):
            f.write(f"{c}\t{','.join(map(str, groups[c]))}\n")


if __name__ == "__main__":
    main()
