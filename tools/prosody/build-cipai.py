#!/usr/bin/python3
"""Builds assets/prosody/cipai.json: the 詞牌 patterns, derived from the 宋詞 of the corpus.

For every 詞牌 with at least kMinPoems 詞 outside the held-out tenth (ci_corpus.held_out):
  structure  the dominant clause structure (length and mark of every clause, ci_corpus); the
             詞 that follow it are "agreeing". Other structures (又一體) followed by at least
             kMinPoems 詞 and kVariantShare of them become patterns too (variant 1, 2), derived
             the same way from their own 詞: the analyser recognises them; the main one is the
             preset.
  stanzas    the 下闋 starts at the clause k where the two halves share the longest common tail
             (at least kMinTail clauses, each half 40–60 % of the characters); failing that, at
             the one change of rhyme slot if it falls there; else none (單調, e.g. 如夢令).
  tones      per position, 平 or 仄 when at least kAgree of the agreeing 詞 whose character has a
             definite tone (tones.tsv) agree, else 中 (either); the agreement is recorded (%).
  rhymes     the lines ending in 。 (《全宋詞》 marks rhymes so); each rhyme line's tone is the
             majority over the agreeing 詞. Consecutive rhyme lines of one tone form a run; a run
             is cut where the two rhyme characters share a rhyme group (rhyme-ci.tsv, the 詞
             book) in fewer than kSameGroup of the 詞 where both have groups.
             A later piece joins an earlier one of the same tone whose characters it shares a
             group with in at least kSameGroup of the 詞 (a rhyme that returns, 西江月). Each
             piece is a rhyme slot ("a", "b", ...) with its tone.
Checks on the held-out tenth (printed, and stored per 詞牌 as "held_out"): how many held-out 詞
follow the structure, and of their rhyme pairs inside one slot, the share whose two characters
share a group of the 詞 book.

The runtime reads a compact table written next to the JSON (OUT_JSON with .tsv): one 詞牌 a
line, `name  variant  poems  agreeing  stanza_break (-1: none)  slots (a仄 b平)  lines`, the lines as
tones + mark + slot letter of a rhyming line ("中仄中平中仄平。a 中仄平平，"), where a tone
is 平/仄 at ≥ kStrict agreement and ⊕/⊖ (平/仄 preferred) between kAgree and kStrict; the JSON keeps
the provenance (per-position agreement, runner-up structure, held-out counts).

Usage: build-cipai.py CORPUS_DIST_DIR TONES_TSV RHYME_CI_TSV OUT_JSON
"""
import collections
import json
import sys

import ci_corpus

kMinPoems = 20
kAgree = 0.8
kMinTail = 2
kSameGroup = 0.5
kStrict = 0.95       # in cipai.tsv, 平/仄 at this agreement, ⊕/⊖ (preferred) below it
kVariantShare = 0.1  # another structure (又一體) is kept when this share of the 詞 follow it
kMaxVariants = 3     # structures kept per 詞牌, the main one included
PUNCT = {",": "，", ".": "。", "、": "、"}


def stanza_break(lines, slot_of):
    """Index of the first clause of the 下闋, or None. Without a shared tail (清平樂: 仄 rhymes
    above, 平 rhymes below), the one clause near the middle where the rhyme slot changes."""
    total = sum(n for n, _ in lines)
    best = None
    for k in range(1, len(lines)):
        a, b = lines[:k], lines[k:]
        tail = 0
        while tail < min(len(a), len(b)) and a[-1 - tail] == b[-1 - tail]:
            tail += 1
        share = sum(n for n, _ in a) / total
        if tail < kMinTail or not 0.4 <= share <= 0.6:
            continue
        key = (tail, -abs(share - 0.5))
        if best is None or key > best[0]:
            best = (key, k)
    if best:
        return best[1]
    rhymes = sorted(slot_of)
    changes = [j for i, j in zip(rhymes, rhymes[1:]) if slot_of[i] != slot_of[j]]
    if len(changes) == 1:
        k = rhymes[rhymes.index(changes[0]) - 1] + 1
        if 0.4 <= sum(n for n, _ in lines[:k]) / total <= 0.6:
            return k
    return None


def tone_row(agreeing, i, n, tones):
    out, agree = "", []
    for k in range(n):
        cnt = collections.Counter(tones.get(cl[i][0][k]) for cl in agreeing)
        p, z = cnt["P"], cnt["Z"]
        share = max(p, z) / (p + z) if p + z else 0.0
        out += ("平" if p >= z else "仄") if share >= kAgree else "中"
        agree.append(round(100 * share))
    return out, agree


def same_group(a, b, book):
    ga, gb = book.get(a), book.get(b)
    if not ga or not gb:
        return None
    return bool(set(ga) & set(gb))


def pair_rate(poems, i, j, book):
    votes = [same_group(cl[i][0][-1], cl[j][0][-1], book) for cl in poems]
    votes = [v for v in votes if v is not None]
    return (sum(votes) / len(votes) if votes else 1.0), len(votes)


def merge_returning(slots, agreeing, books):
    """A rhyme that comes back after another (西江月: 平 rhymes in both stanzas around a 仄 one)
    is one slot: a later slot joins an earlier one of the same tone when their characters share a
    group in at least kSameGroup of the 詞."""
    out = []
    for tone, idx in slots:
        for prev_tone, prev in out:
            if prev_tone == tone and pair_rate(agreeing, prev[-1], idx[0], books[tone])[0] >= \
                    kSameGroup:
                prev.extend(idx)
                break
        else:
            out.append((tone, list(idx)))
    return out


