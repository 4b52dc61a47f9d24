// A character vocabulary built from training text, and the text's training tokens (trainer.h).
#include <algorithm>
#include <cstdio>
#include <map>

#include "inkstone/trainer.h"
#include "inkstone/utf8.h"

namespace inkstone {

tokenizer_config build_char_vocab(std::string_view text, int max_chars) {
  tokenizer_config v;
  v.kind = tokenizer_kind::llama;
  v.add_bos = true;
  v.add_space_prefix = false;
  v.unk = 0;
  v.bos = 1;
  v.eos = 2;
  v.pieces = {"<unk>", "<s>", "</s>"};
  v.types = {token_type::unknown, token_type::control, token_type::control};
  for (int b = 0; b < 256; ++b) {
    char piece[8];
    std::snprintf(piece, sizeof piece, "<0x%02X>", b);
    v.pieces.emplace_back(piece);
    v.types.push_back(token_type::byte);
  }
  v.scores.assign(v.pieces.size(), 0.0f);

  // Count each well-formed character (line breaks excluded: lines are framed by <s> </s>).
  struct seen {
    int64_t count = 0;
    size_t first = 0;
  };
  std::map<std::string, seen, std::less<>> chars;
  for (size_t i = 0; i < text.size();) {
    const utf8_step st = utf8_decode(text, i);
    if (st.kind == utf8_step::valid && st.cp != U'\n' && st.cp != U'\r') {
      // The llama tokenizer reads a space as "▁".
      std::string piece =
          st.cp == U' ' ? std::string("\xE2\x96\x81") : std::string(text.substr(i, st.n_bytes));
      auto [it, fresh] = chars.try_emplace(std::move(piece));
      if (fresh) it->second.first = i;
      ++it->second.count;
    }
    i += st.n_bytes;
  }
  // Most frequent first, ties by first appearance; score = -rank.
  std::vector<std::pair<std::string, seen>> ranked(chars.begin(), chars.end());
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    if (a.second.count != b.second.count) return a.second.count > b.second.count;
    return a.second.first < b.second.first;
  });
  if (ranked.size() > size_t(std::max(0, max_chars))) ranked.resize(size_t(std::max(0, max_chars)));
  for (size_t r = 0; r < ranked.size(); ++r) {
    v.pieces.push_back(ranked[r].first);
    v.types.push_back(token_type::normal);
    v.scores.push_back(-float(r));
  }
  return v;
}

std::vector<int32_t> encode_lines(const tokenizer& tok, std::string_view text) {
  std::vector<int32_t> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) {
      const std::vector<int32_t> ids = tok.encode(line, true);
      out.insert(out.end(), ids.begin(), ids.end());
      if (tok.eos() >= 0) out.push_back(tok.eos());
    }
    start = end + 1;
  }
  return out;
}

}  // namespace inkstone
