// Classifier-free guidance in the generator (generate_options::guidance_scale): checked against
// two plain sessions, one fed the prompt and one the guidance prompt, mixed by hand.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "gguf-builder.h"
#include "inkstone/generator.h"
#include "inkstone/model.h"
#include "inkstone/session.h"

using namespace inkstone;

namespace {

struct loaded {
  test::bytes_t bytes;
  std::unique_ptr<model> m;
};

loaded load(const char* name) {
  loaded f;
  f.bytes = test::read_file_bytes(test::fixture_path(std::string("models/") + name));
  REQUIRE(!f.bytes.empty());
  auto r = load_model(f.bytes);
  REQUIRE_MESSAGE(r.ok(), r.error().to_string());
  f.m = std::make_unique<model>(std::move(r).value());
  return f;
}

std::unique_ptr<session> plain_session(const model& m, const session_options& o) {
  auto r = session::create(m, o);
  REQUIRE_MESSAGE(r.ok(), r.error().to_string());
  return std::move(r).value();
}

// (n_vocab) uncond + scale * (cond - uncond), in double.
std::vector<double> mixed(std::span<const float> cond, std::span<const float> uncond, double s) {
  std::vector<double> out(cond.size());
  for (size_t i = 0; i < cond.size(); ++i) out[i] = uncond[i] + s * (double(cond[i]) - uncond[i]);
  return out;
}

const std::vector<int32_t> kPrompt = {1, 40, 77, 120, 9, 301};
// The generator mixes in float, the reference in double: a few float roundings of logits of size
// ~10 apart.
constexpr double kMaxMixError = 1e-4;
const std::vector<int32_t> kGuidePrompt = {1, 40, 5};

std::vector<int32_t> run(generator& g, generate_options go) {
  REQUIRE(g.begin(kPrompt, go).ok());
  std::vector<int32_t> out;
  for (;;) {
    auto r = g.step();
    REQUIRE(r.ok());
    out.push_back(r->token);
    if (r->done) return out;
  }
}

}  // namespace

TEST_CASE("guidance: greedy tokens are the argmax of uncond + s (cond - uncond) of two sessions") {
  loaded f = load("tiny-llama-q8_0.gguf");
  const model& m = *f.m;
  session_options so;
  so.kernels = "ref";
  so.n_ctx = 48;
  auto g = std::move(generator::create(m, so)).value();
  generate_options go;
  go.temperature = 0;
  go.max_tokens = 16;
  go.stop_at_eos = false;
  go.guidance_scale = 2.5f;
  go.guidance_prompt = kGuidePrompt;
  const std::vector<int32_t> guided = run(*g, go);

  auto cond = plain_session(m, so);
  auto uncond = plain_session(m, so);
  REQUIRE(cond->prefill(kPrompt).ok());
  REQUIRE(uncond->prefill(kGuidePrompt).ok());
  for (int32_t t : guided) {
    const std::vector<double> l = mixed(cond->logits(), uncond->logits(), 2.5);
    CHECK(t == std::max_element(l.begin(), l.end()) - l.begin());
    REQUIRE(cond->decode(t).ok());
    REQUIRE(uncond->decode(t).ok());
  }
  // Guidance changes what is written (else this test could not tell it from no guidance).
  go.guidance_scale = 1.0f;
  CHECK(run(*g, go) != guided);
}

TEST_CASE("guidance: sampled probabilities are the softmax of the mixed logits; seeds replay") {
  loaded f = load("tiny-llama-f32.gguf");
  const model& m = *f.m;
  session_options so;
  so.kernels = "ref";
  so.n_ctx = 48;
  auto g = std::move(generator::create(m, so)).value();
  generate_options go;
  go.seed = 7;
  go.temperature = 1.0f;
  go.top_k = 0;
  go.top_p = 1.0f;
  go.min_p = 0.0f;
  go.max_tokens = 12;
  go.stop_at_eos = false;
  go.guidance_scale = 3.0f;
  go.guidance_prompt = kGuidePrompt;

  auto cond = plain_session(m, so);
  auto uncond = plain_session(m, so);
  REQUIRE(cond->prefill(kPrompt).ok());
  REQUIRE(uncond->prefill(kGuidePrompt).ok());
  REQUIRE(g->begin(kPrompt, go).ok());
  std::vector<int32_t> first;
  for (int i = 0; i < 12; ++i) {
    auto r = g->step();
    REQUIRE(r.ok());
    const std::vector<double> l = mixed(cond->logits(), uncond->logits(), 3.0);
    const double mx = *std::max_element(l.begin(), l.end());
    double z = 0;
    for (double v : l) z += std::exp(v - mx);
    CHECK(r->prob == doctest::Approx(std::exp(l[r->token] - mx) / z).epsilon(1e-4));
    first.push_back(r->token);
    REQUIRE(cond->decode(r->token).ok());
    REQUIRE(uncond->decode(r->token).ok());
  }
  CHECK(run(*g, go) == first);  // same seed, same tokens (the guide's cache is reused)

  // Scale 1 is no guidance at all: the same tokens as without a guidance prompt.
  go.guidance_scale = 1.0f;
  const std::vector<int32_t> off = run(*g, go);
  go.guidance_prompt.clear();
  CHECK(run(*g, go) == off);
}

