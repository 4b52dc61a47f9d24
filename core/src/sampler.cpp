// The sampler chain (see sampler.h for the order and the exact draw).
#include "inkstone/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace inkstone {

// ---------------------------------------------------------------------------------------- pcg32

void pcg32::reseed(uint64_t seed) {
  // pcg32_srandom_r: state = 0; step; state += seed; step.
  state_ = 0;
  next_u32();
  state_ += seed;
  next_u32();
}

uint32_t pcg32::next_u32() {
  const uint64_t old = state_;
  state_ = old * 6364136223846793005ull + kIncrement;
  const uint32_t xorshifted = static_cast<uint32_t>(((old >> 18u) ^ old) >> 27u);
  const uint32_t rot = static_cast<uint32_t>(old >> 59u);
  return (xorshifted >> rot) | (xorshifted << ((32u - rot) & 31u));
}

float pcg32::next_uniform() { return static_cast<float>(next_u32() >> 8) * (1.0f / 16777216.0f); }

// -------------------------------------------------------------------------------------- sampler

namespace {
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// Candidate order: larger value first, ties broken by the lower token id (a strict total order,
// so partial and full sorts agree on every platform).
bool before(const token_prob& a, const token_prob& b) {
  return a.prob > b.prob || (a.prob == b.prob && a.token < b.token);
}
}  // namespace

result<sampler> sampler::create(int32_t n_vocab, sampler_params params) {
  if (n_vocab <= 0)
    return make_error(status_code::invalid_argument, "sampler: n_vocab must be > 0");
  if (!(params.temperature >= 0.0f) || !std::isfinite(params.temperature)) {
    return make_error(status_code::invalid_argument, "sampler: temperature must be >= 0");
  }
  if (!(params.top_p >= 0.0f))
    return make_error(status_code::invalid_argument, "sampler: top_p must be >= 0");
  if (!(params.min_p >= 0.0f) || params.min_p > 1.0f) {
    return make_error(status_code::invalid_argument, "sampler: min_p must be in [0, 1]");
  }
  if (!(params.repeat_penalty > 0.0f) || !std::isfinite(params.repeat_penalty)) {
    return make_error(status_code::invalid_argument, "sampler: repeat_penalty must be > 0");
  }
  if (params.repeat_last_n < 0) {
    return make_error(status_code::invalid_argument, "sampler: repeat_last_n must be >= 0");
  }
  for (const auto& [token, bias] : params.logit_bias) {
    if (token < 0 || token >= n_vocab) {
      return make_error(status_code::invalid_argument, "sampler: logit_bias token ", token,
                        " is outside the vocabulary (", n_vocab, ")");
    }
    if (std::isnan(bias))
      return make_error(status_code::invalid_argument, "sampler: logit_bias is NaN");
  }
  sampler s;
  s.params_ = std::move(params);
  s.n_vocab_ = n_vocab;
  s.history_.assign(static_cast<size_t>(s.params_.repeat_last_n), 0);
  s.logits_.assign(n_vocab, 0.0f);
  s.probs_.assign(n_vocab, 0.0f);
  s.allowed_.assign(n_vocab, 1);
  s.seen_.assign(n_vocab, 0);
  s.candidates_.assign(n_vocab, token_prob{});
  s.rng_.reseed(s.params_.seed);
  return s;
}

void sampler::reset(std::span<const int32_t> history) {
  rng_.reseed(params_.seed);
  history_next_ = 0;
  history_size_ = 0;
  for (int32_t t : history) accept(t, nullptr);
  info_ = {};
  n_kept_ = 0;
}

void sampler::accept(int32_t token, token_filter* filter) {
  if (!history_.empty()) {
    history_[history_next_] = token;
    history_next_ = (history_next_ + 1) % history_.size();
    history_size_ = std::min(history_size_ + 1, history_.size());
  }
  if (filter != nullptr) filter->accept(token);
}

// Step 2: each distinct token of the window is penalised once.
void sampler::apply_penalty() {
  if (params_.repeat_penalty == 1.0f || history_size_ == 0) return;
  const float penalty = params_.repeat_penalty;
  for (size_t i = 0; i < history_size_; ++i) {
    const int32_t t = history_[i];
    if (t < 0 || t >= n_vocab_ || seen_[t]) continue;
    seen_[t] = 1;
    logits_[t] = logits_[t] > 0.0f ? logits_[t] / penalty : logits_[t] * penalty;
  }
  for (size_t i = 0; i < history_size_; ++i) {
    const int32_t t = history_[i];
    if (t >= 0 && t < n_vocab_) seen_[t] = 0;
  }
}

