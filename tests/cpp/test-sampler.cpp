// The sampler chain on small hand-computed distributions.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "inkstone/sampler.h"

using namespace inkstone;

namespace {

constexpr double kProbTol = 1e-5;

// Logits whose softmax at T = 1 is exactly 0.5, 0.25, 0.125, 0.125.
const std::vector<float> kQuarter = {std::log(0.5f), std::log(0.25f), std::log(0.125f),
                                     std::log(0.125f)};

sampler_params plain() {
  sampler_params p;
  p.temperature = 1.0f;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0.0f;
  p.repeat_penalty = 1.0f;
  p.repeat_last_n = 0;
  return p;
}

sampler make(sampler_params p, int n_vocab = 4) {
  auto s = sampler::create(n_vocab, std::move(p));
  REQUIRE(s.ok());
  return std::move(s).value();
}

struct expected_cand {
  int32_t token;
  double prob;
};

void check_candidates(const sampler& s, const std::vector<expected_cand>& want) {
  const auto got = s.candidates();
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    CAPTURE(i);
    CHECK(got[i].token == want[i].token);
    CHECK(got[i].prob == doctest::Approx(want[i].prob).epsilon(kProbTol));
  }
}

}  // namespace

TEST_CASE("sampler: table of hand-computed final distributions") {
  struct row {
    const char* name;
    sampler_params params;
    std::vector<expected_cand> want;
  };
  std::vector<row> rows;
  {
    row r{"no cuts, T=1", plain(), {{0, 0.5}, {1, 0.25}, {2, 0.125}, {3, 0.125}}};
    rows.push_back(r);
  }
  {
    row r{"top-k 2", plain(), {{0, 2.0 / 3}, {1, 1.0 / 3}}};
    r.params.top_k = 2;
    rows.push_back(r);
  }
  {
    // Cumulative 0.5, 0.75 >= 0.7: two kept, renormalised.
    row r{"top-p 0.7", plain(), {{0, 2.0 / 3}, {1, 1.0 / 3}}};
    r.params.top_p = 0.7f;
    rows.push_back(r);
  }
  {
    // 0.5, 0.75, 0.875 >= 0.8: the tie between 2 and 3 is broken by the lower id.
    row r{"top-p 0.8 (tie)", plain(), {{0, 0.5 / 0.875}, {1, 0.25 / 0.875}, {2, 0.125 / 0.875}}};
    r.params.top_p = 0.8f;
    rows.push_back(r);
  }
  {
    row r{"top-p 0.4", plain(), {{0, 1.0}}};
    r.params.top_p = 0.4f;
    rows.push_back(r);
  }
  {
    // Threshold 0.3 * 0.5 = 0.15: 0.125 is cut.
    row r{"min-p 0.3", plain(), {{0, 2.0 / 3}, {1, 1.0 / 3}}};
    r.params.min_p = 0.3f;
    rows.push_back(r);
  }
  {
    // T = 2: probs proportional to sqrt(p): 0.70711, 0.5, 0.35355, 0.35355 (sum 1.91421).
    row r{"temperature 2", plain(), {{0, 0.369398}, {1, 0.261203}, {2, 0.184699}, {3, 0.184699}}};
    r.params.temperature = 2.0f;
    rows.push_back(r);
  }
  {
    // T = 0.5: proportional to p^2: 0.25, 0.0625, 0.015625, 0.015625 (sum 0.34375).
    row r{
        "temperature 0.5", plain(), {{0, 0.727273}, {1, 0.181818}, {2, 0.0454545}, {3, 0.0454545}}};
    r.params.temperature = 0.5f;
    rows.push_back(r);
  }
  {
    // T = 0.5 then top-p 0.9: 0.727, 0.909 >= 0.9 -> two kept: 0.8, 0.2.
    row r{"temperature 0.5 + top-p 0.9", plain(), {{0, 0.8}, {1, 0.2}}};
    r.params.temperature = 0.5f;
    r.params.top_p = 0.9f;
    rows.push_back(r);
  }
  {
    // Bias +ln(8) on token 3: weights 0.5, 0.25, 0.125, 1.0 (sum 1.875).
    row r{"logit bias",
          plain(),
          {{3, 1.0 / 1.875}, {0, 0.5 / 1.875}, {1, 0.25 / 1.875}, {2, 0.125 / 1.875}}};
    r.params.logit_bias = {{3, std::log(8.0f)}};
    rows.push_back(r);
  }
  {
    row r{"bias -inf bans", plain(), {{0, 0.5 / 0.875}, {1, 0.25 / 0.875}, {3, 0.125 / 0.875}}};
    r.params.logit_bias = {{2, -INFINITY}};
    rows.push_back(r);
  }
  for (const row& r : rows) {
    CAPTURE(r.name);
    sampler s = make(r.params);
    s.reset({});
    s.evaluate(kQuarter, nullptr);
    check_candidates(s, r.want);
  }
}