TEST_CASE("guidance: probes see the mixed logits and do not change the tokens") {
  loaded f = load("tiny-llama-f32.gguf");
  const model& m = *f.m;
  session_options so;
  so.kernels = "ref";
  so.n_ctx = 48;
  auto g = std::move(generator::create(m, so)).value();
  generate_options go;
  go.seed = 11;
  go.temperature = 1.0f;
  go.top_k = 0;
  go.top_p = 1.0f;
  go.min_p = 0.0f;
  go.max_tokens = 12;
  go.stop_at_eos = false;
  go.guidance_scale = 2.5f;
  go.guidance_prompt = kGuidePrompt;
  const std::vector<int32_t> plain = run(*g, go);

  go.probes.top_alternatives = 5;
  go.probes.distribution = true;
  go.probes.attention = true;
  // Sampled steps (step) and forced ones (force: the tokens the unprobed run drew) both probe.
  for (const bool forced : {false, true}) {
    CAPTURE(forced);
    auto cond = plain_session(m, so);
    auto uncond = plain_session(m, so);
    REQUIRE(cond->prefill(kPrompt).ok());
    REQUIRE(uncond->prefill(kGuidePrompt).ok());
    REQUIRE(g->begin(kPrompt, go).ok());
    std::vector<int32_t> probed;
    for (size_t i = 0; i < plain.size(); ++i) {
      auto r = forced ? g->force(plain[i]) : g->step();
      REQUIRE(r.ok());
      const std::vector<double> l = mixed(cond->logits(), uncond->logits(), 2.5);
      REQUIRE(r->probes.logits.size() == l.size());
      double worst = 0;
      for (size_t v = 0; v < l.size(); ++v)
        worst = std::max(worst, std::fabs(r->probes.logits[v] - l[v]));
      CHECK(worst < kMaxMixError);
      probed.push_back(r->token);
      REQUIRE(cond->decode(r->token).ok());
      REQUIRE(uncond->decode(r->token).ok());
    }
    CHECK(probed == plain);
  }
}

TEST_CASE("guidance: the guidance probe gives the two runs, each equal to a plain session's logits") {
  loaded f = load("tiny-llama-f32.gguf");
  const model& m = *f.m;
  session_options so;
  so.kernels = "ref";
  so.n_ctx = 48;
  auto g = std::move(generator::create(m, so)).value();
  generate_options go;
  go.seed = 5;
  go.temperature = 1.0f;
  go.top_k = 0;
  go.top_p = 1.0f;
  go.min_p = 0.0f;
  go.max_tokens = 10;
  go.stop_at_eos = false;
  go.guidance_scale = 2.5f;
  go.guidance_prompt = kGuidePrompt;
  go.probes.distribution = true;
  go.probes.guidance = true;
  auto cond = plain_session(m, so);
  auto uncond = plain_session(m, so);
  REQUIRE(cond->prefill(kPrompt).ok());
  REQUIRE(uncond->prefill(kGuidePrompt).ok());
  REQUIRE(g->begin(kPrompt, go).ok());
  for (int i = 0; i < go.max_tokens; ++i) {
    CAPTURE(i);
    auto r = g->step();
    REQUIRE(r.ok());
    const step_probes& p = r->probes;
    REQUIRE(p.cond.size() == size_t(m.hp.n_vocab));
    REQUIRE(p.uncond.size() == size_t(m.hp.n_vocab));
    double worst_cond = 0;
    double worst_uncond = 0;
    double worst_mix = 0;
    for (size_t v = 0; v < p.cond.size(); ++v) {
      worst_cond = std::max(worst_cond, std::fabs(double(p.cond[v]) - cond->logits()[v]));
      worst_uncond = std::max(worst_uncond, std::fabs(double(p.uncond[v]) - uncond->logits()[v]));
      const double mix = p.uncond[v] + 2.5 * (double(p.cond[v]) - p.uncond[v]);
      worst_mix = std::max(worst_mix, std::fabs(p.logits[v] - mix));
    }
    // The same kernels on the same tokens: the generator's sessions and these agree closely
    // (prefill and decode may order sums differently), and the mix is made of exactly these.
    CHECK(worst_cond < 1e-4);
    CHECK(worst_uncond < 1e-4);
    CHECK(worst_mix < kMaxMixError);
    REQUIRE(cond->decode(r->token).ok());
    REQUIRE(uncond->decode(r->token).ok());
    if (r->done) break;
  }

  // Without guidance the probe records nothing (there is one run).
  go.guidance_scale = 1.0f;
  go.guidance_prompt.clear();
  REQUIRE(g->begin(kPrompt, go).ok());
  auto r = g->step();
  REQUIRE(r.ok());
  CHECK(r->probes.cond.empty());
  CHECK(r->probes.uncond.empty());
  CHECK(r->probes.logits.size() == size_t(m.hp.n_vocab));
}

TEST_CASE("guidance: bad options are refused with invalid_argument") {
  loaded f = load("tiny-llama-f32.gguf");
  const model& m = *f.m;
  session_options so;
  so.kernels = "ref";
  so.n_ctx = 16;
  auto g = std::move(generator::create(m, so)).value();
  generate_options go;
  go.guidance_scale = 2.0f;  // without a guidance prompt
  CHECK(g->begin(kPrompt, go).code() == status_code::invalid_argument);
  go.guidance_prompt = {1, m.hp.n_vocab};
  CHECK(g->begin(kPrompt, go).code() == status_code::invalid_argument);
  go.guidance_prompt = {1, 2};
  go.guidance_scale = -1.0f;
  CHECK(g->begin(kPrompt, go).code() == status_code::invalid_argument);
  go.guidance_scale = std::nanf("");
  CHECK(g->begin(kPrompt, go).code() == status_code::invalid_argument);
  go.guidance_scale = 2.0f;
  go.guidance_prompt.assign(17, 1);  // longer than the context
  CHECK(g->begin(kPrompt, go).code() == status_code::context_full);
  // A refused begin leaves the generator usable.
  go.guidance_prompt = {1, 2};
  REQUIRE(g->begin(kPrompt, go).ok());
  CHECK(g->step().ok());
}
