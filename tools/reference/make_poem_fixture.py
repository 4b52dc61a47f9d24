"""Write the training-text fixture: the first N 五言絕句 (4 lines of 5 characters, ，/。 after
each) of the poetry corpus, one poem per line.

  /usr/bin/python3 tools/reference/make_poem_fixture.py --poems /work/cache/data/poems.jsonl \
      --n 200 --out tests/fixtures/train/wujue-200.txt

poems.jsonl is tools/train's cleaned corpus (chinese-poetry@2.0.1, MIT: 全唐詩, Simplified).
"""
import argparse
import json
import re

LINE = re.compile(r"^([^，。？！；]{5}[，。？！；]){4}$")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--poems", required=True)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    out = []
    with open(a.poems, encoding="utf-8") as f:
        for line in f:
            p = json.loads(line)
            if p.get("form") == "五绝" and p.get("split") == "train" and LINE.match(p["body"]):
                out.append(p["body"])
                if len(out) == a.n:
                    break
    with open(a.out, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
