"""A large generated run (issue 15, proof 3): 1,000 詞 written by `build/inkstone poem` with the
shipped model, over 38 patterns of 33 詞牌 — the 30 most written 詞牌 of assets/prosody/cipai.tsv
(main structures), the famous ones of the issue, and five 又一體 — and every one of them keeps
its pattern's structure, tones and rhymes by tests/py/prosody_reader.py, a checker that shares no
code with the engine (it reads cipai.tsv, tones.tsv and rhyme-ci.tsv itself; its rules are at
the top of that file).

The bound: all 1,000 must pass, with no exemption; the engine relaxed no step of any of them when
this was written (kMaxRelaxed = 0), so a relaxation is a failure here too. One CLI call per
pattern writes its 詞 with -n; the seeds run 0..999 over the whole run, so `--seed S` with the
pattern's --form and --variant writes poem S again. The checker is shown to notice broken 詞:
written with --no-tones or --no-rhyme, and with faults planted in good ones.

A summary (詞 per pattern, relaxed, time) goes to stderr. INK_POETRY_MODEL runs it with another
checkpoint (run 2's has the <词> tag, which the prompt then uses):

  /usr/bin/python3 -m unittest tests/py/test_ci_run.py -v
  INK_POETRY_MODEL=tools/train/run2-q8_0.gguf /usr/bin/python3 -m unittest tests/py/test_ci_run.py
"""
import json
import os
import subprocess
import sys
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "reference"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import llama_ref  # noqa: E402
from prosody_reader import (CIPAI, RHYMES, ci_faults, clauses, common_group,  # noqa: E402
                            tone)

BIN = os.path.join(ROOT, "build", "inkstone")
SHIPPED = os.path.join(ROOT, "assets", "models", "inkstone-poetry-q8_0.gguf")
MODEL = os.environ.get("INK_POETRY_MODEL") or SHIPPED
REQUIRE_ALL = os.environ.get("INK_REQUIRE_ALL") == "1" or os.environ.get("CI") == "true"

kPoems = 1000
kMinCipai = 20  # the issue asks for at least 20 詞牌
kTopMain = 30   # the most written 詞牌 of cipai.tsv, by their main structure (variant 0)
FAMOUS = ("浣溪沙", "如梦令", "菩萨蛮", "水调歌头", "念奴娇", "蝶恋花", "西江月", "清平乐", "卜算子",
          "鹧鸪天", "虞美人", "满江红", "青玉案", "点绛唇", "长相思")
# 又一體: other structures of four long 詞牌, and 柳梢青's 仄-rhymed one (its main rhymes on 平).
VARIANTS = (("水调歌头", 1), ("念奴娇", 1), ("沁园春", 1), ("满庭芳", 1), ("柳梢青", 2))
kMaxRelaxed = 0  # poems in which the engine loosened a rule at some step
# The sabotage runs: 詞 written with a rule switched off, which the checker must notice.
SABOTAGE_PATTERNS = (("浣溪沙", 0), ("菩萨蛮", 0), ("满江红", 0), ("西江月", 0), ("如梦令", 0))
kSabotagePoems = 6  # per pattern and rule


def patterns():
    """The run's patterns, (name, variant), the most written first."""
    main = sorted((k for k in CIPAI if k[1] == 0), key=lambda k: -CIPAI[k]["poems"])
    chosen = main[:kTopMain] + [(n, 0) for n in FAMOUS if (n, 0) not in main[:kTopMain]]
    return chosen + list(VARIANTS)


def calls():
    """(name, variant, poems, first seed) per CLI call: kPoems spread evenly, seeds 0..999."""
    pats, out, seed = patterns(), [], 0
    for i, (name, variant) in enumerate(pats):
        n = kPoems // len(pats) + (i < kPoems % len(pats))
        out.append((name, variant, n, seed))
        seed += n
    return out


