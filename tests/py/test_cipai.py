"""assets/prosody/cipai.json (tools/prosody/build-cipai.py, derived from the 宋詞 of the corpus)
against tone patterns written by hand from 龍榆生《唐宋詞格律》 (上海古籍出版社), the standard
reference for the common 詞牌.

Notation, one string per 詞牌: every line is its tones, then its mark (。 a rhyming line, ， a line
that does not rhyme, 、 a pause inside a line), then, after 。, the letter of its rhyme: lines
with one letter rhyme together, a new letter is a change of rhyme (換韻). 中 is 龍榆生's ⊕/⊖
(either tone); where the book's mark was not remembered with certainty, 中 is written too, which
only weakens the check. Notes from the book are kept in comments.

The derived pattern must have the reference's structure, the same rhyme lines with the same
tones, the same grouping of rhyme lines, and, at every position the reference fixes (平 or 仄),
the same tone; every exception is listed in KNOWN_DIFFERENCES with the reason, and the list must
be exactly the set of differences (so a change in the derivation shows here).
"""
import json
import os
import re
import unittest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")

REFERENCE = {
    # 雙調四十二字，前片三平韻，後片兩平韻。
    "浣溪沙": "中仄中平中仄平。a 中平中仄仄平平。a 中平中仄仄平平。a "
             "中仄中平平仄仄， 中平中仄仄平平。a 中平中仄仄平平。a",
    # 雙調四十四字，前後片各兩仄韻、兩平韻。
    "菩萨蛮": "中平中仄平平仄。a 中平中仄平平仄。a 中仄仄平平。b 中平中仄平。b "
             "中平平仄仄。c 中仄平平仄。c 中仄仄平平。d 中平中仄平。d",
    # 單調三十三字，五仄韻，一疊韻。
    "如梦令": "中仄中平平仄。a 中仄中平平仄。a 中仄仄平平， 中仄中平平仄。a 平仄。a 平仄。a "
             "中仄中平平仄。a",
    # 雙調四十四字，前後片各兩仄韻。
    "卜算子": "中仄仄平平， 中仄平平仄。a 中仄中平中仄平， 中仄平平仄。a "
             "中仄仄平平， 中仄平平仄。a 中仄中平中仄平， 中仄平平仄。a",
    # 雙調五十字，前後片各兩平韻，結句各叶一仄韻 (平仄通叶, one 部: the 仄 rhyme of the same 部
    # as the 平 one; the engine can only hold the 仄 lines to one another, see KNOWN_DIFFERENCES).
    "西江月": "中仄中平中仄， 中平中仄平平。a 中平中仄仄平平。a 中仄中平中仄。b "
             "中仄中平中仄， 中平中仄平平。a 中平中仄仄平平。a 中仄中平中仄。b",
    # 雙調四十一字，前片三仄韻，後片四仄韻。
    "点绛唇": "中仄平平， 中平中仄平平仄。a 中平中仄。a 中仄平平仄。a "
             "中仄平平， 中仄平平仄。a 平平仄。a 中平中仄。a 中仄平平仄。a",
    # 雙調五十五字，前片四句三平韻，後片五句三平韻。
    "鹧鸪天": "中仄平平中仄平。a 中平中仄仄平平。a 中平中仄平平仄， 中仄平平仄仄平。a "
             "中仄仄， 中平平。a 中平中仄仄平平。a 中平中仄平平仄， 中仄平平仄仄平。a",
    # 雙調五十六字，前後片各兩仄韻、兩平韻。
    "虞美人": "中平中仄平平仄。a 中仄平平仄。a 中平中仄仄平平。b 中仄中平中仄、 仄平平。b "
             "中平中仄平平仄。c 中仄平平仄。c 中平中仄仄平平。d 中仄中平中仄、 仄平平。d",
    # 雙調九十三字，前片四仄韻，後片五仄韻 (入聲 usual).
    "满江红": "中仄平平， 中中仄、 中平中仄。a 中中仄、 中平中仄， 中平中仄。a "
             "中仄中平平仄仄， 中平中仄平平仄。a 中中平、 中仄仄平平， 平平仄。a "
             "中中仄， 中中仄。a 中中仄， 中中仄。a 中中平中仄， 中平中仄。a "
             "中仄中平平仄仄， 中平中仄平平仄。a 中中平、 中仄仄平平， 平平仄。a",
    # 雙調四十六字，前片四仄韻，後片三平韻。
    "清平乐": "中平中仄。a 中仄平平仄。a 中仄中平平仄仄。a 中仄中平中仄。a "
             "中平中仄平平。b 中平中仄平平。b 中仄中平中仄， 中平中仄平平。b",
    # 雙調六十字，前後片各四仄韻。
    "蝶恋花": "中仄中平平仄仄。a 中仄平平， 中仄平平仄。a 中仄中平平仄仄。a 中平中仄平平仄。a "
             "中仄中平平仄仄。a 中仄平平， 中仄平平仄。a 中仄中平平仄仄。a 中平中仄平平仄。a",
    # 雙調四十四字，前後片各兩仄韻、兩平韻。
    "减字木兰花": "中平中仄。a 中仄中平平仄仄。a 中仄平平。b 中仄平平中仄平。b "
                "中平中仄。c 中仄中平平仄仄。c 中仄平平。d 中仄平平中仄平。d",
    # 雙調六十字，前後片各三平韻。
    "临江仙": "中仄中平平仄仄， 中平中仄平平。a 中平中仄仄平平。a 中平平仄仄， 中仄仄平平。a "
             "中仄中平平仄仄， 中平中仄平平。a 中平中仄仄平平。a 中平平仄仄， 中仄仄平平。a",
}

