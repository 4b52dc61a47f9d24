// Tokenizers built from GGUF metadata (or directly from vectors, for tests).
//
//   llama: SentencePiece-style pieces with scores. Text is split into UTF-8 characters, then the
//          adjacent pair whose concatenation is a piece with the best score is merged, repeatedly
//          (leftmost on ties), as llama.cpp's SPM tokenizer does. Characters with no piece fall
//          back to byte tokens <0xNN>. Spaces are written as U+2581 "▁"; with add_space_prefix
//          (default true) a "▁" is prepended to the text and, as llama.cpp does, to the text after
//          each special piece cut out of it (e.g. the poetry tags "<七绝>").
//   gpt2:  byte-level BPE: GPT-2's bytes-to-unicode map, merges applied by rank, after the
//          pre-tokenizer the model declares in tokenizer.ggml.pre (bpe_pre below;
//          tokenizer-pretokenize.cpp writes out each one's regex).
//
// Special pieces are cut out of the text whole before anything else, as llama.cpp's
// tokenizer_st_partition does: user-defined pieces (type 4) always; with parse_special, control
// (type 3) and unknown (type 2) pieces too. Longer pieces are cut first, each at all of its
// occurrences (leftmost first) in the text that is left. Without parse_special, plain text never
// produces a control token.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "inkstone/status.h"

namespace inkstone {

class gguf_file;

enum class token_type : int32_t {
  undefined = 0,
  normal = 1,
  unknown = 2,
  control = 3,
  user_defined = 4,
  unused = 5,
  byte = 6,
};

enum class tokenizer_kind : uint8_t { none = 0, llama, gpt2 };
const char* tokenizer_kind_name(tokenizer_kind k);  // "none", "llama", "gpt2"

// The pre-tokenizer of a byte-level BPE vocabulary, from tokenizer.ggml.pre:
//   gpt2    absent, "gpt2", "gpt-2"                  GPT-2's regex
//   llama3  "llama-bpe", "llama3", "llama-v3"        Llama 3's: case-insensitive contractions,
//                                                    digits in groups of up to 3, CR/LF runs;
//                                                    a word that is itself a piece is taken
//                                                    whole (llama.cpp's ignore_merges)
//   qwen2   "qwen2", "deepseek-r1-qwen"              as llama3 but one digit a word, and merges
//                                                    always applied
// Any other value is an unsupported_tokenizer error, as llama.cpp refuses an unknown
// pre-tokenizer (its "default", a different split, is one of them). Where we differ from
// llama.cpp on purpose: an absent key means gpt2 here (llama.cpp warns and uses its "default");
// a byte that starts no well-formed UTF-8 sequence stays that byte (llama.cpp reads U+FFFD);
// \p{L}/\p{N} follow Unicode 14 (llama.cpp's tables: 15.1), so letters assigned later (CJK
// extensions H and I) are "other" here; a symbol with no piece (only in a vocabulary whose
// merges make pieces it lacks) falls back to its bytes' symbols (llama.cpp drops non-ASCII ones).
enum class bpe_pre : uint8_t { gpt2 = 0, llama3, qwen2 };
const char* bpe_pre_name(bpe_pre p);  // "gpt2", "llama3", "qwen2"

// Everything a tokenizer is built from. -1 means "no such token".
struct tokenizer_config {
  tokenizer_kind kind = tokenizer_kind::llama;
  std::vector<std::string> pieces;  // token id -> piece text
  std::vector<float> scores;        // llama: one per piece (empty = all 0)
  std::vector<token_type> types;    // one per piece (empty = all normal, <0xNN> -> byte)
  std::vector<std::string> merges;  // gpt2: "a b", in rank order
  bpe_pre pre = bpe_pre::gpt2;      // gpt2 only
  int32_t bos = -1, eos = -1, unk = -1, pad = -1;
  bool add_bos = true;           // default for encode(text) callers that ask for it
  bool add_space_prefix = true;  // llama only
};

class tokenizer {
 public:
  tokenizer() = default;

  // From tokenizer.ggml.* metadata. Errors: unsupported_tokenizer (model not llama/gpt2, or an
  // unknown tokenizer.ggml.pre), missing_key, bad_value_type, bad_tokenizer (inconsistent arrays,
  // special ids out of range).
  static result<tokenizer> from_gguf(const gguf_file& gguf);
  static result<tokenizer> from_config(tokenizer_config config);