void sampler::evaluate(std::span<const float> logits, token_filter* filter) {
  assert(static_cast<int32_t>(logits.size()) == n_vocab_);
  info_ = {};
  const size_t n = static_cast<size_t>(n_vocab_);

  // 1. Logit bias (NaN logits count as banned).
  for (size_t i = 0; i < n; ++i) logits_[i] = std::isnan(logits[i]) ? kNegInf : logits[i];
  for (const auto& [token, bias] : params_.logit_bias) logits_[token] += bias;

  // 2. Repetition penalty.
  apply_penalty();

  // 3. Constraint mask: the filter sees softmax(logits) at T = 1.
  if (filter != nullptr) {
    float max_logit = kNegInf;
    for (size_t i = 0; i < n; ++i) max_logit = std::max(max_logit, logits_[i]);
    float sum = 0.0f;
    for (size_t i = 0; i < n; ++i) {
      probs_[i] = max_logit == kNegInf ? 0.0f : std::exp(logits_[i] - max_logit);
      sum += probs_[i];
    }
    const float inv = sum > 0.0f ? 1.0f / sum : 0.0f;
    for (size_t i = 0; i < n; ++i) probs_[i] *= inv;
    std::fill(allowed_.begin(), allowed_.end(), uint8_t{1});
    info_.report = filter->allow(probs_, allowed_);
    float masked = 0.0f;
    size_t n_left = 0;
    for (size_t i = 0; i < n; ++i) {
      if (!allowed_[i]) {
        masked += probs_[i];
      } else if (logits_[i] != kNegInf) {
        ++n_left;
      }
    }
    if (n_left == 0) {
      info_.mask_ignored = true;  // every candidate banned: sample as if unconstrained
    } else {
      info_.masked_mass = masked;
      for (size_t i = 0; i < n; ++i) {
        if (!allowed_[i]) logits_[i] = kNegInf;
      }
    }
  }

  // 4. Candidates: finite logits (prob holds the logit until step 6). If nothing is finite
  // (everything banned by bias), fall back to the model's own logits.
  size_t n_cand = 0;
  for (size_t i = 0; i < n; ++i) {
    if (logits_[i] != kNegInf) candidates_[n_cand++] = {static_cast<int32_t>(i), logits_[i]};
  }
  if (n_cand == 0) {
    for (size_t i = 0; i < n; ++i) {
      candidates_[n_cand++] = {static_cast<int32_t>(i), std::isnan(logits[i]) ? 0.0f : logits[i]};
    }
  }

  // 5. Top-k (sorting only what is kept).
  size_t n_keep = n_cand;
  if (params_.top_k > 0 && static_cast<size_t>(params_.top_k) < n_cand) {
    n_keep = static_cast<size_t>(params_.top_k);
    std::partial_sort(candidates_.begin(), candidates_.begin() + n_keep,
                      candidates_.begin() + n_cand, before);
  } else {
    std::sort(candidates_.begin(), candidates_.begin() + n_cand, before);
  }

  // 6. Temperature + softmax over the kept candidates (greedy reports at T = 1).
  const float temperature = params_.temperature > 0.0f ? params_.temperature : 1.0f;
  const float max_logit = candidates_[0].prob;
  float sum = 0.0f;
  for (size_t i = 0; i < n_keep; ++i) {
    candidates_[i].prob = std::exp((candidates_[i].prob - max_logit) / temperature);
    sum += candidates_[i].prob;
  }
  for (size_t i = 0; i < n_keep; ++i) candidates_[i].prob /= sum;

  // 7. Top-p: the shortest prefix whose mass reaches p.
  if (params_.top_p < 1.0f) {
    float cum = 0.0f;
    for (size_t i = 0; i < n_keep; ++i) {
      cum += candidates_[i].prob;
      if (cum >= params_.top_p) {
        n_keep = i + 1;
        break;
      }
    }
  }

  // 8. Min-p: relative to the most likely candidate.
  if (params_.min_p > 0.0f) {
    const float threshold = params_.min_p * candidates_[0].prob;
    size_t keep = 1;
    while (keep < n_keep && candidates_[keep].prob >= threshold) ++keep;
    n_keep = keep;
  }

  // 9. Renormalize.
  sum = 0.0f;
  for (size_t i = 0; i < n_keep; ++i) sum += candidates_[i].prob;
  for (size_t i = 0; i < n_keep; ++i) candidates_[i].prob /= sum;
  n_kept_ = n_keep;
}

int32_t sampler::sample(std::span<const float> logits, token_filter* filter) {
  evaluate(logits, filter);
  // 10. Draw (greedy: the first candidate, no PRNG use).
  size_t chosen = 0;
  if (params_.temperature > 0.0f) {
    const float u = rng_.next_uniform();
    info_.draw = u;
    chosen = n_kept_ - 1;
    float cum = 0.0f;
    for (size_t i = 0; i < n_kept_; ++i) {
      cum += candidates_[i].prob;
      if (u < cum) {
        chosen = i;
        break;
      }
    }
  }
  info_.token = candidates_[chosen].token;
  info_.prob = candidates_[chosen].prob;
  return info_.token;
}

float sampler::prob_of(int32_t token) const {
  for (size_t i = 0; i < n_kept_; ++i) {
    if (candidates_[i].token == token) return candidates_[i].prob;
  }
  return 0.0f;
}

void sampler::distribution(std::span<float> out) const {
  assert(static_cast<int32_t>(out.size()) == n_vocab_);
  std::fill(out.begin(), out.end(), 0.0f);
  for (size_t i = 0; i < n_kept_; ++i) out[candidates_[i].token] = candidates_[i].prob;
}

}  // namespace inkstone
