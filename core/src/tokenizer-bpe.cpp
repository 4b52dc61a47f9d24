// The `gpt2` tokenizer: byte-level BPE.
//   1. user-defined pieces are cut out whole,
//   2. the rest is split by GPT-2's pre-tokenisation regex, written by hand:
//        's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//   3. each word's bytes become symbols through GPT-2's bytes-to-unicode map,
//   4. repeatedly, the adjacent pair with the lowest merge rank is merged (leftmost on ties),
//   5. each final symbol is looked up; a missing one falls back to its single-byte symbols.
//
// \p{L} and \p{N} are approximated by code point ranges (no Unicode tables are shipped):
//   letters: ASCII letters; Latin-1 and Latin Extended letters (U+00C0..U+024F except × ÷, plus
//     ª µ º); IPA, Greek, Cyrillic, Armenian, Hebrew, Arabic, Indic and other scripts from U+0250
//     to U+1FFF (their combining marks and a few script digits/punctuation are counted as
//     letters too); letterlike symbols U+2100..U+214F; kana, bopomofo, Hangul, CJK ideographs
//     and extensions (U+3040..U+9FFF, U+A000..U+A4CF, U+AC00..U+D7AF, U+F900..U+FAFF, plus
//     U+3005 々 and U+3006 〆), fullwidth Latin letters, half-width kana and planes 2-3.
//   numbers: ASCII digits, ² ³ ¹ ¼ ½ ¾, Arabic-Indic and Devanagari digits, super/subscript
//     digits, number forms U+2150..U+218F, circled numbers U+2460..U+249B, 〇 U+3007,
//     Hangzhou numerals U+3021..U+3029, fullwidth digits.
//   everything else (CJK punctuation ，。！？, emoji, symbols) is "other".
#include <queue>
#include <string>
#include <vector>

#include "inkstone/tokenizer.h"
#include "tokenizer-internal.h"

