// libFuzzer harness: the constraint-spec parser (parse_form_spec, core/src/form-spec-parser.cpp),
// then — when a spec parses — a constraint engine built from it over the tiny-llama vocabulary,
// driven for a few steps. The spec is JSON typed by a user or carried in a link: any bytes must
// give a form or an invalid_argument status, never a crash, a hang or an unbounded allocation.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "inkstone/constraint-engine.h"
#include "inkstone/model.h"
#include "inkstone/prosody.h"

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
  prosody_tables tables;
  std::vector<uint8_t> bytes;
  model m;
};

fixture* load() {
  auto* f = new fixture;
  auto t = load_prosody_tables(INK_SOURCE_DIR "/assets/prosody/tones.tsv",
                               INK_SOURCE_DIR "/assets/prosody/rhyme-classical.tsv");
  if (!t.ok()) {
    std::fprintf(stderr, "fuzz-form-spec: %s\n", t.error().to_string().c_str());
    std::abort();
  }
  f->tables = std::move(t).value();
  std::ifstream in(INK_SOURCE_DIR "/tests/fixtures/models/tiny-llama-f32.gguf", std::ios::binary);
  f->bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  auto m = load_model(f->bytes);
  if (!m.ok()) {
    std::fprintf(stderr, "fuzz-form-spec: %s\n", m.error().to_string().c_str());
    std::abort();
  }
  f->m = std::move(m).value();
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fixture* fx = load();
  std::string_view json(reinterpret_cast<const char*>(data), size);
  auto spec = parse_form_spec(json, fx->tables);
  if (!spec.ok()) {
    FUZZ_CHECK(spec.code() == status_code::invalid_argument);
    // The message has the documented shape: form spec: "<key path>": ... (form.h).
    FUZZ_CHECK(spec.error().message.rfind("form spec: ", 0) == 0);
    return 0;
  }
  const form_spec& form = *spec;
  FUZZ_CHECK(!form.lines.empty());
  for (const form_line& l : form.lines) {
    FUZZ_CHECK(l.n_chars > 0);
    FUZZ_CHECK(l.tones.empty() || static_cast<int>(l.tones.size()) == l.n_chars);
  }
  auto engine = constraint_engine::create(form, fx->m.vocab, fx->tables);
  if (!engine.ok()) return 0;
  constraint_engine& e = **engine;
  // A few steps: allow, then accept the first allowed token (deterministic).
  const int32_t n_vocab = fx->m.vocab.n_vocab();
  std::vector<float> probs(n_vocab, 1.0f / n_vocab);
  std::vector<uint8_t> allowed(n_vocab);
  for (int step = 0; step < 16 && !e.complete(); ++step) {
    std::fill(allowed.begin(), allowed.end(), uint8_t{1});
    e.allow(probs, allowed);
    int32_t pick = -1;
    for (int32_t i = 0; i < n_vocab && pick < 0; ++i) {
      if (allowed[i]) pick = i;
    }
    FUZZ_CHECK(pick >= 0);  // "a step never ends with nothing allowed"
    e.accept(pick);
  }
  return 0;
}
