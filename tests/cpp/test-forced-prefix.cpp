// generate_options::forced_prefix: tokens taken before the first step, prefilled with the prompt.
// Checked against the path it replaces (begin, then force() each token): with the real poetry
// model, a form constraint with 不重字, guidance and a repeat penalty, the steps after the prefix
// are the same bit for bit (tokens, probabilities, filter reports, probes); and a prefix that
// grows by one token reuses the KV cache of the last begin.
#include <doctest/doctest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "inkstone/constraint-engine.h"
#include "inkstone/form.h"
#include "inkstone/generator.h"
#include "inkstone/model.h"
#include "form-checker.h"

using namespace inkstone;
using inkstone::testing::shipped_tables;

namespace {

std::vector<uint8_t> poetry_bytes() {
  const char* env = std::getenv("INK_POETRY_MODEL");
  const std::string path =
      env && *env ? env : INK_SOURCE_DIR "/assets/models/inkstone-poetry-q8_0.gguf";
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "poetry model not found at ", path);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

struct step_copy {
  std::string text;
  int32_t token;
  float prob, masked_mass;
  bool relaxed;
  std::vector<float> logits, distribution, attention;
};

step_copy copy(const step_result& r) {
  return {std::string(r.text),
          r.token,
          r.prob,
          r.masked_mass,
          r.report.relaxed,
          {r.probes.logits.begin(), r.probes.logits.end()},
          {r.probes.probs.begin(), r.probes.probs.end()},
          {r.probes.attention.begin(), r.probes.attention.end()}};
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("forced prefix: the steps after it equal those after forcing its tokens one by one") {
  const std::vector<uint8_t> bytes = poetry_bytes();
  auto loaded = load_model(bytes);
  REQUIRE_MESSAGE(loaded.ok(), loaded.error().to_string());
  const model& m = loaded.value();
  const tokenizer& tok = m.vocab;
  std::vector<int32_t> prompt = {tok.bos(), tok.find_piece("<七绝>")};
  std::vector<int32_t> guide_prompt = prompt;
  REQUIRE(prompt[1] >= 0);
  for (int32_t t : tok.encode("江上\n", false)) prompt.push_back(t);
  for (int32_t t : tok.encode("无题\n", false)) guide_prompt.push_back(t);

  for (const char* kernels : {"ref", "auto"}) {
    CAPTURE(kernels);
    auto g = std::move(generator::create(m, session_options{.n_ctx = 128, .kernels = kernels}))
                 .value();
    auto made = make_preset("七言絕句", preset_options{});
    REQUIRE(made.ok());
    form_spec form = std::move(made).value();
    form.no_repeat = true;

    // A prefix of 11 tokens drawn by the generator itself (so the rules allow them).
    std::vector<int32_t> prefix;
    {
      auto e = std::move(constraint_engine::create(form, tok, shipped_tables())).value();
      generate_options go;
      go.seed = 3;
      go.max_tokens = 11;
      go.filter = e.get();
      REQUIRE(g->begin(prompt, go).ok());
      for (;;) {
        auto r = g->step();
        REQUIRE(r.ok());
        prefix.push_back(r->token);
        if (r->done) break;
      }
      REQUIRE(prefix.size() == 11);
    }

    auto options = [&](token_filter* filter) {
      generate_options go;
      go.seed = 9;
      go.temperature = 0.9f;
      go.repeat_penalty = 1.3f;
      go.max_tokens = 4;
      go.guidance_scale = 2.5f;
      go.guidance_prompt = guide_prompt;
      go.probes.distribution = true;
      go.probes.attention = true;
      go.filter = filter;
      return go;
    };

    // One by one: begin, force the prefix, then 4 steps.
    std::vector<step_copy> forced;
    {
      auto e = std::move(constraint_engine::create(form, tok, shipped_tables())).value();
      generate_options go = options(e.get());
      go.max_tokens += static_cast<int32_t>(prefix.size());
      REQUIRE(g->begin(prompt, go).ok());
      for (int32_t t : prefix) REQUIRE(g->force(t).ok());
      for (;;) {
        auto r = g->step();
        REQUIRE(r.ok());
        forced.push_back(copy(*r));
        if (r->done) break;
      }
    }
    // With the prefix: begin, then 4 steps.
    std::vector<step_copy> folded;
    {
      auto e = std::move(constraint_engine::create(form, tok, shipped_tables())).value();
      generate_options go = options(e.get());
      go.forced_prefix = prefix;
      auto b = g->begin(prompt, go);
      REQUIRE(b.ok());
      CHECK(b->n_prompt == int(prompt.size() + prefix.size()));
      for (;;) {
        auto r = g->step();
        REQUIRE(r.ok());
        folded.push_back(copy(*r));
        if (r->done) break;
      }
    }
    REQUIRE(folded.size() == 4);
    REQUIRE(forced.size() == 4);
    for (size_t i = 0; i < 4; ++i) {
      CAPTURE(i);
      CHECK(folded[i].token == forced[i].token);
      CHECK(folded[i].text == forced[i].text);
      CHECK(folded[i].prob == forced[i].prob);
      CHECK(folded[i].masked_mass == forced[i].masked_mass);
      CHECK(folded[i].relaxed == forced[i].relaxed);
      CHECK(same_bits(folded[i].logits, forced[i].logits));
      CHECK(same_bits(folded[i].distribution, forced[i].distribution));
      CHECK(same_bits(folded[i].attention, forced[i].attention));
    }
    // The rules saw the prefix: without them (no filter) the first step's distribution differs.
    CHECK(forced[0].masked_mass > 0.0f);

    // A prefix one token longer: everything before its last token comes from the cache.
    {
      auto e = std::move(constraint_engine::create(form, tok, shipped_tables())).value();
      generate_options go = options(e.get());
      go.forced_prefix = prefix;
      REQUIRE(g->begin(prompt, go).ok());
      go.forced_prefix.push_back(folded[0].token);
      auto e2 = std::move(constraint_engine::create(form, tok, shipped_tables())).value();
      go.filter = e2.get();
      auto b = g->begin(prompt, go);
      REQUIRE(b.ok());
      CHECK(b->n_reused == int(prompt.size() + prefix.size()));
    }
  }
}

TEST_CASE("forced prefix: tokens outside the vocabulary, or EOS, are refused") {
  const std::vector<uint8_t> bytes = poetry_bytes();
  auto loaded = load_model(bytes);
  REQUIRE(loaded.ok());
  const model& m = loaded.value();
  auto g = std::move(generator::create(m, session_options{.n_ctx = 64})).value();
  const std::vector<int32_t> prompt = {m.vocab.bos()};
  generate_options go;
  go.forced_prefix = {m.hp.n_vocab};
  auto r = g->begin(prompt, go);
  REQUIRE_FALSE(r.ok());
  CHECK(r.code() == status_code::invalid_argument);
  go.forced_prefix = {m.vocab.eos()};
  r = g->begin(prompt, go);
  REQUIRE_FALSE(r.ok());
  CHECK(r.code() == status_code::invalid_argument);
  go.stop_at_eos = false;  // then EOS is an ordinary token
  CHECK(g->begin(prompt, go).ok());
}

TEST_CASE("forced prefix: the decoder reads it (a character split across it and the first step)") {
  // tiny-llama: byte tokens are 3 + byte; 明 is E6 98 8E in UTF-8.
  const std::string path = INK_SOURCE_DIR "/tests/fixtures/models/tiny-llama-f32.gguf";
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  const std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), {}};
  auto loaded = load_model(bytes);
  REQUIRE(loaded.ok());
  auto g = std::move(generator::create(loaded.value(), session_options{.n_ctx = 32})).value();
  const std::vector<int32_t> prompt = {1};
  generate_options go;
  go.forced_prefix = {3 + 0xE6, 3 + 0x98};
  REQUIRE(g->begin(prompt, go).ok());
  auto r = g->force(3 + 0x8E);
  REQUIRE(r.ok());
  CHECK(std::string(r->text) == "明");
}
