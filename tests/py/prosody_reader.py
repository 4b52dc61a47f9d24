"""A reader of the prosody tables and a checker of 詞 against their 詞牌, for the tests.

It shares no code with the engine (core/, C++): it reads assets/prosody from the table formats
as the headers document them — tones.tsv and rhyme-*.tsv: core/include/inkstone/prosody.h;
cipai.tsv: core/include/inkstone/cipai.h — and checks a text against a pattern by its own
reading. Used by test_cli_poem.py (100 poems in several forms) and test_ci_run.py (1,000 詞).

The rules a 詞 written to a pattern must keep (ci_faults):
  structure  its clauses (split after each punctuation mark) have the pattern's lengths and
             marks: 。 after each rhyming line, ， or 、 where the pattern puts them;
  tones      every position the pattern marks 平/⊕ holds a character of tone P or B, every 仄/⊖
             one Z or B (the engine's forms hold the preferred ⊕/⊖ as 平/仄; B, a character
             read in both tones, passes either; a character the table lacks passes neither);
             中 takes anything;
  rhymes     every rhyming line ends on a character of its slot's tone (P/B for 平, Z/B for 仄),
             and the rhyme characters of one slot share at least one rhyme group that the book
             tags with that tone (the "@group id name tone" lines).
"""
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROSODY = os.path.join(ROOT, "assets", "prosody")
PUNCT = set("，。？！；、：,.?!;")
CI_MARKS = "。，、"


# ---------------------------------------------------------------------------- the tables

def read_tones(path=os.path.join(PROSODY, "tones.tsv")):
    """-> {character: 'P' | 'Z' | 'B'}."""
    tones = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            ch, tone = line.rstrip("\n").split("\t")[:2]
            tones[ch] = tone
    return tones


def read_rhymes(book):
    """-> (character -> set of groups, group -> tone '平'/'仄' for the groups the book tags)."""
    groups, group_tone = {}, {}
    with open(os.path.join(PROSODY, f"rhyme-{book}.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            if cols[0] == "@group":
                if len(cols) > 3:
                    group_tone[int(cols[1])] = cols[3]
                continue
            if cols[0].startswith("@"):
                continue
            groups.setdefault(cols[0], set()).update(int(g) for g in cols[1].split(","))
    return groups, group_tone


def read_cipai():
    """-> {(name, variant): {"poems": n, "lines": [(tones, mark, slot or None)],
    "slot_tone": {slot: '平' | '仄'}}} in the table's order (the most written first)."""
    out = {}
    with open(os.path.join(PROSODY, "cipai.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            name, variant, poems, _, _, slots, lines = line.rstrip("\n").split("\t")
            slot_tone = {s[0]: s[1:] for s in slots.split()}
            parsed = []
            for item in lines.split():
                at = next(i for i, c in enumerate(item) if c in CI_MARKS)
                parsed.append((item[:at], item[at], item[at + 1:] or None))
            out[(name, int(variant))] = {"poems": int(poems), "lines": parsed,
                                         "slot_tone": slot_tone}
    return out


TONES = read_tones()
RHYMES = {book: read_rhymes(book) for book in ("xinyun", "classical", "ci")}
CIPAI = read_cipai()


# ---------------------------------------------------------------------------- reading a text

def tone(ch):
    return TONES.get(ch, "?")


def fits(ch, req):
    """A character at a template position: 平 (and ⊕) wants P or B, 仄 (and ⊖) Z or B."""
    if req in "平⊕":
        return tone(ch) in ("P", "B")
    if req in "仄⊖":
        return tone(ch) in ("Z", "B")
    return True


def clauses(text):
    """[(characters, punctuation)], split after each punctuation mark."""
    out, cur = [], ""
    for ch in text:
        if ch in PUNCT:
            out.append((cur, ch))
            cur = ""
        elif ch.strip():
            cur += ch
    if cur:
        out.append((cur, ""))
    return out


def common_group(chars, book, tone_of_slot=None):
    """The rhyme groups all of `chars` belong to (of the slot's tone, when the book tags tones)."""
    groups, group_tone = RHYMES[book]
    common = None
    for ch in chars:
        g = groups.get(ch, set())
        common = g if common is None else common & g
    if tone_of_slot and group_tone:
        common = {g for g in common if group_tone.get(g) == tone_of_slot}
    return common


# ---------------------------------------------------------------------------- 詞 against a 詞牌

def ci_faults(text, pattern, book="ci", tones=True, rhyme=True):
    """Every way `text` breaks `pattern` (a CIPAI value), as strings that start with what broke:
    "structure ...", "line L char C ..." (a tone), "rhyme S ..."; [] when it keeps them all."""
    cl = clauses(text)
    lines = pattern["lines"]
    if [(len(c), p) for c, p in cl] != [(len(t), m) for t, m, _ in lines]:
        return [f"structure {[(len(c), p) for c, p in cl]} is not the 詞牌's "
                f"{[(len(t), m) for t, m, _ in lines]}"]
    bad = []
    if tones:
        for i, ((c, _), (t, _, _)) in enumerate(zip(cl, lines)):
            for j, (ch, req) in enumerate(zip(c, t)):
                if not fits(ch, req):
                    bad.append(f"line {i + 1} char {j + 1}: {ch} ({tone(ch)}) against {req}")
    if rhyme:
        for slot, slot_tone in pattern["slot_tone"].items():
            ends = [c[-1] for (c, _), (_, _, sl) in zip(cl, lines) if sl == slot]
            if not common_group(ends, book, slot_tone):
                bad.append(f"rhyme {slot} ({slot_tone}): {ends} share no group of that tone")
            for ch in ends:
                if not fits(ch, slot_tone):
                    bad.append(f"rhyme {slot}: {ch} is not {slot_tone}")
    return bad
