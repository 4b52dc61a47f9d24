"""Rhyme groups from co-rhyme counts: the method of build-classical.py, shared with the 詞 books.

  1. cooccurrence(): for each poem (or rhyme slot), each pair of distinct rhyme characters gets
     1 / (k - 1) (k = distinct rhyme characters in it); n counts every rhyme character.
  2. cluster(): characters seen at least min_count times, average-linkage agglomeration on the
     cosine similarity w_ab / sqrt(n_a n_b), stopping when the best link falls below stop_link;
     clusters with fewer than min_cluster characters are dissolved. Largest (by rhyme count) first.
  3. assign(): every character gets each cluster holding at least `share` of its co-rhyme weight
     (primary first), if it has at least min_weight weight in total.
"""
import collections

import numpy as np


def cooccurrence(rhyme_sets):
    n_rhyme = collections.Counter()
    pair = collections.Counter()
    for chars in rhyme_sets:
        distinct = sorted(set(chars))
        for c in chars:
            n_rhyme[c] += 1
        k = len(distinct)
        for i in range(k):
            for j in range(i + 1, k):
                pair[(distinct[i], distinct[j])] += 1.0 / (k - 1)
    return n_rhyme, pair


def cluster(n_rhyme, pair, min_count, stop_link, min_cluster):
    """-> (clusters: [[char, ...]] largest first, cluster_of: {char: 1-based cluster number})."""
    core = sorted([c for c, k in n_rhyme.items() if k >= min_count], key=lambda c: -n_rhyme[c])
    idx = {c: i for i, c in enumerate(core)}
    m = len(core)
    w = np.zeros((m, m))
    for (a, b), v in pair.items():
        if a in idx and b in idx:
            w[idx[a], idx[b]] += v
            w[idx[b], idx[a]] += v
    norm = np.array([n_rhyme[c] for c in core], dtype=float)
    sim = w / np.sqrt(np.outer(norm, norm))
    # Average linkage: link(A, B) = sum of sims / (|A| |B|).
    sums = sim.copy()
    np.fill_diagonal(sums, 0)
    size = np.ones(m)
    alive = np.ones(m, dtype=bool)
    members = [[i] for i in range(m)]
    while m:
        link = sums / np.outer(size, size)
        link[~alive, :] = -1
        link[:, ~alive] = -1
        np.fill_diagonal(link, -1)
        k = int(np.argmax(link))
        a, b = divmod(k, m)
        if link[a, b] < stop_link:
            break
        sums[a, :] += sums[b, :]
        sums[:, a] += sums[:, b]
        sums[a, a] = 0
        size[a] += size[b]
        alive[b] = False
        members[a] += members[b]
        members[b] = []
    clusters = [mem for i, mem in enumerate(members) if alive[i] and len(mem) >= min_cluster]
    clusters.sort(key=lambda mem: -sum(n_rhyme[core[i]] for i in mem))
    clusters = [[core[i] for i in mem] for mem in clusters]
    cluster_of = {c: g for g, mem in enumerate(clusters, start=1) for c in mem}
    return clusters, cluster_of


def assign(n_rhyme, pair, cluster_of, share, min_weight):
    """-> {char: [cluster numbers, primary first]}."""
    aff = collections.defaultdict(collections.Counter)
    for (a, b), v in pair.items():
        if b in cluster_of:
            aff[a][cluster_of[b]] += v
        if a in cluster_of:
            aff[b][cluster_of[a]] += v
    groups = {}
    for c in n_rhyme:
        total = sum(aff[c].values())
        if total < min_weight:
            if c in cluster_of:
                groups[c] = [cluster_of[c]]
            continue
        gs = [g for g, v in aff[c].most_common() if v / total >= share]
        if c in cluster_of and cluster_of[c] not in gs:
            gs.insert(0, cluster_of[c])
        if gs:
            groups[c] = gs
    return groups
