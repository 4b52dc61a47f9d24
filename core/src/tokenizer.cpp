// Tokenizer construction (from GGUF metadata or vectors), piece/bytes tables, decoding.
// Encoding lives in tokenizer-spm.cpp (llama) and tokenizer-bpe.cpp (gpt2).
#include "inkstone/tokenizer.h"

#include <algorithm>
#include <climits>

#include "inkstone/gguf.h"
#include "tokenizer-internal.h"

namespace inkstone {

const char* tokenizer_kind_name(tokenizer_kind k) {
  switch (k) {
    case tokenizer_kind::none:
      return "none";
    case tokenizer_kind::llama:
      return "llama";
    case tokenizer_kind::gpt2:
      return "gpt2";
  }
  return "unknown";
}

namespace {

// "<0x0A>" -> 0x0A; -1 when the piece is not a byte piece.
int parse_byte_piece(std::string_view piece) {
  if (piece.size() != 6 || piece.substr(0, 3) != "<0x" || piece[5] != '>') return -1;
  int v = 0;
  for (int i = 3; i < 5; ++i) {
    const char ch = piece[static_cast<size_t>(i)];
    int d = -1;
    if (ch >= '0' && ch <= '9') d = ch - '0';
    if (ch >= 'A' && ch <= 'F') d = ch - 'A' + 10;
    if (ch >= 'a' && ch <= 'f') d = ch - 'a' + 10;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

// llama: "▁" (U+2581, e2 96 81) stands for a space.
std::string unescape_spaces(std::string_view piece) {
  std::string out;
  out.reserve(piece.size());
  for (size_t i = 0; i < piece.size();) {
    if (piece.compare(i, 3, "\xE2\x96\x81") == 0) {
      out += ' ';
      i += 3;
      continue;
    }
    out += piece[i++];
  }
  return out;
}

// gpt2: each code point of a piece is one byte through the inverse bytes-to-unicode map.
// Code points outside the map are kept as their UTF-8 text.
std::string gpt2_piece_bytes(std::string_view piece) {
  std::string out;
  size_t i = 0;
  while (i < piece.size()) {
    const size_t start = i;
    const uint32_t cp = utf8_next(piece, &i);
    const int b = gpt2_unicode_to_byte(cp);
    if (b >= 0) {
      out += static_cast<char>(b);
      continue;
    }
    out.append(piece, start, i - start);
  }
  return out;
}

status check_special(const char* what, int32_t id, size_t n) {
  if (id == -1 || (id >= 0 && static_cast<size_t>(id) < n)) return {};
  return make_error(status_code::bad_tokenizer, what, " token id ", id, " is out of range (", n,
                    " tokens)");
}

}  // namespace

struct tokenizer_builder {
  static result<tokenizer> build(tokenizer_config cfg) {
    const size_t n = cfg.pieces.size();
    if (cfg.kind != tokenizer_kind::llama && cfg.kind != tokenizer_kind::gpt2) {
      return make_error(status_code::unsupported_tokenizer, "tokenizer kind ",
                        tokenizer_kind_name(cfg.kind), " is not supported");
    }
    if (n == 0 || n > static_cast<size_t>(INT32_MAX)) {
      return make_error(status_code::bad_tokenizer, "token list has ", n, " entries");
    }
    if (!cfg.scores.empty() && cfg.scores.size() != n) {
      return make_error(status_code::bad_tokenizer, "scores has ", cfg.scores.size(),
                        " entries for ", n, " tokens");
    }
    if (!cfg.types.empty() && cfg.types.size() != n) {
      return make_error(status_code::bad_tokenizer, "token_type has ", cfg.types.size(),
                        " entries for ", n, " tokens");
    }
    INK_TRY(check_special("bos", cfg.bos, n));
    INK_TRY(check_special("eos", cfg.eos, n));
    INK_TRY(check_special("unknown", cfg.unk, n));
    INK_TRY(check_special("padding", cfg.pad, n));

    tokenizer t;
    t.kind_ = cfg.kind;
    t.pre_ = cfg.pre;
    t.bos_ = cfg.bos;
    t.eos_ = cfg.eos;
    t.unk_ = cfg.unk;
    t.pad_ = cfg.pad;
    t.add_bos_ = cfg.add_bos;
    t.add_space_prefix_ = cfg.kind == tokenizer_kind::llama && cfg.add_space_prefix;
    t.scores_ = cfg.scores.empty() ? std::vector<float>(n, 0.0f) : std::move(cfg.scores);
    t.types_ = std::move(cfg.types);
    if (t.types_.empty()) {
      t.types_.resize(n, token_type::normal);
      if (cfg.kind == tokenizer_kind::llama) {
        for (size_t i = 0; i < n; ++i) {
          if (parse_byte_piece(cfg.pieces[i]) >= 0) t.types_[i] = token_type::byte;
        }
      }
    }
    for (size_t i = 0; i < n; ++i) {
      const int ty = static_cast<int>(t.types_[i]);
      if (ty < 0 || ty > 6) {
        return make_error(status_code::bad_tokenizer, "token ", i, " has unknown type ", ty);
      }
    }
    t.pieces_ = std::move(cfg.pieces);

    // Piece lookup (first id wins on duplicates) and the bytes each token decodes to.
    t.piece_to_id_.reserve(n);
    t.bytes_.resize(n);
    t.byte_to_token_.assign(256, -1);
    for (size_t i = 0; i < n; ++i) {
      const int32_t id = static_cast<int32_t>(i);
      const std::string& piece = t.pieces_[i];
      t.piece_to_id_.emplace(piece, id);
      const token_type ty = t.types_[i];
      const bool special =
          ty == token_type::user_defined || ty == token_type::control || ty == token_type::unknown;
      if (special && !piece.empty()) t.special_.push_back(id);
      if (ty == token_type::control || ty == token_type::unused) continue;
      if (ty == token_type::unknown) {
        t.bytes_[i] = "\xEF\xBF\xBD";
        continue;
      }
      if (cfg.kind == tokenizer_kind::llama) {
        const int b = ty == token_type::byte ? parse_byte_piece(piece) : -1;
        if (ty == token_type::byte && b < 0) {
          return make_error(status_code::bad_tokenizer, "byte token ", i, " has piece \"", piece,
                            "\", expected <0xNN>");
        }
        if (b >= 0) {
          t.bytes_[i] = std::string(1, static_cast<char>(b));
          if (t.byte_to_token_[static_cast<size_t>(b)] < 0) {
            t.byte_to_token_[static_cast<size_t>(b)] = id;
          }
          continue;
        }
        t.bytes_[i] = ty == token_type::user_defined ? piece : unescape_spaces(piece);
        continue;
      }
      t.bytes_[i] = ty == token_type::user_defined ? piece : gpt2_piece_bytes(piece);
    }
    if (cfg.kind == tokenizer_kind::gpt2) {
      for (int b = 0; b < 256; ++b) {
        std::string sym;
        utf8_append(sym, gpt2_byte_to_unicode(static_cast<uint8_t>(b)));
        auto it = t.piece_to_id_.find(sym);
        if (it != t.piece_to_id_.end()) t.byte_to_token_[static_cast<size_t>(b)] = it->second;
      }
      t.merge_rank_.reserve(cfg.merges.size());
      for (size_t r = 0; r < cfg.merges.size(); ++r) {
        const std::string& m = cfg.merges[r];
        const size_t sp = m.find(' ', 1);
        if (sp == std::string::npos || sp + 1 >= m.size()) {
          return make_error(status_code::bad_tokenizer, "merge ", r, " \"", m,
                            "\" is not two space-separated symbols");
        }
        t.merge_rank_.emplace(m, static_cast<int32_t>(std::min<size_t>(r, INT32_MAX)));
      }
    }
    // Longest special pieces first, so "<七绝>" wins over a shorter piece inside it; equal
    // lengths by id (llama.cpp leaves their order unspecified).
    std::stable_sort(t.special_.begin(), t.special_.end(), [&](int32_t a, int32_t b) {
      return t.pieces_[static_cast<size_t>(a)].size() > t.pieces_[static_cast<size_t>(b)].size();
    });
    return t;
  }
};

result<tokenizer> tokenizer::from_config(tokenizer_config config) {
  return tokenizer_builder::build(std::move(config));
}

namespace {

status read_special(const gguf_file& g, std::string_view key, int32_t* out) {
  if (!g.has(key)) return {};
  INK_ASSIGN_OR_RETURN(int64_t v, g.get_int(key));
  // Out-of-range values are reported by the builder; clamp to something it rejects.
  *out = (v < -1 || v > INT32_MAX) ? INT32_MIN : static_cast<int32_t>(v);
  if (*out == INT32_MIN) {
    return make_error(status_code::bad_tokenizer, key, " = ", v, " is out of range");
  }
  return {};
}

status read_bool(const gguf_file& g, std::string_view key, bool* out) {
  if (!g.has(key)) return {};
  INK_ASSIGN_OR_RETURN(*out, g.get_bool(key));
  return {};
}

// An optional array: absent -> empty; present -> must have element type `want`.
status read_array(const gguf_file& g, std::string_view key, gguf_type want, bool required,
                  gguf_array* out) {
  const gguf_kv* kv = g.find(key);
  if (!kv) {
    if (!required) return {};
    return make_error(status_code::bad_tokenizer, key, " is missing");
  }
  INK_ASSIGN_OR_RETURN(*out, g.get_array(key));
  if (out->elem_type() != want && !out->empty()) {
    return make_error(status_code::bad_value_type, key, " is an array of ",
                      gguf_type_name(out->elem_type()), ", expected ", gguf_type_name(want));
  }
  return {};
}

// tokenizer.ggml.pre -> bpe_pre (the names llama.cpp maps to the same split; see tokenizer.h).
status read_pre(const gguf_file& g, tokenizer_config* cfg) {
  constexpr std::string_view kKey = "tokenizer.ggml.pre";
  if (!g.has(kKey)) return {};
  INK_ASSIGN_OR_RETURN(std::string_view pre, g.get_string(kKey));
  if (pre == "gpt2" || pre == "gpt-2") {
    cfg->pre = bpe_pre::gpt2;
    return {};
  }
  if (pre == "llama-bpe" || pre == "llama3" || pre == "llama-v3") {
    cfg->pre = bpe_pre::llama3;
    cfg->add_bos = true;  // llama.cpp's default for these; add_bos_token overrides it
    return {};
  }
  if (pre == "qwen2" || pre == "deepseek-r1-qwen") {
    cfg->pre = bpe_pre::qwen2;
    return {};
  }
  return make_error(status_code::unsupported_tokenizer, kKey, " \"", pre,
                    "\" is not supported (gpt2, gpt-2, llama-bpe, llama3, llama-v3, qwen2, "
                    "deepseek-r1-qwen)");
}

status config_from_gguf(const gguf_file& g, tokenizer_config* cfg) {
  INK_ASSIGN_OR_RETURN(std::string_view model, g.get_string("tokenizer.ggml.model"));
  if (model == "llama") {
    cfg->kind = tokenizer_kind::llama;
    cfg->add_bos = true;
  } else if (model == "gpt2") {
    cfg->kind = tokenizer_kind::gpt2;
    cfg->add_bos = false;
    INK_TRY(read_pre(g, cfg));
  } else {
    return make_error(status_code::unsupported_tokenizer, "tokenizer model \"", model,
                      "\" is not supported (llama or gpt2)");
  }
  gguf_array tokens, scores, types, merges;
  INK_TRY(read_array(g, "tokenizer.ggml.tokens", gguf_type::string, true, &tokens));
  INK_TRY(read_array(g, "tokenizer.ggml.scores", gguf_type::f32, false, &scores));
  if (g.has("tokenizer.ggml.token_type")) {
    INK_ASSIGN_OR_RETURN(types, g.get_array("tokenizer.ggml.token_type"));
  }
  INK_TRY(read_array(g, "tokenizer.ggml.merges", gguf_type::string,
                     cfg->kind == tokenizer_kind::gpt2, &merges));
  const uint64_t n = tokens.size();
  if (n == 0) return make_error(status_code::bad_tokenizer, "tokenizer.ggml.tokens is empty");
  if (!scores.empty() && scores.size() != n) {
    return make_error(status_code::bad_tokenizer, "tokenizer.ggml.scores has ", scores.size(),
                      " entries for ", n, " tokens");
  }
  if (!types.empty() && types.size() != n) {
    return make_error(status_code::bad_tokenizer, "tokenizer.ggml.token_type has ", types.size(),
                      " entries for ", n, " tokens");
  }
  cfg->pieces.reserve(static_cast<size_t>(n));
  for (uint64_t i = 0; i < n; ++i) cfg->pieces.emplace_back(tokens.string_at(i));
  if (!scores.empty()) {
    cfg->scores.reserve(static_cast<size_t>(n));
    for (uint64_t i = 0; i < n; ++i) cfg->scores.push_back(scores.f32_at(i));
  }
  if (!types.empty()) {
    cfg->types.reserve(static_cast<size_t>(n));
    for (uint64_t i = 0; i < n; ++i) {
      int64_t v = 0;
      if (!types.int_at(i, &v)) {
        return make_error(status_code::bad_value_type, "tokenizer.ggml.token_type is an array of ",
                          gguf_type_name(types.elem_type()), ", expected i32");
      }
      if (v < 0 || v > 6) {
        return make_error(status_code::bad_tokenizer, "token ", i, " has unknown type ", v);
      }
      cfg->types.push_back(static_cast<token_type>(v));
    }
  }
  cfg->merges.reserve(static_cast<size_t>(merges.size()));
  for (uint64_t i = 0; i < merges.size(); ++i) cfg->merges.emplace_back(merges.string_at(i));
  INK_TRY(read_special(g, "tokenizer.ggml.bos_token_id", &cfg->bos));
  INK_TRY(read_special(g, "tokenizer.ggml.eos_token_id", &cfg->eos));
  INK_TRY(read_special(g, "tokenizer.ggml.unknown_token_id", &cfg->unk));
  INK_TRY(read_special(g, "tokenizer.ggml.padding_token_id", &cfg->pad));
  INK_TRY(read_bool(g, "tokenizer.ggml.add_bos_token", &cfg->add_bos));
  INK_TRY(read_bool(g, "tokenizer.ggml.add_space_prefix", &cfg->add_space_prefix));
  return {};
}

}  // namespace

result<tokenizer> tokenizer::from_gguf(const gguf_file& gguf) {
  tokenizer_config cfg;
  INK_TRY_CTX(config_from_gguf(gguf, &cfg), "tokenizer");
  result<tokenizer> t = from_config(std::move(cfg));
  if (!t.ok()) return std::move(t).error().with_context("tokenizer");
  return t;
}

// ---------------------------------------------------------------- lookups and decoding

std::string_view tokenizer::token_piece(int32_t id) const {
  if (!valid(id)) return {};
  return pieces_[static_cast<size_t>(id)];
}

std::string tokenizer::token_bytes(int32_t id) const {
  if (!valid(id)) return {};
  return bytes_[static_cast<size_t>(id)];
}

token_type tokenizer::type(int32_t id) const {
  if (!valid(id)) return token_type::undefined;
  return types_[static_cast<size_t>(id)];
}

float tokenizer::score(int32_t id) const {
  if (!valid(id)) return 0.0f;
  return scores_[static_cast<size_t>(id)];
}

int32_t tokenizer::find_piece(std::string_view piece) const {
  auto it = piece_to_id_.find(std::string(piece));
  return it == piece_to_id_.end() ? -1 : it->second;
}

std::string tokenizer::decode(std::span<const int32_t> ids, bool strip_leading_space) const {
  std::string out;
  bool at_start = true;
  for (int32_t id : ids) {
    if (!valid(id)) continue;
    const std::string& b = bytes_[static_cast<size_t>(id)];
    if (at_start && !b.empty()) {
      at_start = false;
      if (strip_leading_space && b[0] == ' ') {
        out.append(b, 1, std::string::npos);
        continue;
      }
    }
    out += b;
  }
  return out;
}

std::vector<int32_t> tokenizer::encode(std::string_view text, bool add_bos,
                                       bool parse_special) const {
  std::vector<int32_t> out;
  if (add_bos && bos_ >= 0) out.push_back(bos_);
  std::vector<text_part> parts;
  split_special(text, parse_special, parts);
  if (kind_ == tokenizer_kind::llama) encode_llama(parts, out);
  if (kind_ == tokenizer_kind::gpt2) encode_gpt2(parts, out);
  return out;
}

// Splits text into runs of plain text (id -1) and whole special pieces (their id), as llama.cpp's
// tokenizer_st_partition: for each special piece, longest first, every occurrence in the plain
// runs left so far (scanning each from its left, without overlaps) is cut out.
void tokenizer::split_special(std::string_view text, bool parse_special,
                              std::vector<text_part>& parts) const {
  parts.clear();
  if (text.empty()) return;
  parts.emplace_back(text, -1);
  std::vector<text_part> next;
  for (const int32_t id : special_) {
    if (!parse_special && types_[static_cast<size_t>(id)] != token_type::user_defined) continue;
    const std::string& piece = pieces_[static_cast<size_t>(id)];
    next.clear();
    for (const auto& [part, part_id] : parts) {
      if (part_id >= 0) {
        next.emplace_back(part, part_id);
        continue;
      }
      size_t start = 0;
      for (size_t at = part.find(piece); at != std::string_view::npos;
           at = part.find(piece, start)) {
        if (at > start) next.emplace_back(part.substr(start, at - start), -1);
        next.emplace_back(part.substr(at, piece.size()), id);
        start = at + piece.size();
      }
      if (start < part.size()) next.emplace_back(part.substr(start), -1);
    }
    parts.swap(next);
  }
}

}  // namespace inkstone