TEST_CASE("sampler: repetition penalty divides positive and multiplies negative logits") {
  sampler_params p = plain();
  p.repeat_penalty = 2.0f;
  p.repeat_last_n = 3;
  sampler s = make(p);
  // History 3, 0, 1, 1: the window of 3 is {0, 1, 1}; token 3 fell out of it.
  const int32_t history[] = {3, 0, 1, 1};
  s.reset(history);
  const std::vector<float> logits = {2.0f, -1.0f, 0.5f, 0.0f};
  s.evaluate(logits, nullptr);
  // Penalised logits: 2/2 = 1, -1*2 = -2 (once, although 1 appears twice), 0.5, 0.
  const double w[4] = {std::exp(1.0), std::exp(-2.0), std::exp(0.5), std::exp(0.0)};
  const double sum = w[0] + w[1] + w[2] + w[3];
  check_candidates(s, {{0, w[0] / sum}, {2, w[2] / sum}, {3, w[3] / sum}, {1, w[1] / sum}});
}

TEST_CASE("sampler: greedy equals argmax and uses no randomness") {
  sampler_params p;
  p.temperature = 0.0f;
  p.seed = 123;
  const int n_vocab = 50;
  sampler s = make(p, n_vocab);
  s.reset({});
  uint32_t x = 1;
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<float> logits(n_vocab);
    for (auto& l : logits) {
      x = x * 1664525u + 1013904223u;
      l = static_cast<float>(x >> 8) / 16777216.0f * 10.0f - 5.0f;
    }
    int argmax = 0;
    for (int i = 1; i < n_vocab; ++i) {
      if (logits[i] > logits[argmax]) argmax = i;
    }
    CHECK(s.sample(logits, nullptr) == argmax);
    CHECK(s.last().draw == -1.0f);
  }
  // Ties go to the lower id.
  CHECK(s.sample(std::vector<float>(n_vocab, 1.0f), nullptr) == 0);
}

TEST_CASE("sampler: the draw picks the first candidate whose running sum exceeds u") {
  for (uint64_t seed = 0; seed < 50; ++seed) {
    sampler_params p = plain();
    p.seed = seed;
    sampler s = make(p);
    s.reset({});
    const int32_t t = s.sample(kQuarter, nullptr);
    pcg32 rng(seed);
    const float u = rng.next_uniform();
    CHECK(s.last().draw == u);
    // Candidates 0 (0.5), 1 (0.25), 2 (0.125), 3 (0.125).
    const int32_t want = u < 0.5f ? 0 : u < 0.75f ? 1 : u < 0.875f ? 2 : 3;
    CHECK(t == want);
    CHECK(s.last().prob == doctest::Approx(want == 0 ? 0.5 : want == 1 ? 0.25 : 0.125));
  }
}

TEST_CASE("sampler: same seed, same tokens; reset replays") {
  sampler_params p;
  p.seed = 42;
  p.temperature = 1.0f;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0.0f;
  const int n_vocab = 16;
  std::vector<float> logits(n_vocab);
  for (int i = 0; i < n_vocab; ++i) logits[i] = std::sin(float(i));
  auto run = [&](uint64_t seed) {
    sampler_params q = p;
    q.seed = seed;
    sampler s = make(q, n_vocab);
    s.reset({});
    std::vector<int32_t> out;
    for (int i = 0; i < 64; ++i) {
      out.push_back(s.sample(logits, nullptr));
      s.accept(out.back(), nullptr);
    }
    return out;
  };
  CHECK(run(42) == run(42));
  CHECK(run(42) != run(43));
}

