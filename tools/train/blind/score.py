"""Scores a blind reading (README.md): the reader's table against the key.

  python3 tools/train/blind/score.py NAME          (pairs: NAME.key.json, NAME.answers.md here)
  python3 tools/train/blind/score.py --mixed NAME  (the mixed test of write-mixed.mjs)

Pairs: the answers' rows are `| pair | better (1 or 2) | coherence 1 | coherence 2 | reason |`;
prints the pairs where way B was preferred and the mean coherence of each way. Mixed: rows are
`| poem | by (person or model) | confidence | coherence | reason |`; prints how many of ours
the reader called a model's, how many calls were right, and the coherence of each set.
"""
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def score(name):
    key = json.load(open(os.path.join(HERE, name + ".key.json"), encoding="utf-8"))
    rows = [line for line in open(os.path.join(HERE, name + ".answers.md"), encoding="utf-8")
            if re.match(r"\|\s*\d+\s*\|", line)]
    b_wins, coherence = 0, {"A": [], "B": []}
    for line in rows:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        pair, better, c1, c2 = int(cells[0]), int(cells[1]), int(cells[2]), int(cells[3])
        first = key["pairs"][pair - 1]["first"]
        second = "B" if first == "A" else "A"
        b_wins += (first if better == 1 else second) == "B"
        coherence[first].append(c1)
        coherence[second].append(c2)
    n = len(rows)
    mean = {k: sum(v) / len(v) for k, v in coherence.items()}
    return n, b_wins, mean


def score_mixed(name):
    key = json.load(open(os.path.join(HERE, name + ".key.json"), encoding="utf-8"))
    by = {p["poem"]: p["by"] for p in key["poems"]}
    rows = [line for line in open(os.path.join(HERE, name + ".answers.md"), encoding="utf-8")
            if re.match(r"\|\s*\d+\s*\|", line)]
    found, right, coherence = 0, 0, {"model": [], "song": []}
    for line in rows:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        poem, said, score_ = int(cells[0]), cells[1].lower(), int(cells[3])
        coherence[by[poem]].append(score_)
        found += by[poem] == "model" and said == "model"
        right += (said == "model") == (by[poem] == "model")
    mean = {k: sum(v) / len(v) for k, v in coherence.items()}
    return len(rows), found, right, mean


if __name__ == "__main__":
    if sys.argv[1] == "--mixed":
        n, found, right, mean = score_mixed(sys.argv[2])
        print(f"{n} poems: {found} of ours called a model's, {right} of {n} calls right; "
              f"coherence ours {mean['model']:.2f}, Song {mean['song']:.2f}")
        sys.exit(0)
    n, b, mean = score(sys.argv[1])
    print(f"{n} pairs: B preferred in {b} ({100 * b / n:.1f} %); coherence A {mean['A']:.2f}, "
          f"B {mean['B']:.2f}")
