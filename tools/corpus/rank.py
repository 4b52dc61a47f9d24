"""How much each poem is read: the search-engine hit counts of chinese-poetry's dist/rank.

dist/rank/poet/poet.{tang,song}.rank.N.json and dist/rank/ci/ci.song.rank.N.json list, for the
poems of the file with the same N, {author, title | rhythmic, baidu, so360, bing, bing_en, google}.
The lists are mostly in the same order as the poems but not always (a few files differ in length),
so a poem is matched by (author, title) inside its own file, in order of appearance.

score = mean of log10(1 + hits) over baidu, so360, bing and google (bing_en counts English pages).
A generic title such as 句 or 无题 gets many hits for reasons that have little to do with the poem;
the score is a rough measure of readership, used only to weight sampling (see prepare.py).
"""
import collections
import json
import math
import os

ENGINES = ("baidu", "so360", "bing", "google")


def score(entry):
    vals = [entry.get(e) for e in ENGINES]
    vals = [v for v in vals if isinstance(v, (int, float)) and v >= 0]
    if not vals:
        return None
    return sum(math.log10(1 + v) for v in vals) / len(vals)


class RankFile:
    """Scores of one rank file, looked up by (author, title) in order of appearance."""

    def __init__(self, path, title_key):
        self.by_key = collections.defaultdict(collections.deque)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                for e in json.load(f):
                    self.by_key[(e.get("author"), e.get(title_key))].append(score(e))

    def take(self, author, title):
        q = self.by_key.get((author, title))
        return q.popleft() if q else None


def rank_path(corpus, poem_path):
    """The rank file that belongs to a poem file (None if the poem file has no rank file)."""
    base = os.path.basename(poem_path)
    if base.startswith("poet."):
        name = base.replace("poet.tang.", "poet.tang.rank.").replace("poet.song.",
                                                                        "poet.song.rank.")
        return os.path.join(corpus, "dist/rank/poet", name)
    if base.startswith("ci.song."):
        return os.path.join(corpus, "dist/rank/ci", base.replace("ci.song.", "ci.song.rank."))
    return None


def top_share_weights(scores, top=0.10, weight=3.0):
    """Sampling weight per poem: `weight` for the `top` share with the highest score, else 1.
    Poems without a score weigh 1."""
    known = sorted(s for s in scores if s is not None)
    if not known:
        return [1.0] * len(scores), None
    cut = known[int(len(known) * (1 - top))]
    return [weight if (s is not None and s >= cut) else 1.0 for s in scores], cut
