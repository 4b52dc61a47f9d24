#!/usr/bin/python3
"""Reference tokenizers for the fixture vocabularies (Inkstone): plain transcriptions of
llama.cpp's algorithms, used to write the encodings that tests/cpp/test-tokenizer.cpp checks
(tools/fixtures/make_tokenizer_cases.py) and the examples in tests/fixtures/README.md.

Special pieces (as llama.cpp's tokenizer_st_partition): user-defined pieces (type 4) always,
control (3) and unknown (2) pieces with parse_special, are cut out of the text first: for each,
longest first, every occurrence in the plain text left so far, scanning from the left.

llama (SentencePiece BPE as llama.cpp runs it), on each plain fragment:
  1. prepend " " if add_space_prefix and the fragment starts the text or follows a special
     piece (llama.cpp's is_prev_special rule), replace " " by U+2581;
  2. symbols = the UTF-8 characters; repeatedly merge the adjacent pair whose concatenation is
     a piece with the highest score (ties: leftmost first);
  3. a final symbol that is not a piece becomes its UTF-8 bytes as <0xNN> tokens.
gpt2 (byte-level BPE), on each plain fragment:
  1. pre-tokenise with the regex of tokenizer.ggml.pre (PRE_PATTERNS: GPT-2's, Llama 3's,
     Qwen2's), written for Python's `re` with \p{L} and \p{N} spelled out as character classes
     built from unicodedata (general categories L*, N*) and \s as the White_Space property;
  2. map each word's UTF-8 bytes through bytes_to_unicode; with llama3 a word that is itself a
     piece is taken whole (llama.cpp's ignore_merges);
  3. repeatedly merge the adjacent pair with the lowest merge rank; look the symbols up.

  /usr/bin/python3 tools/reference/tokenizer_ref.py model.gguf "text" [--special]
"""
import functools
import re
import sys
import unicodedata

from llama_ref import GGUFFile

# The White_Space property (PropList.txt); Python's \s would add U+001C..U+001F.
WHITE_SPACE = [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680] + \
    list(range(0x2000, 0x200B)) + [0x2028, 0x2029, 0x202F, 0x205F, 0x3000]


@functools.lru_cache(maxsize=None)
def category_class(major):
    """The body of a regex character class holding every code point of general category
    major* ("L" or "N"), as \\U escapes."""
    parts, start = [], None
    for cp in range(0x110001):
        inside = cp < 0x110000 and unicodedata.category(chr(cp))[0] == major
        if inside and start is None:
            start = cp
        if not inside and start is not None:
            parts.append("\\U%08X-\\U%08X" % (start, cp - 1) if cp - 1 > start
                         else "\\U%08X" % start)
            start = None
    return "".join(parts)


def _pre_patterns():
    L, N = category_class("L"), category_class("N")
    S = "".join("\\U%08X" % c for c in WHITE_SPACE)
    contractions = "'s|'t|'re|'ve|'m|'ll|'d"
    contractions_i = "'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD]"
    gpt2 = (f"{contractions}| ?[{L}]+| ?[{N}]+| ?[^{S}{L}{N}]+|[{S}]+(?![^{S}])|[{S}]+")

    def llama3_like(digits):
        return (f"{contractions_i}|[^\\r\\n{L}{N}]?[{L}]+|[{N}]{digits}"
                f"| ?[^{S}{L}{N}]+[\\r\\n]*|[{S}]*[\\r\\n]+|[{S}]+(?![^{S}])|[{S}]+")
    return {"gpt2": gpt2, "llama3": llama3_like("{1,3}"), "qwen2": llama3_like("")}


@functools.lru_cache(maxsize=None)
def pre_pattern(pre):
    return re.compile(_pre_patterns()[pre])


# tokenizer.ggml.pre -> pattern name (absent: gpt2), as core/src/tokenizer.cpp reads it.
PRE_NAMES = {None: "gpt2", "gpt2": "gpt2", "gpt-2": "gpt2", "llama-bpe": "llama3",
             "llama3": "llama3", "llama-v3": "llama3", "qwen2": "qwen2",
             "deepseek-r1-qwen": "qwen2"}


def pretokenize(pre, text):
    words = [m.group(0) for m in pre_pattern(pre).finditer(text)]
    assert "".join(words) == text, "the pattern must cover the text"
    return words


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
        self.pre = PRE_NAMES[md.get("tokenizer.ggml.pre")] if self.kind == "gpt2" else None
        self.tokens = md["tokenizer.ggml.tokens"]
        self.ids = {}
        for i, t in enumerate(self.tokens):
            self.ids.setdefault(t, i)
        self.types = md.get("tokenizer.ggml.token_type", [1] * len(self.tokens))
        self.scores = md.get("tokenizer.ggml.scores", [0.0] * len(self.tokens))
        self.add_space_prefix = md.get("tokenizer.ggml.add_space_prefix", True)
        self.ranks = {tuple(m.split(" ")): r
                      for r, m in enumerate(md.get("tokenizer.ggml.merges", []))}
        self.user = [t for t, ty in zip(self.tokens, self.types) if ty == 4]
        # special pieces, longest first (ties by id)
        self.special = sorted(((t, i, ty) for i, (t, ty) in enumerate(zip(self.tokens, self.types))
                               if ty in (2, 3, 4) and t), key=lambda x: (-len(x[0].encode()), x[1]))

    def split_special(self, text, parse_special=False):
        """-> [(text, None) | (piece, id)], as llama.cpp's tokenizer_st_partition."""
        parts = [(text, None)] if text else []
        for piece, tid, ty in self.special:
            if ty != 4 and not parse_special:
                continue
            out = []
            for part, pid in parts:
                if pid is not None:
                    out.append((part, pid))
                    continue
                chunks = part.split(piece)
                for k, chunk in enumerate(chunks):
                    if k:
                        out.append((piece, tid))
                    if chunk:
                        out.append((chunk, None))
            parts = out
        return parts

    def encode(self, text, parse_special=False):
        out, first = [], True
        for part, tid in self.split_special(text, parse_special):
            if tid is not None:
                out.append(tid)
                first = True      # llama.cpp: the fragment after a special piece gets " " too
                continue
            if self.kind == "gpt2":
                out += [i for word in pretokenize(self.pre, part) for i in self._bpe(word)]
            else:
                out += self._spm(part, first)
            first = False
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

    def _bpe(self, word):
        b2u = gpt2_bytes_to_unicode()
        syms = [b2u[b] for b in word.encode("utf-8")]
        if self.pre == "llama3" and "".join(syms) in self.ids:
            return [self.ids["".join(syms)]]
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
    ids = tok.encode(sys.argv[2], parse_special="--special" in sys.argv[3:])
    print(" ".join(map(str, ids)))
    print(" ".join(tok.tokens[i] for i in ids))