def write(name, variant, n, seed, *extra):
    """The 詞 of one CLI call, each with its pattern; and the call's stderr."""
    args = [BIN, "poem", "-m", MODEL, "--json", "--form", name, "--variant", str(variant),
            "-n", str(n), "--seed", str(seed), *extra]
    r = subprocess.run(args, capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise AssertionError(f"{' '.join(args)}: exit {r.returncode}: {r.stderr}")
    poems = [dict(json.loads(line), pattern=(name, variant)) for line in r.stdout.splitlines()]
    return poems, r.stderr


def faults_of(poem, **rules):
    return ci_faults(poem["text"], CIPAI[poem["pattern"]], "ci", **rules)


class CiRunTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        missing = [p for p in (BIN, MODEL) if not os.path.exists(p)]
        if missing:
            if REQUIRE_ALL:
                raise AssertionError(f"cannot run the 詞 run, missing: {missing} (make native)")
            raise unittest.SkipTest(f"missing {missing} (make native)")
        cls.pieces = llama_ref.GGUFFile(MODEL).metadata["tokenizer.ggml.tokens"]
        cls.has_ci = "<词>" in cls.pieces
        cls.poems, cls.stderr = [], {}
        t0 = time.monotonic()
        for name, variant, n, seed in calls():
            poems, cls.stderr[(name, variant)] = write(name, variant, n, seed)
            cls.poems += poems
        cls.write_s = time.monotonic() - t0
        t0 = time.monotonic()
        cls.faults = [faults_of(p) for p in cls.poems]
        cls.check_s = time.monotonic() - t0
        cls.print_summary()

    @classmethod
    def print_summary(cls):
        per = {}
        for p in cls.poems:
            per[p["pattern"]] = per.get(p["pattern"], 0) + 1
        n_tokens = sum(len(p["tokens"]) for p in cls.poems)
        failing = [f for f in cls.faults if f]
        kinds = {k: sum(any(x.startswith(k) for x in f) for f in failing)
                 for k in ("structure", "line", "rhyme")}
        out = sys.stderr
        print(f"\n[詞 run] {len(cls.poems)} 詞 over {len(per)} patterns of "
              f"{len({n for n, _ in per})} 詞牌, model {os.path.relpath(MODEL, ROOT)} "
              f"(prompt {'<词>' if cls.has_ci else '<其他>'}詞牌)", file=out)
        print(f"  written in {cls.write_s:.1f} s ({len(cls.poems) / cls.write_s:.0f} 詞/s, "
              f"{n_tokens / cls.write_s:.0f} tokens/s), checked in {cls.check_s:.2f} s", file=out)
        print("  " + " ".join(f"{n}{'' if v == 0 else f'({v})'} {k}" for (n, v), k in per.items()),
              file=out)
        print(f"  relaxed: {sum(p['relaxed'] > 0 for p in cls.poems)} 詞; failing the check: "
              f"{len(failing)} (structure {kinds['structure']}, tones {kinds['line']}, "
              f"rhymes {kinds['rhyme']})", file=out)

    def test_run_covers_the_cipai(self):
        self.assertEqual(len(self.poems), kPoems)
        names = {n for n, _ in patterns()}
        self.assertGreaterEqual(len(names), kMinCipai)
        self.assertTrue(set(FAMOUS) <= names)
        for name, variant, n, seed in calls():
            got = [p for p in self.poems if p["pattern"] == (name, variant)]
            self.assertEqual([p["seed"] for p in got], list(range(seed, seed + n)))
        self.assertEqual(sorted(p["seed"] for p in self.poems), list(range(kPoems)))

    def test_every_ci_keeps_its_pattern(self):
        failing = [(p["pattern"], p["seed"], p["text"], f)
                   for p, f in zip(self.poems, self.faults) if f]
        self.assertEqual(len(failing), 0, "\n".join(map(str, failing[:20])))
        for p in self.poems:
            self.assertEqual((p["reason"], p["complete"]), ("eos", True), p["text"])

    def test_no_step_was_relaxed(self):
        relaxed = [(p["pattern"], p["seed"], p["relaxed"]) for p in self.poems if p["relaxed"]]
        self.assertLessEqual(len(relaxed), kMaxRelaxed, relaxed[:20])

    def test_written_as_asked_by_the_model(self):
        tag = "<词>" if self.has_ci else "<其他>"
        for pattern, err in self.stderr.items():
            self.assertEqual("no <词> token" in err, not self.has_ci, pattern)
        for p in self.poems:
            name, variant = p["pattern"]
            s = p["settings"]
            spec = {"cipai": name, "tones": True, "rhyme": True}
            if variant:
                spec["variant"] = variant
            self.assertEqual((s["constraint"], s["rhyme_book"], s["prompt"]),
                             (spec, "ci", f"{tag}{name}\n"))
            # One token a character (punctuation included), then </s>.
            self.assertEqual("".join(self.pieces[t] for t in p["tokens"][:-1]), p["text"])
            self.assertEqual(p["tokens"][-1], 2)
            self.assertEqual(len(p["tokens"]) - 1, len(p["text"]))

    def test_cli_analysis_agrees(self):
        # The analyser (core) reads each 詞 as its 詞牌 and, counting only fixed tones and rhymes,
        # finds nothing in a 詞 that keeps all of the pattern.
        for p in self.poems:
            a = p["analysis"]
            self.assertEqual((a["form"], a["cipai"]["name"], a["cipai"]["variant"]),
                             ("詞",) + p["pattern"], p["text"])
            self.assertEqual(a["faults"], [], p["text"])
            self.assertEqual([[c["tone"] for c in line] for line in a["lines"]],
                             [[tone(ch) for ch in c] for c, _ in clauses(p["text"])])

    def test_checker_notices_rules_switched_off(self):
        # Written without the rule, a 詞 keeps it only by chance or by what the model learned: the
        # checker must flag a good share of them (a third: version 2 of the poetry model keeps
        # the tones of 17 of these 30 unaided), for that rule alone, and pass every one when
        # told the rule is off.
        for rule in ("tones", "rhyme"):
            poems = []
            for i, (name, variant) in enumerate(SABOTAGE_PATTERNS):
                seed = 5000 + kSabotagePoems * i
                poems += write(name, variant, kSabotagePoems, seed, f"--no-{rule}")[0]
            flagged = [p for p in poems if faults_of(p)]
            for p in poems:
                self.assertEqual(faults_of(p, **{rule: False}), [], p["text"])
            for p in flagged:
                prefix = "line" if rule == "tones" else "rhyme"
                self.assertTrue(all(f.startswith(prefix) for f in faults_of(p)), p["text"])
            print(f"[詞 run] written with --no-{rule}: the checker flags {len(flagged)} of "
                  f"{len(poems)}", file=sys.stderr)
            self.assertGreaterEqual(len(flagged), len(poems) // 3, rule)

    def test_checker_notices_planted_faults(self):
        firsts = {}
        for p, f in zip(self.poems, self.faults):
            if not f:
                firsts.setdefault(p["pattern"], p)
        self.assertEqual(len(firsts), len(patterns()))
        ci_groups, group_tone = RHYMES["ci"]
        for key, p in firsts.items():
            pattern, text = CIPAI[key], p["text"]
            # Positions in the text of each clause's characters.
            spans, at = [], 0
            for c, mark in clauses(text):
                spans.append(list(range(at, at + len(c))))
                at += len(c) + len(mark)

            def plant(i, ch, t=text):
                return t[:i] + ch + t[i + 1:]

            def kinds(t):
                return {f.split(" ")[0] for f in ci_faults(t, pattern)}

            # A tone: the first fixed position that ends no rhyme made the other tone.
            line, col = next((i, j) for i, (tones, _, sl) in enumerate(pattern["lines"])
                             for j, req in enumerate(tones)
                             if req in "平仄" and not (sl and j == len(tones) - 1))
            other = "地" if pattern["lines"][line][0][col] == "平" else "天"
            self.assertEqual(kinds(plant(spans[line][col], other)), {"line"}, key)
            # A rhyme of the other tone at the last line of the slot with the most lines.
            slots = [sl for _, _, sl in pattern["lines"] if sl]
            slot = max(pattern["slot_tone"], key=slots.count)
            rhyme_lines = [i for i, (_, _, sl) in enumerate(pattern["lines"]) if sl == slot]
            self.assertGreaterEqual(len(rhyme_lines), 2, key)
            last = spans[rhyme_lines[-1]][-1]
            want = pattern["slot_tone"][slot]
            self.assertIn("rhyme", kinds(plant(last, "月" if want == "平" else "风")), key)
            # A rhyme of the right tone outside the group the slot's other rhymes share.
            others = [text[spans[i][-1]] for i in rhyme_lines[:-1]]
            shared = common_group(others, "ci", want)
            stray = next(ch for ch, g in sorted(ci_groups.items())
                         if tone(ch) == ("P" if want == "平" else "Z") and ch not in text
                         and not g & shared)
            self.assertEqual(kinds(plant(last, stray)), {"rhyme"}, (key, stray))
            # Structure: a rhyming 。 made ，; a character dropped; one added.
            mark = spans[rhyme_lines[0]][-1] + 1
            self.assertEqual(kinds(plant(mark, "，")), {"structure"}, key)
            self.assertEqual(kinds(text[:2] + text[3:]), {"structure"}, key)
            self.assertEqual(kinds(text[:2] + "山" + text[2:]), {"structure"}, key)


if __name__ == "__main__":
    unittest.main()
