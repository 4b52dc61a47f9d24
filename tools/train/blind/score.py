"""Scores a blind reading (README.md): the reader's table against the key.

  python3 tools/train/blind/score.py NAME     (reads NAME.key.json and NAME.answers.md here)

The answers' table rows are `| pair | better (1 or 2) | coherence 1 | coherence 2 | reason |`.
Prints the pairs where way B was preferred and the mean coherence of each way.
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


if __name__ == "__main__":
    n, b, mean = score(sys.argv[1])
    print(f"{n} pairs: B preferred in {b} ({100 * b / n:.1f} %); coherence A {mean['A']:.2f}, "
          f"B {mean['B']:.2f}")
