// The `gpt2` tokenizer: byte-level BPE.
//   1. special pieces are cut out whole (tokenizer.cpp, split_special),
//   2. the rest is split into words by the model's pre-tokenizer (tokenizer-pretokenize.cpp),
//   3. each word's bytes become symbols through GPT-2's bytes-to-unicode map; with the llama3
//      pre-tokenizer a word that is itself a piece is taken whole (llama.cpp's ignore_merges),
//   4. repeatedly, the adjacent pair with the lowest merge rank is merged (leftmost on ties),
//   5. each final symbol is looked up; a missing one falls back to its single-byte symbols.
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

// ---------------------------------------------------------------- BPE

namespace {

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

void tokenizer::encode_gpt2(std::span<const text_part> parts, std::vector<int32_t>& out) const {
  std::vector<std::string_view> words;
  for (const auto& [part, id] : parts) {
    if (id >= 0) {
      out.push_back(id);
      continue;
    }
    words.clear();
    bpe_pretokenize(pre_, part, words);
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
  if (pre_ == bpe_pre::llama3) {
    std::string whole;
    for (const bpe_symbol& s : symbols) whole += s.text;
    auto it = piece_to_id_.find(whole);
    if (it != piece_to_id_.end() &&
        types_[static_cast<size_t>(it->second)] != token_type::control) {
      out.push_back(it->second);
      return;
    }
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