  tokenizer_kind kind() const { return kind_; }
  bpe_pre pre() const { return pre_; }  // gpt2 kind only
  int32_t n_vocab() const { return static_cast<int32_t>(pieces_.size()); }
  int32_t bos() const { return bos_; }
  int32_t eos() const { return eos_; }
  int32_t unk() const { return unk_; }
  int32_t pad() const { return pad_; }
  bool add_bos() const { return add_bos_; }
  bool add_space_prefix() const { return add_space_prefix_; }
  size_t n_merges() const { return merge_rank_.size(); }

  // Encodes text. add_bos prepends bos() when it exists. User-defined pieces in the text are
  // always matched whole; with parse_special, control and unknown pieces too (a ChatML prompt's
  // "<|im_start|>"), otherwise their text is tokenized as plain text.
  std::vector<int32_t> encode(std::string_view text, bool add_bos,
                              bool parse_special = false) const;

  bool valid(int32_t id) const { return id >= 0 && id < n_vocab(); }
  // Raw piece text ("▁the", "<0x0A>", "Ġthe"); empty for an invalid id.
  std::string_view token_piece(int32_t id) const;
  // The bytes this token stands for when decoded: "▁" -> " ", <0xNN> -> that byte, gpt2
  // unicode map reversed. Control and unused tokens decode to nothing. May be an incomplete
  // UTF-8 sequence (byte tokens, BPE byte fragments).
  std::string token_bytes(int32_t id) const;
  // Concatenated token_bytes; with strip_leading_space (llama + add_space_prefix) the one space
  // that add_space_prefix introduced at the very start is removed (as llama.cpp's detokenize
  // does; the spaces it put after user-defined pieces stay, there too).
  std::string decode(std::span<const int32_t> ids, bool strip_leading_space = false) const;

  token_type type(int32_t id) const;
  bool is_control(int32_t id) const { return type(id) == token_type::control; }
  float score(int32_t id) const;
  // Id of an exact piece, or -1.
  int32_t find_piece(std::string_view piece) const;

 private:
  friend struct tokenizer_builder;
  using text_part = std::pair<std::string_view, int32_t>;  // plain text (id -1) or a piece
  void encode_llama(std::span<const text_part> parts, std::vector<int32_t>& out) const;
  void encode_llama_fragment(std::string_view text, std::vector<int32_t>& out) const;
  void encode_gpt2(std::span<const text_part> parts, std::vector<int32_t>& out) const;
  void encode_gpt2_word(std::string_view word, std::vector<int32_t>& out) const;
  void split_special(std::string_view text, bool parse_special,
                     std::vector<text_part>& parts) const;

  tokenizer_kind kind_ = tokenizer_kind::none;
  bpe_pre pre_ = bpe_pre::gpt2;
  std::vector<std::string> pieces_;
  std::vector<float> scores_;
  std::vector<token_type> types_;
  std::vector<std::string> bytes_;  // token_bytes per id, precomputed
  std::unordered_map<std::string, int32_t> piece_to_id_;
  std::unordered_map<std::string, int32_t> merge_rank_;  // gpt2: "a b" -> rank
  std::vector<int32_t> byte_to_token_;                   // 256 entries, -1 when absent
  std::vector<int32_t> special_;  // ids of user-defined, control, unknown pieces, longest first
  int32_t bos_ = -1, eos_ = -1, unk_ = -1, pad_ = -1;
  bool add_bos_ = true;
  bool add_space_prefix_ = true;
};

// Streams token bytes as text: holds back an incomplete UTF-8 sequence until it is complete, so
// push() only ever returns whole characters. Invalid bytes become U+FFFD.
class token_stream_decoder {
 public:
  explicit token_stream_decoder(const tokenizer& tok, bool strip_leading_space = false)
      : tok_(&tok), strip_leading_space_(strip_leading_space) {}
  std::string push(int32_t id);
  // Emits whatever is held back (an incomplete tail becomes U+FFFD).
  std::string flush();
  void reset();
  size_t n_pending() const { return pending_.size(); }

 private:
  const tokenizer* tok_;
  bool strip_leading_space_;
  bool at_start_ = true;
  std::string pending_;
};

}  // namespace inkstone