def tsv_tones(line):
    """平/仄 where the agreement reaches kStrict, ⊕ (平 preferred) / ⊖ (仄 preferred) where it
    only reaches kAgree, 中 below: 龍榆生's notation, so the analyser can tell a fixed tone from
    a usual one."""
    return "".join(t if t == "中" or a >= 100 * kStrict else {"平": "⊕", "仄": "⊖"}[t]
                   for t, a in zip(line["tones"], line["agree"]))


def derive(name, sig, agreeing, poems, tones, books):
    """One pattern from the 詞 that follow structure `sig` -> (entry, held-out counts)."""
    lines = ci_corpus.parse_signature(sig)
    plan = []
    for i, (n, mark) in enumerate(lines):
        if mark == ".":
            cnt = collections.Counter(tones.get(cl[i][0][-1]) for cl in agreeing)
            plan.append((i, "P" if cnt["P"] >= cnt["Z"] else "Z"))
    slots, slot_of = [], {}
    for tone, idx in ci_corpus.tone_runs(plan):
        piece = [idx[0]]
        for prev, cur in zip(idx, idx[1:]):
            rate, _ = pair_rate(agreeing, prev, cur, books[tone])
            if rate < kSameGroup:
                slots.append((tone, piece))
                piece = []
            piece.append(cur)
        slots.append((tone, piece))
    slots = merge_returning(slots, agreeing, books)
    names = "abcdefghijklmnopqrstuvwxyz"
    for s, (tone, idx) in enumerate(slots):
        for i in idx:
            slot_of[i] = names[s]
    held = [cl for cl in poems[name] if ci_corpus.held_out("".join(a for a, _ in cl))]
    held_ok = [cl for cl in held if ci_corpus.signature(cl) == sig]
    pairs = same = 0
    for tone, idx in slots:
        for prev, cur in zip(idx, idx[1:]):
            for cl in held_ok:
                v = same_group(cl[prev][0][-1], cl[cur][0][-1], books[tone])
                if v is not None:
                    pairs += 1
                    same += v
    out_lines = []
    for i, (n, mark) in enumerate(lines):
        t, agree = tone_row(agreeing, i, n, tones)
        out_lines.append({"chars": n, "tones": t, "agree": agree, "punct": PUNCT[mark],
                          "rhyme": slot_of.get(i, False)})
    entry = {
        "name": name,
        "agreeing": len(agreeing),
        "structure": sig,
        "stanza_break": stanza_break(lines, slot_of),
        "slots": {names[s]: {"tone": "平" if tone == "P" else "仄"}
                  for s, (tone, _) in enumerate(slots)},
        "lines": out_lines,
        "held_out": {"poems": len(held), "agreeing": len(held_ok), "rhyme_pairs": pairs,
                     "same_group": same},
    }
    return entry


def main():
    dist, tones_p, ci_book_p, out_p = sys.argv[1:5]
    tones = ci_corpus.read_tones(tones_p)
    book = ci_corpus.read_rhyme_table(ci_book_p)[0]  # 平 and 仄 groups of 詞 (rhyme-ci.tsv)
    books = {"P": book, "Z": book}
    poems = ci_corpus.read_ci(dist)
    table = []
    for name, n_all, structures in ci_corpus.structures(poems, kMinPoems, kVariantShare,
                                                        kMaxVariants):
        for v, (sig, agreeing) in enumerate(structures):
            entry = derive(name, sig, agreeing, poems, tones, books)
            entry["poems"] = n_all
            entry["variant"] = v  # 0: the main structure; 1, 2: 又一體
            if v > 0:  # held-out 詞 are counted once, with the main structure's
                entry["held_out"] = {"poems": 0, "agreeing": 0, "rhyme_pairs": 0, "same_group": 0}
            table.append(entry)
    held = {k: sum(c["held_out"][k] for c in table)
            for k in ("poems", "agreeing", "rhyme_pairs", "same_group")}
    for c in table:
        if c["variant"] > 0:
            c["held_out"] = None
    doc = {
        "source": "chinese-poetry@2.0.1 (MIT), dist/songci; tones: tones.tsv; rhyme book: "
                  "rhyme-ci.tsv",
        "method": "tools/prosody/build-cipai.py (see its header and tools/prosody/README.md)",
        "thresholds": {"min_poems": kMinPoems, "tone_agree": kAgree, "min_tail": kMinTail,
                       "same_group": kSameGroup, "variant_share": kVariantShare,
                       "max_variants": kMaxVariants},
        "held_out": held,
        "cipai": table,
    }
    with open(out_p, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=None, separators=(",", ":"))
        f.write("\n")
    with open(out_p[:-len(".json")] + ".tsv", "w", encoding="utf-8") as f:
        f.write("# 詞牌 patterns derived from the 宋詞 of chinese-poetry@2.0.1 — built by "
                "tools/prosody/build-cipai.py; provenance and agreement: cipai.json\n")
        f.write("# name\tvariant\tpoems\tagreeing\tstanza_break\tslots\tlines\n")
        for c in table:
            slots = " ".join(k + v["tone"] for k, v in c["slots"].items())
            lines = " ".join(tsv_tones(l) + l["punct"] + (l["rhyme"] or "") for l in c["lines"])
            brk = -1 if c["stanza_break"] is None else c["stanza_break"]
            f.write(f"{c['name']}\t{c['variant']}\t{c['poems']}\t{c['agreeing']}\t{brk}\t"
                    f"{slots}\t{lines}\n")
    n_main = sum(c["variant"] == 0 for c in table)
    print(f"詞牌: {n_main} ({len(table) - n_main} more structures, 又一體); held-out 詞: "
          f"{held['poems']}, following the main structure: {held['agreeing']}; rhyme pairs in "
          f"one slot sharing a group: {held['same_group']}/{held['rhyme_pairs']} "
          f"= {held['same_group'] / max(1, held['rhyme_pairs']):.1%}")


if __name__ == "__main__":
    main()
