"""The classroom's bundled training set (issue 18): the most-read 五言絕句 of the training split.

  /usr/bin/python3 tools/corpus/classroom_set.py --data /work/cache/data \
      --out assets/classroom/wujue.tsv [--n 3000]

Reads prepare.py's poems.jsonl (cleaned, Simplified, with each poem's rank: log search-engine
hits from the package's dist/rank) and keeps the n 五绝 of the training split read most, ties
broken by body; poems with no rank come last. Only whole 絕句 of 20 Han characters (not
句, fragments kept from lost poems). One poem a line, `title<TAB>body`, in rank
order; the body is the poem's 20 characters with its marks (，。). Deterministic for a given
data folder.
"""
import argparse
import json
import os
import re

# Four lines of five Han characters, each closed by ， or 。 (a whole 絕句, not a fragment).
WUJUE = re.compile(r"^(?:[\u3400-\u9fff]{5}[，。]){4}$")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--n", type=int, default=3000)
    args = ap.parse_args()
    poems = []
    with open(os.path.join(args.data, "poems.jsonl"), encoding="utf-8") as f:
        for line in f:
            p = json.loads(line)
            if p["form"] != "五绝" or p["split"] != "train":
                continue
            if "\t" in p["title"] or "\n" in p["title"] or p["title"] == "句":
                continue  # 句: a couplet or two kept from a lost poem
            if not WUJUE.match(p["body"]):
                continue
            poems.append(p)
    poems.sort(key=lambda p: (p["rank"] is None, -(p["rank"] or 0), p["body"]))
    chosen = poems[:args.n]
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        for p in chosen:
            f.write(f"{p['title']}\t{p['body']}\n")
    chars = sum(len(p["body"]) for p in chosen)
    print(f"wrote {len(chosen)} of {len(poems)} 五绝 ({chars} characters) to {args.out}")


if __name__ == "__main__":
    main()