TEST_CASE("pcg32: uniform draws lie in [0, 1) and the stream is fixed by the seed") {
  pcg32 a(7), b(7);
  for (int i = 0; i < 1000; ++i) {
    const float u = a.next_uniform();
    CHECK(u >= 0.0f);
    CHECK(u < 1.0f);
    CHECK(u == b.next_uniform());
  }
}

namespace {
struct ban_filter : token_filter {
  std::vector<int32_t> banned;
  std::vector<float> seen_probs;
  std::vector<int32_t> accepted;
  filter_report allow(std::span<const float> probs, std::span<uint8_t> allowed) override {
    seen_probs.assign(probs.begin(), probs.end());
    for (int32_t t : banned) allowed[t] = 0;
    filter_report r;
    r.top_rule = "test";
    return r;
  }
  void accept(int32_t token) override { accepted.push_back(token); }
};
}  // namespace

TEST_CASE("sampler: token_filter bans tokens, sees T=1 probs and the masked mass is reported") {
  sampler_params p = plain();
  p.temperature = 0.5f;  // the filter still sees temperature-1 probabilities
  ban_filter f;
  f.banned = {0, 2};
  for (uint64_t seed = 0; seed < 20; ++seed) {
    p.seed = seed;
    sampler s = make(p);
    s.reset({});
    const int32_t t = s.sample(kQuarter, &f);
    s.accept(t, &f);
    CHECK((t == 1 || t == 3));
    CHECK(s.last().masked_mass == doctest::Approx(0.625));
    CHECK(s.last().report.top_rule == "test");
    REQUIRE(f.seen_probs.size() == 4);
    CHECK(f.seen_probs[0] == doctest::Approx(0.5));
    CHECK(f.seen_probs[3] == doctest::Approx(0.125));
    CHECK(f.accepted.back() == t);
    // Remaining 0.25 and 0.125 at T = 0.5: 0.0625 and 0.015625 -> 0.8, 0.2.
    check_candidates(s, {{1, 0.8}, {3, 0.2}});
  }
  // Banning everything: the mask is ignored rather than leaving nothing.
  f.banned = {0, 1, 2, 3};
  sampler s = make(p);
  s.reset({});
  s.evaluate(kQuarter, &f);
  CHECK(s.last().mask_ignored);
  CHECK(s.candidates().size() == 4);
}

TEST_CASE("sampler: distribution() spreads the final candidates over the vocabulary") {
  sampler_params p = plain();
  p.top_k = 2;
  sampler s = make(p);
  s.reset({});
  s.evaluate(kQuarter, nullptr);
  std::vector<float> d(4);
  s.distribution(d);
  CHECK(d[0] == doctest::Approx(2.0 / 3));
  CHECK(d[1] == doctest::Approx(1.0 / 3));
  CHECK(d[2] == 0.0f);
  CHECK(d[3] == 0.0f);
  CHECK(s.prob_of(1) == doctest::Approx(1.0 / 3));
  CHECK(s.prob_of(3) == 0.0f);
}

TEST_CASE("sampler: invalid parameters are rejected with invalid_argument") {
  auto bad = [](auto mutate) {
    sampler_params p;
    mutate(p);
    return sampler::create(4, p).code();
  };
  CHECK(bad([](sampler_params& p) { p.temperature = -1; }) == status_code::invalid_argument);
  CHECK(bad([](sampler_params& p) { p.min_p = 2; }) == status_code::invalid_argument);
  CHECK(bad([](sampler_params& p) { p.repeat_penalty = 0; }) == status_code::invalid_argument);
  CHECK(bad([](sampler_params& p) { p.repeat_last_n = -1; }) == status_code::invalid_argument);
  CHECK(bad([](sampler_params& p) {
          p.logit_bias = {{4, 1.0f}};
        }) == status_code::invalid_argument);
  CHECK(sampler::create(0, sampler_params{}).code() == status_code::invalid_argument);
}
