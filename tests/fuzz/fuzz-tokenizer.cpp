// libFuzzer harness: tokenizer encode/decode of arbitrary bytes with the fixture vocabularies
// (llama SPM: tiny-llama-f32.gguf; byte-level BPE: tiny-gpt2-f32.gguf and the three
// pre-tokenizers' tiny-bpe-{qwen2,llama3,gpt2}-f32.gguf), loaded once.
//
// Input: byte 0 selects the tokenizer (bits 3-4: 0 = bit 0 picks llama or tiny-gpt2, 1 qwen2,
// 2 llama3, 3 gpt-2) and options (bit 1 add_bos, bit 2 strip space, bit 5 parse_special); the
// rest is the text. Checks: encode returns valid ids and never a control token without
// parse_special (except the requested BOS); with it, each control token stands for its own text
// where the input holds it; a byte-level BPE tokenizer round-trips any bytes exactly (without
// parse_special; it covers all 256 bytes); the streaming decoder fed the ids (and fed the input
// reinterpreted as raw ids, which may be anything) only emits valid UTF-8 and, after flush,
// matches decode() up to the U+FFFD replacement of invalid sequences.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "inkstone/model.h"
#include "inkstone/tokenizer.h"

using namespace inkstone;

#define FUZZ_CHECK(cond)                                                                  \
  do {                                                                                    \
    if (!(cond)) {                                                                        \
      std::fprintf(stderr, "FUZZ_CHECK failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                       \
    }                                                                                     \
  } while (0)

namespace {

struct fixture {
  std::vector<uint8_t> bytes;  // must outlive the model
  model m;
};

fixture* load(const char* name) {
  std::string path = std::string(INK_SOURCE_DIR "/tests/fixtures/models/") + name;
  std::ifstream in(path, std::ios::binary);
  auto* f = new fixture;
  f->bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  auto m = load_model(f->bytes);
  if (!m.ok()) {
    std::fprintf(stderr, "fuzz-tokenizer: cannot load %s: %s\n", path.c_str(),
                 m.error().to_string().c_str());
    std::abort();
  }
  f->m = std::move(m).value();
  return f;
}

// Strict UTF-8 validity (no overlongs, no surrogates, <= U+10FFFF).
bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const uint8_t c = s[i];
    int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t cp = n == 1 ? c : n == 2 ? c & 0x1f : n == 3 ? c & 0x0f : c & 0x07;
    for (int k = 1; k < n; ++k) {
      const uint8_t cc = s[i + k];
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000)) return false;
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n;
  }
  return true;
}

void check_stream(const tokenizer& tok, std::span<const int32_t> ids, bool strip) {
  token_stream_decoder dec(tok, strip);
  std::string out;
  for (int32_t id : ids) {
    std::string piece = dec.push(id);
    FUZZ_CHECK(valid_utf8(piece));
    FUZZ_CHECK(dec.n_pending() < 4);
    out += piece;
  }
  std::string tail = dec.flush();
  FUZZ_CHECK(valid_utf8(tail));
  FUZZ_CHECK(dec.n_pending() == 0);
  out += tail;
  // When decode() is already valid UTF-8, the stream must give exactly the same text.
  std::string whole = tok.decode(ids, strip);
  if (valid_utf8(whole)) FUZZ_CHECK(out == whole);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fixture* llama = load("tiny-llama-f32.gguf");
  static fixture* gpt2 = load("tiny-gpt2-f32.gguf");
  static fixture* bpe[3] = {load("tiny-bpe-qwen2-f32.gguf"), load("tiny-bpe-llama3-f32.gguf"),
                            load("tiny-bpe-gpt2-f32.gguf")};
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  const int which = (mode >> 3) & 3;
  const tokenizer& tok = which > 0    ? bpe[which - 1]->m.vocab
                         : (mode & 1) ? gpt2->m.vocab
                                      : llama->m.vocab;
  const bool add_bos = mode & 2;
  const bool strip = mode & 4;
  const bool parse_special = mode & 32;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  std::vector<int32_t> ids = tok.encode(text, add_bos, parse_special);
  for (size_t i = 0; i < ids.size(); ++i) {
    FUZZ_CHECK(tok.valid(ids[i]));
    const bool is_bos = add_bos && i == 0 && ids[i] == tok.bos();
    if (is_bos || !tok.is_control(ids[i])) continue;
    FUZZ_CHECK(parse_special);
    FUZZ_CHECK(text.find(tok.token_piece(ids[i])) != std::string_view::npos);
  }
  if (text.empty() && !add_bos) FUZZ_CHECK(ids.empty());
  std::string round = tok.decode(ids, strip && tok.kind() == tokenizer_kind::llama);
  if (tok.kind() == tokenizer_kind::gpt2 && !parse_special) FUZZ_CHECK(round == text);
  check_stream(tok, ids, strip);

  // The same bytes as raw token ids (any value, including invalid ones and control tokens).
  std::vector<int32_t> raw;
  for (size_t i = 1; i + 1 < size; i += 2) {
    int32_t id = static_cast<int32_t>((data[i] << 8) | data[i + 1]) - 64;  // a few negatives
    raw.push_back(id);
    if (!tok.valid(id)) FUZZ_CHECK(tok.token_piece(id).empty() && tok.token_bytes(id).empty());
  }
  check_stream(tok, raw, strip);
  return 0;
}
