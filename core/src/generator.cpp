#include "inkstone/generator.h"

#include <algorithm>

namespace inkstone {

const char* stop_reason_name(stop_reason r) {
  switch (r) {
    case stop_reason::none:
      return "";
    case stop_reason::eos:
      return "eos";
    case stop_reason::max_tokens:
      return "max_tokens";
    case stop_reason::context_full:
      return "context_full";
  }
  return "";
}

generator::generator(const model& m, std::unique_ptr<session> s, session_options options)
    : model_(&m), session_(std::move(s)), session_options_(std::move(options)), decoder_(m.vocab) {}

result<std::unique_ptr<generator>> generator::create(const model& m, session_options options) {
  INK_ASSIGN_OR_RETURN(std::unique_ptr<session> s, session::create(m, options));
  return std::unique_ptr<generator>(new generator(m, std::move(s), std::move(options)));
}

// Reuses the guide's cached prefix as begin() does for the main session.
status generator::begin_guide(std::span<const int32_t> prompt) {
  if (!guide_) {
    auto g = session::create(*model_, session_options_);
    if (!g.ok()) return std::move(g).error().with_context("guidance session");
    guide_ = std::move(g).value();
  }
  guide_->set_slide_window(options_.slide_window, 1);
  const std::span<const int32_t> cached = guide_->tokens();
  size_t common = 0;
  while (common < cached.size() && common < prompt.size() && cached[common] == prompt[common])
    ++common;
  common = std::min(common, prompt.size() - 1);
  INK_TRY(guide_->truncate(static_cast<int>(common)));
  const status st = guide_->prefill(prompt.subspan(common));
  if (!st.ok()) guide_->reset();
  return st;
}

std::span<const float> generator::step_logits() {
  const std::span<const float> cond = session_->logits();
  if (!guiding_) return cond;
  const std::span<const float> uncond = guide_->logits();
  const float scale = options_.guidance_scale;
  guided_.resize(cond.size());
  for (size_t i = 0; i < cond.size(); ++i) guided_[i] = uncond[i] + scale * (cond[i] - uncond[i]);
  return guided_;
}

result<begin_result> generator::begin(std::span<const int32_t> prompt, generate_options options) {
  begun_ = false;
  const int n_vocab = model_->hp.n_vocab;
  if (prompt.empty())
    return make_error(status_code::invalid_argument, "begin: the prompt is empty");
  for (int32_t t : prompt) {
    if (t < 0 || t >= n_vocab) {
      return make_error(status_code::invalid_argument, "begin: prompt token ", t,
                        " is outside the vocabulary (", n_vocab, ")");
    }
  }
  if (options.max_tokens < 0)
    return make_error(status_code::invalid_argument, "begin: max_tokens must be >= 0");
  if (options.probes.top_alternatives < 0) {
    return make_error(status_code::invalid_argument, "begin: probes.top_alternatives must be >= 0");
  }
  if (!(options.guidance_scale >= 0.0f && options.guidance_scale <= 16.0f)) {
    return make_error(status_code::invalid_argument,
                      "begin: guidance_scale must be in [0, 16] (1 = off)");
  }
  if (options.guidance_scale != 1.0f) {
    if (options.guidance_prompt.empty()) {
      return make_error(status_code::invalid_argument,
                        "begin: guidance needs a guidance_prompt (the unconditioned prompt)");
    }
    for (int32_t t : options.guidance_prompt) {
      if (t < 0 || t >= n_vocab) {
        return make_error(status_code::invalid_argument, "begin: guidance_prompt token ", t,
                          " is outside the vocabulary (", n_vocab, ")");
      }
    }
    const size_t guide_size = options.guidance_prompt.size() + options.forced_prefix.size();
    if (!options.slide_window && guide_size > size_t(session_->n_ctx())) {
      return make_error(status_code::context_full, "begin: the guidance prompt (", guide_size,
                        " tokens with the forced prefix) is longer than the context (",
                        session_->n_ctx(), ")");
    }
  }
  for (int32_t t : options.forced_prefix) {
    if (t < 0 || t >= n_vocab) {
      return make_error(status_code::invalid_argument, "begin: forced_prefix token ", t,
                        " is outside the vocabulary (", n_vocab, ")");
    }
    if (options.stop_at_eos && t == model_->vocab.eos()) {
      return make_error(status_code::invalid_argument,
                        "begin: forced_prefix holds EOS, which would end the generation");
    }
  }
  // What the session reads: the prompt, then the forced prefix (the guide likewise).
  std::vector<int32_t> sequence(prompt.begin(), prompt.end());
  sequence.insert(sequence.end(), options.forced_prefix.begin(), options.forced_prefix.end());
  if (!options.slide_window && sequence.size() > size_t(session_->n_ctx())) {
    return make_error(status_code::context_full, "begin: the prompt (", sequence.size(),
                      " tokens with the forced prefix) is longer than the context (",
                      session_->n_ctx(), ")");
  }

  sampler_params sp;
  sp.seed = options.seed;
  sp.temperature = options.temperature;
  sp.top_k = options.top_k;
  sp.top_p = options.top_p;
  sp.min_p = options.min_p;
  sp.repeat_penalty = options.repeat_penalty;
  sp.repeat_last_n = options.repeat_last_n;
  sp.logit_bias = options.logit_bias;
  auto s = sampler::create(n_vocab, std::move(sp));
  if (!s.ok()) return std::move(s).error().with_context("begin");
  sampler_ = std::make_unique<sampler>(std::move(s).value());
  options_ = std::move(options);
  probes_.configure(options_.probes, n_vocab, model_->hp.n_layer, model_->hp.n_head,
                    session_->n_ctx(), model_->hp.head_dim, model_->hp.n_embd);
  session_->set_slide_window(options_.slide_window, 1);
  session_->set_record_attention(options_.probes.attention || options_.probes.qkv());

  // Reuse the KV rows of the prefix shared with what is cached; always recompute at least the
  // last prompt token so its logits (and attention probe) are fresh.
  const auto start = std::chrono::steady_clock::now();
  const std::span<const int32_t> cached = session_->tokens();
  size_t common = 0;
  while (common < cached.size() && common < sequence.size() && cached[common] == sequence[common])
    ++common;
  common = std::min(common, sequence.size() - 1);
  INK_TRY_CTX(session_->truncate(static_cast<int>(common)), "begin");
  const status st = session_->prefill(std::span<const int32_t>(sequence).subspan(common));
  if (!st.ok()) {
    session_->reset();
    return std::move(st).with_context("begin");
  }
  guiding_ = options_.guidance_scale != 1.0f;
  if (guiding_) {
    std::vector<int32_t> guide_sequence = options_.guidance_prompt;
    guide_sequence.insert(guide_sequence.end(), options_.forced_prefix.begin(),
                          options_.forced_prefix.end());
    const status gst = begin_guide(guide_sequence);
    if (!gst.ok()) {
      guiding_ = false;
      return std::move(gst).with_context("begin");
    }
  }
  const auto end = std::chrono::steady_clock::now();

  sampler_->reset(prompt);
  for (int32_t t : options_.forced_prefix) sampler_->accept(t, options_.filter);
  decoder_.reset();
  // The prefix's text is not returned, but the decoder reads it, so the first step's text is
  // what it would be after forcing the prefix (a character split across the prefix's last
  // tokens, a leading space).
  for (int32_t t : options_.forced_prefix) decoder_.push(t);
  text_.clear();
  n_generated_ = 0;
  done_ = false;
  begun_ = true;
  begin_result r;
  r.n_prompt = static_cast<int>(sequence.size());
  r.n_reused = static_cast<int>(common);
  r.prefill_ms = std::chrono::duration<double, std::milli>(end - start).count();
  return r;
}

result<step_result> generator::step() {
  if (!begun_) return make_error(status_code::invalid_state, "step: call begin first");
  if (done_) return make_error(status_code::invalid_state, "step: generation is done; call begin");
  const std::span<const float> logits = step_logits();
  const int32_t token = sampler_->sample(logits, options_.filter);
  return finish_step(token, true, logits);
}

result<step_result> generator::force(int32_t token) {
  if (!begun_) return make_error(status_code::invalid_state, "force: call begin first");
  if (done_) return make_error(status_code::invalid_state, "force: generation is done; call begin");
  if (token < 0 || token >= model_->hp.n_vocab) {
    return make_error(status_code::invalid_argument, "force: token ", token,
                      " is outside the vocabulary (", model_->hp.n_vocab, ")");
  }
  const std::span<const float> logits = step_logits();
  sampler_->evaluate(logits, options_.filter);
  return finish_step(token, false, logits);
}

result<step_result> generator::finish_step(int32_t token, bool drawn,
                                           std::span<const float> logits) {
  step_result r;
  r.token = token;
  const sample_info& info = sampler_->last();
  r.prob = drawn ? info.prob : sampler_->prob_of(token);
  r.draw = drawn ? info.draw : -1.0f;
  r.masked_mass = info.masked_mass;
  r.report = info.report;
  if (probes_.any()) {
    probes_.record(*sampler_, *session_, logits);
    if (guiding_) probes_.record_guidance(session_->logits(), guide_->logits());
  }
  r.probes = probes_.view();
  sampler_->accept(token, options_.filter);
  ++n_generated_;

  if (options_.stop_at_eos && token == model_->vocab.eos()) {
    text_ = decoder_.flush();
    r.text = text_;
    r.done = done_ = true;
    r.reason = stop_reason::eos;
    return r;
  }
  text_ = decoder_.push(token);
  if (options_.max_tokens > 0 && n_generated_ >= options_.max_tokens) {
    text_ += decoder_.flush();
    r.text = text_;
    r.done = done_ = true;
    r.reason = stop_reason::max_tokens;
    return r;
  }
  const status st = session_->decode(token);
  if (st.code == status_code::context_full) {
    text_ += decoder_.flush();
    r.text = text_;
    r.done = done_ = true;
    r.reason = stop_reason::context_full;
    return r;
  }
  if (!st.ok()) return std::move(st).with_context("step");
  if (guiding_) {
    // A guide that cannot follow (its context full while the main one is not) is an error
    // rather than a silent switch to unguided sampling.
    const status gst = guide_->decode(token);
    if (!gst.ok()) return std::move(gst).with_context("step: guidance");
  }
  r.text = text_;
  return r;
}

}  // namespace inkstone
