#!/usr/bin/python3
"""Reference tokenizers for the fixture vocabularies (Inkstone), used to print example
encodings in tests/fixtures/README.md. Plain transcriptions of the two algorithms:

llama (SentencePiece BPE as llama.cpp runs it):
  1. split out user-defined pieces (type 4) wherever they occur in the text;
  2. for each other fragment: prepend " " if add_space_prefix and the fragment starts the text
     or follows a user-defined piece (llama.cpp's is_prev_special rule), replace " " by U+2581;
  3. symbols = the UTF-8 characters; repeatedly merge the adjacent pair whose concatenation is
     a piece with the highest score (ties: leftmost first);
  4. a final symbol that is not a piece becomes its UTF-8 bytes as <0xNN> tokens.
gpt2 (byte-level BPE):
  1. pre-tokenise with GPT-2's pattern (in Python `re`: letters = [^\\W\\d_], digits = \\d, the
     rest = [^\\s\\w] or "_");
  2. map each piece's UTF-8 bytes through bytes_to_unicode;
  3. repeatedly merge the adjacent pair with the lowest merge rank; look the symbols up.

  /usr/bin/python3 tools/reference/tokenizer_ref.py model.gguf "text"
"""
import re
import sys

from llama_ref import GGUFFile

# GPT-2's 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+ in Python's
# `re`: \p{L} is [^\W\d_] and \p{N} is \d. The "other" class is [^\s\w] plus "_" ("_" is \w in
# Python but neither a letter nor a number: left out, the pattern would drop it from the text).
GPT2_PATTERN = re.compile(
    r"""'s|'t|'re|'ve|'m|'ll|'d| ?[^\W\d_]+| ?\d+| ?(?:[^\s\w]|_)+|\s+(?!\S)|\s+""")


def gpt2_bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


class Tokenizer:
    def __init__(self, path):
        md = GGUFFile(path).metadata
        self.kind = md["tokenizer.ggml.model"]
        self.tokens = md["tokenizer.ggml.tokens"]
        self.ids = {t: i for i, t in enumerate(self.tokens)}
        self.types = md.get("tokenizer.ggml.token_type", [1] * len(self.tokens))
        self.scores = md.get("tokenizer.ggml.scores", [0.0] * len(self.tokens))
        self.add_space_prefix = md.get("tokenizer.ggml.add_space_prefix", True)
        self.ranks = {tuple(m.split(" ")): r
                      for r, m in enumerate(md.get("tokenizer.ggml.merges", []))}
        self.user = [t for t, ty in zip(self.tokens, self.types) if ty == 4]

    def encode(self, text):
        if self.kind == "gpt2":
            return [i for piece in GPT2_PATTERN.findall(text) for i in self._bpe(piece)]
        out, first = [], True
        while text:
            hits = [(text.find(u), -len(u), u) for u in self.user if u in text]
            if not hits:
                out += self._spm(text, first)
                break
            pos, _, u = min(hits)
            if pos:
                out += self._spm(text[:pos], first)
                first = False
            out.append(self.ids[u])
            first = True          # llama.cpp: the fragment after a special piece gets " " too
            text = text[pos + len(u):]
        return out

    def _spm(self, text, first):
        if self.add_space_prefix and first:
            text = " " + text
        syms = list(text.replace(" ", "\u2581"))
        while True:
            best = None
            for i in range(len(syms) - 1):
                t = self.ids.get(syms[i] + syms[i + 1])
                if t is not None and (best is None or self.scores[t] > best[0]):
                    best = (self.scores[t], i)
            if best is None:
                break
            i = best[1]
            syms[i:i + 2] = [syms[i] + syms[i + 1]]
        out = []
        for s in syms:
            if s in self.ids:
                out.append(self.ids[s])
            else:
                out += [self.ids["<0x%02X>" % b] for b in s.encode("utf-8")]
        return out

    def _bpe(self, piece):
        b2u = gpt2_bytes_to_unicode()
        syms = [b2u[b] for b in piece.encode("utf-8")]
        while len(syms) > 1:
            pairs = [(self.ranks.get((a, b), 1 << 30), i) for i, (a, b) in
                     enumerate(zip(syms, syms[1:]))]
            r, i = min(pairs)
            if r == 1 << 30:
                break
            syms[i:i + 2] = [syms[i] + syms[i + 1]]
        return [self.ids[s] for s in syms]


if __name__ == "__main__":
    tok = Tokenizer(sys.argv[1])
    ids = tok.encode(sys.argv[2])
    print(" ".join(map(str, ids)))
    print(" ".join(tok.tokens[i] for i in ids))