# (詞牌, line, column or None, what) -> why. Columns and lines are 1-based.
KNOWN_DIFFERENCES = {
    ("如梦令", 1, 5, "平->中"): "the 宋詞 put 仄 at column 5 of the first line in 29 % of the "
                              "如夢令 (agreement 71 % < 80 %), so the derived pattern says either",
    ("如梦令", 7, 5, "平->中"): "likewise for the last line (agreement 76 %)",
}

LINE_RE = re.compile(r"([平仄中]+)([。，、])([a-z]?)")


def parse_reference(text):
    lines = []
    for tones, mark, slot in LINE_RE.findall(text):
        lines.append({"tones": tones, "punct": mark, "rhyme": slot or False})
    assert "".join(t + m + s for t, m, s in LINE_RE.findall(text)) == text.replace(" ", "")
    return lines


def partition(lines):
    """Rhyme lines grouped by slot, as a set of frozensets of line indices."""
    groups = {}
    for i, l in enumerate(lines):
        if l["rhyme"]:
            groups.setdefault(l["rhyme"], set()).add(i)
    return {frozenset(g) for g in groups.values()}


def differences(name, ref, got):
    out = set()
    if [(len(l["tones"]), l["punct"]) for l in ref] != [(l["chars"], l["punct"]) for l in got["lines"]]:
        return {(name, None, None, "structure")}
    for i, (r, g) in enumerate(zip(ref, got["lines"])):
        for c, (rt, gt) in enumerate(zip(r["tones"], g["tones"])):
            if rt != "中" and rt != gt:
                out.add((name, i + 1, c + 1, f"{rt}->{gt}"))
        if bool(r["rhyme"]) != bool(g["rhyme"]):
            out.add((name, i + 1, None, "rhyme line"))
    if partition(ref) != partition(got["lines"]):
        out.add((name, None, None, "rhyme grouping"))
    return out


class CipaiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(os.path.join(ROOT, "assets/prosody/cipai.json"), encoding="utf-8") as f:
            cls.doc = json.load(f)
        cls.by_name = {c["name"]: c for c in cls.doc["cipai"] if c["variant"] == 0}

    def test_coverage(self):
        self.assertGreaterEqual(len(self.by_name), 100)
        for name in REFERENCE:
            self.assertIn(name, self.by_name)
        for name in ("水调歌头", "念奴娇", "青玉案", "长相思"):
            self.assertIn(name, self.by_name)

    def test_provenance_recorded(self):
        for c in self.doc["cipai"]:
            self.assertGreaterEqual(c["poems"], 20, c["name"])
            self.assertLessEqual(c["agreeing"], c["poems"])
            for l in c["lines"]:
                self.assertEqual(len(l["tones"]), l["chars"])
                self.assertEqual(len(l["agree"]), l["chars"])
                # 平/仄 only where the agreement reached the threshold.
                cut = 100 * self.doc["thresholds"]["tone_agree"]
                for t, a in zip(l["tones"], l["agree"]):  # agree is rounded to whole percent
                    self.assertTrue(a >= cut if t != "中" else a <= cut, (c["name"], l, t, a))
            for slot in {l["rhyme"] for l in c["lines"] if l["rhyme"]}:
                self.assertIn(c["slots"][slot]["tone"], ("平", "仄"))

    def test_against_longyusheng(self):
        found = set()
        for name, text in REFERENCE.items():
            ref = parse_reference(text)
            got = self.by_name[name]
            found |= differences(name, ref, got)
            # Slot tones: the reference's rhyme lines end in the slot's tone where it fixes one.
            for r, g in zip(ref, got["lines"]):
                if r["rhyme"] and r["tones"][-1] != "中":
                    self.assertEqual(got["slots"][g["rhyme"]]["tone"], r["tones"][-1], name)
        self.assertEqual(found, set(KNOWN_DIFFERENCES), "\n".join(map(str, sorted(
            found ^ set(KNOWN_DIFFERENCES), key=str))))

    def test_stanzas(self):
        # 上闋/下闋: the split falls where the reference's 後片 starts.
        want = {"浣溪沙": 3, "菩萨蛮": 4, "卜算子": 4, "西江月": 4, "点绛唇": 4, "鹧鸪天": 4,
                "虞美人": 5, "满江红": 11, "清平乐": 4, "蝶恋花": 5, "减字木兰花": 4,
                "临江仙": 5, "如梦令": None}
        for name, k in want.items():
            self.assertEqual(self.by_name[name]["stanza_break"], k, name)

    def test_held_out_rhymes(self):
        h = self.doc["held_out"]
        self.assertGreater(h["rhyme_pairs"], 3000)
        self.assertGreater(h["same_group"] / h["rhyme_pairs"], 0.8)


if __name__ == "__main__":
    unittest.main()