namespace inkstone {

// ---------------------------------------------------------------- UTF-8

uint32_t utf8_next(std::string_view s, size_t* i) {
  const utf8_step st = utf8_decode(s, *i);
  if (st.kind != utf8_step::valid) {
    const auto lead = static_cast<uint8_t>(s[*i]);
    *i += 1;
    return kRawByteFlag | lead;
  }
  *i += st.n_bytes;
  return st.cp;
}

void utf8_append(std::string& out, uint32_t cp) {
  if (cp & kRawByteFlag) {
    out += static_cast<char>(cp & 0xFF);
    return;
  }
  append_code_point(out, cp);
}

// ---------------------------------------------------------------- GPT-2 byte map

namespace {

constexpr bool gpt2_printable(uint32_t b) {
  return (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
}

// byte -> code point; non-printable bytes take 256, 257, ... in byte order (68 of them).
struct gpt2_byte_table {
  uint32_t to_unicode[256] = {};
  int16_t from_unicode[256 + 68] = {};
  constexpr gpt2_byte_table() {
    uint32_t k = 0;
    for (uint32_t b = 0; b < 256; ++b) {
      to_unicode[b] = gpt2_printable(b) ? b : 256 + k++;
      from_unicode[to_unicode[b]] = static_cast<int16_t>(b);
    }
  }
};
constexpr gpt2_byte_table kGpt2Bytes;
static_assert(kGpt2Bytes.to_unicode[' '] == 0x120);   // Ġ
static_assert(kGpt2Bytes.to_unicode['\n'] == 0x10A);  // Ċ

}  // namespace

uint32_t gpt2_byte_to_unicode(uint8_t b) { return kGpt2Bytes.to_unicode[b]; }

int gpt2_unicode_to_byte(uint32_t cp) {
  if (cp >= 256 + 68) return -1;
  if (cp < 256 && !gpt2_printable(cp)) return -1;
  return kGpt2Bytes.from_unicode[cp];
}

// ---------------------------------------------------------------- Unicode classes

bool is_unicode_space(uint32_t cp) {
  return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

bool is_unicode_number(uint32_t cp) {
  if (cp >= '0' && cp <= '9') return true;
  if (cp < 0x80 || (cp & kRawByteFlag)) return false;
  return cp == 0xB2 || cp == 0xB3 || cp == 0xB9 || (cp >= 0xBC && cp <= 0xBE) ||
         (cp >= 0x660 && cp <= 0x669) || (cp >= 0x6F0 && cp <= 0x6F9) ||
         (cp >= 0x966 && cp <= 0x96F) || cp == 0x2070 || (cp >= 0x2074 && cp <= 0x2079) ||
         (cp >= 0x2080 && cp <= 0x2089) || (cp >= 0x2150 && cp <= 0x2189) ||
         (cp >= 0x2460 && cp <= 0x249B) || cp == 0x3007 || (cp >= 0x3021 && cp <= 0x3029) ||
         (cp >= 0xFF10 && cp <= 0xFF19);
}

bool is_unicode_letter(uint32_t cp) {
  if (cp < 0x80) return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
  if (cp & kRawByteFlag) return false;
  if (cp < 0x250) {
    if (cp == 0xAA || cp == 0xB5 || cp == 0xBA) return true;
    return cp >= 0xC0 && cp != 0xD7 && cp != 0xF7;
  }
  if (is_unicode_number(cp) || is_unicode_space(cp)) return false;
  if (cp < 0x2000) return cp != 0x37E && cp != 0x387;  // Greek question mark, ano teleia
  if (cp >= 0x2100 && cp <= 0x214F) return true;
  if (cp == 0x3005 || cp == 0x3006) return true;
  if (cp >= 0x3040 && cp <= 0x9FFF) return cp != 0x30FB;  // katakana middle dot
  if (cp >= 0xA000 && cp <= 0xA4CF) return true;
  if (cp >= 0xAC00 && cp <= 0xD7AF) return true;
  if (cp >= 0xF900 && cp <= 0xFAFF) return true;
  if ((cp >= 0xFF21 && cp <= 0xFF3A) || (cp >= 0xFF41 && cp <= 0xFF5A)) return true;
  if (cp >= 0xFF66 && cp <= 0xFFDC) return true;
  return cp >= 0x20000 && cp <= 0x3FFFF;
}

// ---------------------------------------------------------------- pre-tokenizer

namespace {

enum class char_class { letter, number, space, other };

char_class classify(uint32_t cp) {
  if (is_unicode_letter(cp)) return char_class::letter;
  if (is_unicode_number(cp)) return char_class::number;
  if (is_unicode_space(cp)) return char_class::space;
  return char_class::other;
}

// Splits text into GPT-2 "words" (byte ranges).
void gpt2_pretokenize(std::string_view text, std::vector<std::string_view>& words) {
  // Decode once: code points with their byte offsets.
  std::vector<uint32_t> cps;
  std::vector<size_t> offs;
  for (size_t i = 0; i < text.size();) {
    offs.push_back(i);
    cps.push_back(utf8_next(text, &i));
  }
  const size_t n = cps.size();
  offs.push_back(text.size());
  auto emit = [&](size_t a, size_t b) { words.push_back(text.substr(offs[a], offs[b] - offs[a])); };
  auto run_end = [&](size_t j, char_class c) {
    while (j < n && classify(cps[j]) == c) ++j;
    return j;
  };

  size_t i = 0;
  while (i < n) {
    const uint32_t c0 = cps[i];
    // 's 't 'm 'd 're 've 'll
    if (c0 == '\'' && i + 1 < n) {
      const uint32_t c1 = cps[i + 1];
      if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') {
        emit(i, i + 2);
        i += 2;
        continue;
      }
      if (i + 2 < n) {
        const uint32_t c2 = cps[i + 2];
        if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) {
          emit(i, i + 3);
          i += 3;
          continue;
        }
      }
    }
    // ' ?\p{L}+', ' ?\p{N}+', ' ?[^\s\p{L}\p{N}]+'
    const size_t j = (c0 == ' ' && i + 1 < n) ? i + 1 : i;
    const char_class cj = classify(cps[j]);
    if (cj != char_class::space) {
      const size_t end = run_end(j, cj);
      emit(i, end);
      i = end;
      continue;
    }
    // '\s+(?!\S)' then '\s+'
    const size_t end = run_end(i, char_class::space);
    if (end == n || end - i == 1) {
      emit(i, end);
      i = end;
      continue;
    }
    emit(i, end - 1);  // leave the last space to prefix the next word
    i = end - 1;
  }
}

struct bpe_symbol {
  int prev;
  int next;
  std::string text;  // mapped (unicode) text; empty once merged away
};

struct bpe_bigram {
  int32_t rank;
  int left;
  int right;
  size_t size;
};

struct bpe_bigram_order {
  bool operator()(const bpe_bigram& a, const bpe_bigram& b) const {
    // priority_queue pops the "largest": lowest rank, then smallest left index.
    return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
  }
};

}  // namespace

void tokenizer::encode_gpt2(std::string_view text, std::vector<int32_t>& out) const {
  std::vector<std::pair<std::string_view, int32_t>> parts;
  split_user_defined(text, parts);
  std::vector<std::string_view> words;
  for (const auto& [part, id] : parts) {
    if (id >= 0) {
      out.push_back(id);
      continue;
    }
    words.clear();
    gpt2_pretokenize(part, words);
    for (std::string_view w : words) encode_gpt2_word(w, out);
  }
}

void tokenizer::encode_gpt2_word(std::string_view word, std::vector<int32_t>& out) const {
  if (word.empty()) return;
  std::vector<bpe_symbol> symbols(word.size());
  for (size_t i = 0; i < word.size(); ++i) {
    symbols[i].prev = static_cast<int>(i) - 1;
    symbols[i].next = i + 1 < word.size() ? static_cast<int>(i) + 1 : -1;
    utf8_append(symbols[i].text, gpt2_byte_to_unicode(static_cast<uint8_t>(word[i])));
  }
  std::priority_queue<bpe_bigram, std::vector<bpe_bigram>, bpe_bigram_order> queue;
  std::string key;
  auto try_add = [&](int left, int right) {
    if (left < 0 || right < 0) return;
    const std::string& l = symbols[static_cast<size_t>(left)].text;
    const std::string& r = symbols[static_cast<size_t>(right)].text;
    key.assign(l);
    key += ' ';
    key += r;
    auto it = merge_rank_.find(key);
    if (it == merge_rank_.end()) return;
    queue.push({it->second, left, right, l.size() + r.size()});
  };
  for (size_t i = 1; i < symbols.size(); ++i) try_add(static_cast<int>(i) - 1, static_cast<int>(i));
  while (!queue.empty()) {
    const bpe_bigram b = queue.top();
    queue.pop();
    bpe_symbol& l = symbols[static_cast<size_t>(b.left)];
    bpe_symbol& r = symbols[static_cast<size_t>(b.right)];
    if (l.text.empty() || r.text.empty() || l.next != b.right ||
        l.text.size() + r.text.size() != b.size) {
      continue;  // stale
    }
    l.text += r.text;
    r.text.clear();
    l.next = r.next;
    if (r.next >= 0) symbols[static_cast<size_t>(r.next)].prev = b.left;
    try_add(l.prev, b.left);
    try_add(b.left, l.next);
  }
  for (int i = 0; i >= 0; i = symbols[static_cast<size_t>(i)].next) {
    const std::string& s = symbols[static_cast<size_t>(i)].text;
    auto it = piece_to_id_.find(s);
    if (it != piece_to_id_.end() &&
        types_[static_cast<size_t>(it->second)] != token_type::control) {
      out.push_back(it->second);
      continue;
    }
    // Fall back to the symbol's bytes.
    for (size_t k = 0; k < s.size();) {
      const int b = gpt2_unicode_to_byte(utf8_next(s, &k));
      const int32_t bt = b >= 0 ? byte_to_token_[static_cast<size_t>(b)] : -1;
      if (bt >= 0) {
        out.push_back(bt);
        continue;
      }
      if (unk_ >= 0) out.push_back(unk_);
    }
  }
}

}  // namespace inkstone
