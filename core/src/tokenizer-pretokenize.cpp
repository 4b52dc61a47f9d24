// The pre-tokenizers of byte-level BPE (`tokenizer.ggml.pre`): each splits text into words, and
// merges never cross a word boundary. The regexes come from the models' tokenizer.json files, as
// llama.cpp's llama-vocab.cpp lists them; each is written here by hand, one alternative after
// another, trying them in order at each position as a regex engine would (leftmost alternative
// wins, each quantifier greedy):
//
//   gpt2    's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//   llama3  (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}
//             | ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
//   qwen2   as llama3, with \p{N} (one digit a word) for \p{N}{1,3}
//
// \p{L} and \p{N} are the Unicode general categories L* and N* (unicode-data.cpp, generated);
// \s is the White_Space property. A byte that starts no well-formed UTF-8 sequence is a symbol
// of its own, in none of the classes (llama.cpp reads it as U+FFFD, a symbol: the same class).
#include <string_view>
#include <vector>

#include "inkstone/tokenizer.h"
#include "tokenizer-internal.h"
#include "unicode-data.h"

namespace inkstone {

// ---------------------------------------------------------------- character classes

namespace {

bool in_ranges(std::span<const code_point_range> ranges, uint32_t cp) {
  size_t lo = 0, hi = ranges.size();
  while (lo < hi) {  // first range with last >= cp
    const size_t mid = lo + (hi - lo) / 2;
    if (ranges[mid].last < cp) {
      lo = mid + 1;
      continue;
    }
    hi = mid;
  }
  return lo < ranges.size() && ranges[lo].first <= cp;
}

}  // namespace

bool is_unicode_letter(uint32_t cp) {
  if (cp < 0x80) return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
  if (cp & kRawByteFlag) return false;
  return in_ranges(kLetterRanges, cp);
}

bool is_unicode_number(uint32_t cp) {
  if (cp < 0x80) return cp >= '0' && cp <= '9';
  if (cp & kRawByteFlag) return false;
  return in_ranges(kNumberRanges, cp);
}

// The White_Space property (PropList.txt): 25 code points.
bool is_unicode_space(uint32_t cp) {
  return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

// ---------------------------------------------------------------- pre-tokenizers

namespace {

enum class char_class { letter, number, space, other };

char_class classify(uint32_t cp) {
  if (is_unicode_letter(cp)) return char_class::letter;
  if (is_unicode_number(cp)) return char_class::number;
  if (is_unicode_space(cp)) return char_class::space;
  return char_class::other;
}

// The text as code points with their byte offsets (offs has one more entry: the end).
struct decoded_text {
  std::vector<uint32_t> cps;
  std::vector<size_t> offs;
  std::vector<char_class> cls;
  explicit decoded_text(std::string_view text) {
    for (size_t i = 0; i < text.size();) {
      offs.push_back(i);
      const uint32_t cp = utf8_next(text, &i);
      cps.push_back(cp);
      cls.push_back(classify(cp));
    }
    offs.push_back(text.size());
  }
  size_t size() const { return cps.size(); }
  // The end of the run of class c that starts at j.
  size_t run_end(size_t j, char_class c) const {
    while (j < cps.size() && cls[j] == c) ++j;
    return j;
  }
};

uint32_t ascii_lower(uint32_t cp) { return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp; }

// 's 't 'm 'd 're 've 'll at i: the length in code points (0: none). case_insensitive: (?i:...),
// which only ASCII letters can satisfy (no other code point lowercases to s t m d r e v l).
size_t contraction_length(const decoded_text& t, size_t i, bool case_insensitive) {
  if (t.cps[i] != '\'' || i + 1 >= t.size()) return 0;
  auto at = [&](size_t k) { return case_insensitive ? ascii_lower(t.cps[k]) : t.cps[k]; };
  const uint32_t c1 = at(i + 1);
  if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') return 2;
  if (i + 2 >= t.size()) return 0;
  const uint32_t c2 = at(i + 2);
  if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) return 3;
  return 0;
}

// \s+(?!\S) then \s+, for the whitespace run [i, end): all of it when it ends the text or is one
// character, else all but its last character (which then prefixes the next word).
size_t whitespace_word_end(const decoded_text& t, size_t i, size_t end) {
  if (end == t.size() || end - i == 1) return end;
  return end - 1;
}

// The end (code point index) of the GPT-2 word that starts at i.
size_t gpt2_word_end(const decoded_text& t, size_t i) {
  const size_t n = t.size();
  if (const size_t k = contraction_length(t, i, false)) return i + k;
  // ' ?\p{L}+', ' ?\p{N}+', ' ?[^\s\p{L}\p{N}]+'
  const size_t j = (t.cps[i] == ' ' && i + 1 < n) ? i + 1 : i;
  if (t.cls[j] != char_class::space) return t.run_end(j, t.cls[j]);
  return whitespace_word_end(t, i, t.run_end(i, char_class::space));
}

bool is_cr_or_lf(uint32_t cp) { return cp == '\r' || cp == '\n'; }

// The end of the llama3 / qwen2 word that starts at i; max_digits is 3 (llama3) or 1 (qwen2).
size_t llama3_word_end(const decoded_text& t, size_t i, size_t max_digits) {
  const size_t n = t.size();
  if (const size_t k = contraction_length(t, i, true)) return i + k;
  const uint32_t c0 = t.cps[i];
  const char_class k0 = t.cls[i];
  // [^\r\n\p{L}\p{N}]?\p{L}+ : a letter run, with one optional non-letter, non-number, non-CR/LF
  // character in front (a space, a tab, punctuation, a symbol).
  if (!is_cr_or_lf(c0) && k0 != char_class::number) {
    if (k0 == char_class::letter || (i + 1 < n && t.cls[i + 1] == char_class::letter)) {
      return t.run_end(i + 1, char_class::letter);
    }
  }
  // \p{N}{1,3} (llama3) or \p{N} (qwen2)
  if (k0 == char_class::number) {
    size_t end = i + 1;
    while (end < n && end - i < max_digits && t.cls[end] == char_class::number) ++end;
    return end;
  }
  // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
  const size_t j = (c0 == ' ' && i + 1 < n) ? i + 1 : i;
  if (t.cls[j] == char_class::other) {
    size_t end = t.run_end(j, char_class::other);
    while (end < n && is_cr_or_lf(t.cps[end])) ++end;
    return end;
  }
  // \s*[\r\n]+ : the whitespace run up to its last CR/LF, when it holds one.
  const size_t end = t.run_end(i, char_class::space);
  for (size_t k = end; k > i; --k) {
    if (is_cr_or_lf(t.cps[k - 1])) return k;
  }
  return whitespace_word_end(t, i, end);
}

}  // namespace

const char* bpe_pre_name(bpe_pre p) {
  switch (p) {
    case bpe_pre::gpt2:
      return "gpt2";
    case bpe_pre::llama3:
      return "llama3";
    case bpe_pre::qwen2:
      return "qwen2";
  }
  return "unknown";
}

void bpe_pretokenize(bpe_pre pre, std::string_view text, std::vector<std::string_view>& words) {
  const decoded_text t(text);
  for (size_t i = 0; i < t.size();) {
    size_t end = i;
    switch (pre) {
      case bpe_pre::gpt2:
        end = gpt2_word_end(t, i);
        break;
      case bpe_pre::llama3:
        end = llama3_word_end(t, i, 3);
        break;
      case bpe_pre::qwen2:
        end = llama3_word_end(t, i, 1);
        break;
    }
    if (end <= i) end = i + 1;  // no alternative matched (unreachable): one character a word
    words.push_back(text.substr(t.offs[i], t.offs[end] - t.offs[i]));
    i = end;
  }
}

}  // namespace inkstone
