// The `llama` (SentencePiece-style) tokenizer, following llama.cpp's SPM tokenizer:
//   1. special pieces are cut out whole (tokenizer.cpp, split_special); the rest is plain text,
//   2. with add_space_prefix a space is prepended to plain text at the start of the input and
//      after each special piece (llama.cpp's is_prev_special rule, so that a GGUF gets the
//      ids llama.cpp gives it), then every ' ' becomes "▁",
//   3. the text is split into UTF-8 characters (an invalid byte is a symbol of its own),
//   4. repeatedly, the adjacent pair whose concatenation is a vocabulary piece with the highest
//      score is merged (leftmost pair on ties),
//   5. each final symbol is its piece's id; a symbol with no piece (always a single character)
//      falls back to its byte tokens <0xNN>, else to the unknown token (dropped if neither).
// Control, unknown and unused pieces never take part, so plain text cannot produce them.
#include <queue>
#include <string>
#include <vector>

#include "inkstone/tokenizer.h"
#include "tokenizer-internal.h"

namespace inkstone {

namespace {

struct spm_symbol {
  int prev;
  int next;
  size_t start;  // into the escaped text
  size_t n;      // 0 once merged away
};

struct spm_bigram {
  float score;
  int left;
  int right;
  size_t size;  // bytes of the merged text when queued (stale entries are skipped)
};

struct spm_bigram_order {
  bool operator()(const spm_bigram& a, const spm_bigram& b) const {
    // priority_queue pops the "largest": highest score, then smallest left index.
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  }
};

bool mergeable(token_type t) {
  return t == token_type::normal || t == token_type::user_defined || t == token_type::undefined;
}

}  // namespace

void tokenizer::encode_llama(std::span<const text_part> parts, std::vector<int32_t>& out) const {
  bool after_piece = true;  // at the start, or after a special piece
  for (const auto& [part, id] : parts) {
    if (id >= 0) {
      out.push_back(id);
      after_piece = true;
      continue;
    }
    std::string escaped;
    escaped.reserve(part.size() + 3);
    if (add_space_prefix_ && after_piece) escaped += "\xE2\x96\x81";
    for (char ch : part) {
      if (ch == ' ') {
        escaped += "\xE2\x96\x81";
        continue;
      }
      escaped += ch;
    }
    after_piece = false;
    encode_llama_fragment(escaped, out);
  }
}

void tokenizer::encode_llama_fragment(std::string_view text, std::vector<int32_t>& out) const {
  if (text.empty()) return;
  // Lookup of a candidate piece that plain text may produce; -1 when absent.
  std::string key;
  auto lookup = [&](size_t start, size_t n) -> int32_t {
    key.assign(text.data() + start, n);
    auto it = piece_to_id_.find(key);
    if (it == piece_to_id_.end()) return -1;
    return mergeable(types_[static_cast<size_t>(it->second)]) ? it->second : -1;
  };

  // Split into characters (strict UTF-8, utf8.h): a byte that starts no well-formed sequence,
  // or one cut by the end, is a symbol of its own and falls back to its byte token.
  std::vector<spm_symbol> symbols;
  symbols.reserve(text.size());
  for (size_t offs = 0; offs < text.size();) {
    const utf8_step step = utf8_decode(text, offs);
    const size_t len = step.kind == utf8_step::valid ? step.n_bytes : 1;
    const int idx = static_cast<int>(symbols.size());
    symbols.push_back({idx - 1, idx + 1, offs, len});
    offs += len;
  }
  symbols.back().next = -1;

  std::priority_queue<spm_bigram, std::vector<spm_bigram>, spm_bigram_order> queue;
  auto try_add = [&](int left, int right) {
    if (left < 0 || right < 0) return;
    const spm_symbol& l = symbols[static_cast<size_t>(left)];
    const spm_symbol& r = symbols[static_cast<size_t>(right)];
    const int32_t id = lookup(l.start, l.n + r.n);
    if (id < 0) return;
    queue.push({scores_[static_cast<size_t>(id)], left, right, l.n + r.n});
  };
  for (size_t i = 1; i < symbols.size(); ++i) try_add(static_cast<int>(i) - 1, static_cast<int>(i));

  while (!queue.empty()) {
    const spm_bigram b = queue.top();
    queue.pop();
    spm_symbol& l = symbols[static_cast<size_t>(b.left)];
    spm_symbol& r = symbols[static_cast<size_t>(b.right)];
    if (l.n == 0 || r.n == 0 || l.n + r.n != b.size || l.next != b.right) continue;  // stale
    l.n += r.n;
    r.n = 0;
    l.next = r.next;
    if (r.next >= 0) symbols[static_cast<size_t>(r.next)].prev = b.left;
    try_add(l.prev, b.left);
    try_add(b.left, l.next);
  }

  for (int i = 0; i >= 0; i = symbols[static_cast<size_t>(i)].next) {
    const spm_symbol& s = symbols[static_cast<size_t>(i)];
    const int32_t id = lookup(s.start, s.n);
    if (id >= 0) {
      out.push_back(id);
      continue;
    }
    // Byte fallback (an unmerged symbol is a single character).
    for (size_t k = 0; k < s.n; ++k) {
      const int32_t bt = byte_to_token_[static_cast<uint8_t>(text[s.start + k])];
      if (bt >= 0) {
        out.push_back(bt);
        continue;
      }
      if (unk_ >= 0 && (k == 0 || out.back() != unk_)) out.push_back(unk_);
    }
  }
}

}  // namespace inkstone
