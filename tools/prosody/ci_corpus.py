"""The 宋詞 of chinese-poetry@2.0.1 (dist/songci) as clauses, shared by the 詞 table builders.

The texts follow the punctuation of 《全宋詞》: 。 (also ？ ！) ends a line that rhymes (韻),
， (also ； ：) ends a line that does not (句), 、 marks a pause inside a line (逗). A 詞's
structure is therefore its sequence of clauses, each a length and one of three marks:
  "." rhyme line end, "," plain line end, "、" pause.
The text is already Simplified; notes in parentheses and whitespace are stripped as in
tools/corpus/prepare.py. Poems with a missing-character mark (□ ○) are skipped.
"""
import collections
import glob
import json
import os
import re
import zlib

PUNCT = "，。？！；：、"
MARK = {"，": ",", "；": ",", "：": ",", "。": ".", "？": ".", "！": ".", "、": "、"}
NOTE_RE = re.compile(r"（[^（）]*）|\([^()]*\)")
CLAUSE_RE = re.compile(r"([^%s]+)([%s])" % (PUNCT, PUNCT))


def cipai_name(rhythmic):
    """The 詞牌 of `rhythmic` (十二时・忆少年 -> 十二时)."""
    return (rhythmic or "").split("・")[0].strip()


def clauses(text):
    """-> [(chars, mark)] or None when the text is not fully made of punctuated clauses."""
    parts = CLAUSE_RE.findall(text)
    if "".join(a + b for a, b in parts) != text:
        return None
    return [(a, MARK[b]) for a, b in parts]


def signature(cl):
    """"5,5.6,5." style string: each clause's length followed by its mark."""
    return "".join(f"{len(a)}{m}" for a, m in cl)


def parse_signature(sig):
    return [(int(n), m) for n, m in re.findall(r"(\d+)([,.、])", sig)]


def held_out(text):
    """About 10% of the 詞, chosen by a hash of the text: kept out of every derivation."""
    return zlib.crc32(text.encode("utf-8")) % 10 == 0


def read_ci(dist):
    """-> {詞牌: [clause lists]} for every readable 詞 (numbered files only)."""
    out = collections.defaultdict(list)
    files = [p for p in glob.glob(os.path.join(dist, "songci/ci.song.*.json"))
             if p.split(".")[-2].isdigit()]
    for path in sorted(files, key=lambda p: int(p.split(".")[-2])):
        with open(path, encoding="utf-8") as f:
            for p in json.load(f):
                text = "".join(p.get("paragraphs") or [])
                for _ in range(3):
                    text = NOTE_RE.sub("", text)
                text = re.sub(r"\s+", "", text)
                if not text or any(m in text for m in "□○"):
                    continue
                cl = clauses(text)
                name = cipai_name(p.get("rhythmic"))
                if cl and name:
                    out[name].append(cl)
    return out


def read_tones(path):
    """tones.tsv -> {char: 'P' | 'Z' | 'B'}."""
    tones = {}
    for line in open(path, encoding="utf-8"):
        if line.startswith("#") or "\t" not in line:
            continue
        c, t = line.rstrip("\n").split("\t")[:2]
        tones[c] = t
    return tones


def read_rhyme_table(path):
    """A rhyme table (char<TAB>g1,g2 ; @group lines) -> ({char: [group ids]}, {id: name})."""
    groups, names = {}, {}
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("@group"):
            f = line.split("\t")  # @group id name [tone]
            names[int(f[1])] = f[2]
        elif line and not line.startswith(("#", "@")):
            c, gs = line.split("\t")
            groups[c] = [int(g) for g in gs.split(",")]
    return groups, names


# Not 詞牌: the corpus's label for 詞 whose tune name is lost.
NOT_CIPAI = {"失调名"}


def structures(poems, min_poems, min_share, max_n):
    """[(詞牌, n poems outside the held-out set, [(signature, agreeing clause lists), ...])] for
    every 詞牌 with at least min_poems such 詞: its structures followed by at least min_poems
    and min_share of them, most followed first (at most max_n; the first always), by poems."""
    out = []
    for name, cls in poems.items():
        if name in NOT_CIPAI:
            continue
        train = [c for c in cls if not held_out("".join(a for a, _ in c))]
        if len(train) < min_poems:
            continue
        count = collections.Counter(signature(c) for c in train)
        sigs = [s for i, (s, n) in enumerate(count.most_common(max_n))
                if i == 0 or (n >= min_poems and n >= min_share * len(train))]
        out.append((name, len(train), [(s, [c for c in train if signature(c) == s])
                                       for s in sigs]))
    out.sort(key=lambda x: -x[1])
    return out


def tone_runs(marks_tones):
    """[(clause index, tone)] of rhyme lines -> list of runs [[clause index, ...]] of equal tone."""
    runs = []
    for i, t in marks_tones:
        if runs and runs[-1][0] == t:
            runs[-1][1].append(i)
        else:
            runs.append((t, [i]))
    return runs
