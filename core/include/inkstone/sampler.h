// The sampler: turns one position's logits into a token through a fixed chain, with a seeded,
// portable random draw (same seed, same logits => same token on every platform).
//
// The chain, in order (each step documented where it is implemented, sampler.cpp):
//   1. logit bias        logits[id] += bias (a bias of -inf bans a token)
//   2. repetition penalty over the distinct tokens among the last repeat_last_n tokens of the
//                        history (prompt included), llama.cpp style: a positive logit is divided
//                        by the penalty, a negative one multiplied
//   3. constraint mask   token_filter::allow() sees softmax(logits) at temperature 1 and bans
//                        tokens; banned tokens get -inf
//   4. sort              candidates = tokens with a finite logit, by logit descending, ties broken
//                        by the lower token id
//   5. top-k             keep the first k candidates (k <= 0: all)
//   6. temperature       probs = softmax(logit / T) over the kept candidates; T = 0 means greedy
//                        (the token is the first candidate; probabilities are then reported at
//                        T = 1 and cut by steps 7-8 for display only)
//   7. top-p             keep the shortest prefix whose probability sum reaches p (p >= 1: off)
//   8. min-p             keep candidates with prob >= min_p * (largest prob) (min_p <= 0: off)
//   9. renormalize       probs /= sum(probs)
//  10. draw              u = uniform in [0, 1) from the PRNG (pcg32, below); walking the kept
//                        candidates in order (prob descending, ties by lower id) and summing their
//                        probs in float, the token is the first whose running sum exceeds u (the
//                        last candidate if rounding leaves u above the total).
// Temperature is applied before top-p/min-p (so they cut the tempered distribution), unlike
// llama.cpp's default order where temperature comes last.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "inkstone/status.h"

namespace inkstone {

// What a token_filter reports for one step.
struct filter_report {
  float masked_mass = 0;  // probability (temperature 1) of the banned tokens
  std::string top_rule;   // the rule that removed the most mass (e.g. "tone", "rhyme")
  bool relaxed = false;   // the filter loosened its rules to leave something allowed
  std::string note;
};

// The constraint hook (the poetry constraint engine implements it).
struct token_filter {
  virtual ~token_filter() = default;
  // probs: softmax of the logits after bias/penalty, temperature 1 (for reporting removed mass);
  // allowed: pre-filled with 1; set 0 to ban a token. Returns the report for this step.
  virtual filter_report allow(std::span<const float> probs, std::span<uint8_t> allowed) = 0;
  virtual void accept(int32_t token) = 0;  // the token chosen this step
};

// PCG32 (O'Neill, pcg32_random_r with a fixed odd increment): 64-bit state, 32-bit output,
// integer-only, so wasm and native produce the same stream.
class pcg32 {
 public:
  explicit pcg32(uint64_t seed = 0) { reseed(seed); }
  void reseed(uint64_t seed);
  uint32_t next_u32();
  // Uniform in [0, 1): the top 24 bits of next_u32() times 2^-24 (exact in float).
  float next_uniform();
  uint64_t state() const { return state_; }

 private:
  static constexpr uint64_t kIncrement = 1442695040888963407ull;  // odd
  uint64_t state_ = 0;
};

struct sampler_params {
  uint64_t seed = 0;
  float temperature = 0.8f;                           // 0 = greedy (argmax)
  int32_t top_k = 40;                                 // <= 0: off
  float top_p = 0.95f;                                // >= 1: off
  float min_p = 0.05f;                                // <= 0: off
  float repeat_penalty = 1.0f;                        // 1: off; must be > 0
  int32_t repeat_last_n = 64;                         // window of the history penalised; 0: off
  std::vector<std::pair<int32_t, float>> logit_bias;  // (token, added to its logit)
};

// One candidate of the final distribution.
struct token_prob {
  int32_t token = 0;
  float prob = 0;
};

// What the last evaluate()/sample() computed.
struct sample_info {
  int32_t token = -1;         // the chosen token (sample) or -1 (evaluate only)
  float prob = 0;             // its probability in the final distribution (0 if it was cut)
  float draw = -1;            // the uniform draw in [0, 1); -1 when greedy or not drawn
  float masked_mass = 0;      // probability (T = 1) removed by the filter this step
  filter_report report;       // the filter's own report (default when no filter)
  bool mask_ignored = false;  // the filter banned every candidate; the mask was not applied
};

class sampler {
 public:
  // Validates params against the vocabulary (invalid_argument) and allocates every buffer.
  static result<sampler> create(int32_t n_vocab, sampler_params params);

  const sampler_params& params() const { return params_; }
  int32_t n_vocab() const { return n_vocab_; }

  // Reseeds the PRNG from params().seed and sets the repetition history (e.g. the prompt).
  void reset(std::span<const int32_t> history);

  // Runs the chain (steps 1-9) without drawing: the final distribution becomes available.
  void evaluate(std::span<const float> logits, token_filter* filter);
  // evaluate() + draw (greedy takes the first candidate without using the PRNG). Returns the
  // token. Does not add it to the history: call accept().
  int32_t sample(std::span<const float> logits, token_filter* filter);
  // Adds a token to the repetition history and tells the filter (if any).
  void accept(int32_t token, token_filter* filter);

  const sample_info& last() const { return info_; }
  // The final distribution of the last evaluate()/sample(): kept candidates, prob descending
  // (ties by lower id), probs summing to 1. Valid until the next call.
  std::span<const token_prob> candidates() const { return {candidates_.data(), n_kept_}; }
  // Probability of a token in the final distribution (0 if cut).
  float prob_of(int32_t token) const;
  // Writes the final distribution over the whole vocabulary (0 for cut tokens). out: (n_vocab).
  void distribution(std::span<float> out) const;

 private:
  sampler() = default;
  void apply_penalty();

  sampler_params params_;
  int32_t n_vocab_ = 0;
  pcg32 rng_;
  std::vector<int32_t> history_;  // ring of the last repeat_last_n tokens
  size_t history_next_ = 0;       // ring write index
  size_t history_size_ = 0;
  std::vector<float> logits_;           // (n_vocab) working logits
  std::vector<float> probs_;            // (n_vocab) softmax at T = 1 for the filter
  std::vector<uint8_t> allowed_;        // (n_vocab) filter mask
  std::vector<uint8_t> seen_;           // (n_vocab) scratch for distinct penalty tokens
  std::vector<token_prob> candidates_;  // (n_vocab) capacity; first n_kept_ are live
  size_t n_kept_ = 0;
  sample_info info_;
};

}  // namespace inkstone
