// The generation loop shared by the CLI and the wasm bindings:
//
//   auto g = generator::create(model, session_options{...});
//   g->begin(prompt_tokens, generate_options{...});   // reuses the cached common prefix, prefills
//   for (;;) {
//     auto r = g->step();                               // or g->force(token) to take a given token
//     if (!r.ok()) ...;                                 // status with a stable code
//     write(r->text);
//     if (r->done) break;                               // r->reason says why
//   }
//
// A step samples from the current logits, then runs the chosen token through the model so the
// next logits are ready — unless the step ends generation (EOS with stop_at_eos, max_tokens), in
// which case the token is not added to the KV cache. If the cache is full (sliding off), the step
// still returns its token, with done = true and reason context_full.
//
// Determinism: same model bytes, prompt, options and seed => same tokens (the sampler's PRNG is
// pcg32 seeded at begin(); force() does not consume randomness).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "inkstone/model.h"
#include "inkstone/probe.h"
#include "inkstone/sampler.h"
#include "inkstone/session.h"
#include "inkstone/status.h"
#include "inkstone/tokenizer.h"

namespace inkstone {

// Mirrors the options of `begin` in wasm_bindings/API.md.
struct generate_options {
  uint64_t seed = 0;
  float temperature = 0.8f;                           // 0 = greedy
  int32_t top_k = 40;                                 // <= 0: off
  float top_p = 0.95f;                                // >= 1: off
  float min_p = 0.05f;                                // 0: off
  float repeat_penalty = 1.0f;                        // 1: off
  int32_t repeat_last_n = 64;                         // 0: off
  int32_t max_tokens = 256;                           // 0: no limit (until EOS or context full)
  std::vector<std::pair<int32_t, float>> logit_bias;  // (token, bias)
  // Classifier-free guidance (Sanchez et al. 2023, "Stay on topic with classifier-free
  // guidance"): a second session runs `guidance_prompt` (the prompt without what should be
  // followed, e.g. the title replaced by 无题) alongside, and each step samples from
  //   logits_uncond + guidance_scale * (logits - logits_uncond),
  // i.e. log p_uncond + scale * (log p - log p_uncond) up to a constant. 1: off (no second
  // session, no extra cost); > 1 follows the prompt more closely; each step costs two decodes.
  float guidance_scale = 1.0f;
  std::vector<int32_t> guidance_prompt;
  // Tokens taken as if force()d one by one before the first step, but prefilled in one batch
  // after the prompt (the cached prefix is reused, so a sequence that grows by one token each
  // begin decodes one token): the filter and the repeat window see them, under guidance the
  // unconditioned run reads them after its own prompt too, and they make no step (no text, no
  // probes) and do not count towards max_tokens. The classroom's steps with rules use it.
  std::vector<int32_t> forced_prefix;
  token_filter* filter = nullptr;  // constraint hook; not owned, must outlive the generation
  probe_options probes;
  bool slide_window =
      false;  // on a full context slide (keep BOS + recent half) instead of stopping
  bool stop_at_eos = true;
};

enum class stop_reason { none, eos, max_tokens, context_full };
// "eos", "max_tokens", "context_full"; "" for none.
const char* stop_reason_name(stop_reason r);

struct begin_result {
  int n_prompt = 0;  // prompt tokens, with the forced prefix
  int n_reused = 0;  // of them, taken from the KV cache of the previous sequence
  double prefill_ms = 0;
};

// One step. Views (text, probes) point into the generator: valid until the next call.
struct step_result {
  int32_t token = -1;
  std::string_view text;  // UTF-8-safe: only whole characters; may be empty mid-character
  float prob = 0;         // the token's probability in the final distribution (0 if forced
                          // outside it)
  bool done = false;
  stop_reason reason = stop_reason::none;
  float masked_mass = 0;  // probability removed by the filter this step
  float draw = -1;        // the uniform draw; -1 when greedy or forced
  filter_report report;   // the filter's report (default without a filter)
  step_probes probes;     // empty spans for probes that are off
};

class generator {
 public:
  // Creates the session (errors as session::create). The model must outlive the generator.
  static result<std::unique_ptr<generator>> create(const model& m, session_options options);

  // Starts a sequence. Errors: invalid_argument (empty prompt, token out of range, bad
  // options), context_full (prompt longer than the context with sliding off).
  result<begin_result> begin(std::span<const int32_t> prompt, generate_options options);
  // Samples the next token. Errors: invalid_state (before begin / after done).
  result<step_result> step();
  // Takes `token` as this step's token (branching, classroom); probes and prob still describe
  // the distribution it was taken from. Errors: invalid_argument, invalid_state.
  result<step_result> force(int32_t token);

  int position() const { return session_->position(); }
  int n_generated() const { return n_generated_; }
  bool done() const { return done_; }
  session& get_session() { return *session_; }
  const session& get_session() const { return *session_; }
  const model& get_model() const { return *model_; }
  const tokenizer& vocab() const { return model_->vocab; }

 private:
  generator(const model& m, std::unique_ptr<session> s, session_options options);
  // `logits`: what step_logits() gave for this step (sampled or evaluated, and probed).
  result<step_result> finish_step(int32_t token, bool drawn, std::span<const float> logits);
  status begin_guide(std::span<const int32_t> prompt);
  // The logits to sample from: the session's, or mixed with the guide's under guidance (into
  // guided_, so called once per step and the view shared by the sampler and the probes).
  std::span<const float> step_logits();

  const model* model_;
  std::unique_ptr<session> session_;
  session_options session_options_;
  std::unique_ptr<session> guide_;  // the unconditioned sequence under guidance; else null
  std::vector<float> guided_;       // (n_vocab) mixed logits
  bool guiding_ = false;
  std::unique_ptr<sampler> sampler_;
  generate_options options_;
  probe_recorder probes_;
  token_stream_decoder decoder_;
  std::string text_;
  bool begun_ = false;
  bool done_ = false;
  int n_generated_ = 0;
};

}  // namespace inkstone
