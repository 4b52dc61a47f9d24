#include "inkstone/probe.h"

#include <algorithm>

#include "inkstone/session.h"

namespace inkstone {

void probe_recorder::configure(const probe_options& options, int n_vocab, int n_layer, int n_head,
                               int n_ctx) {
  options_ = options;
  options_.top_alternatives = std::clamp(options.top_alternatives, 0, n_vocab);
  n_layer_ = n_layer;
  n_head_ = n_head;
  n_pos_ = 0;
  n_alternatives_ = 0;
  alternatives_.resize(options_.top_alternatives);
  attention_.resize(options_.attention ? size_t(n_layer) * n_head * n_ctx : 0);
  logits_.resize(options_.distribution ? n_vocab : 0);
  probs_.resize(options_.distribution ? n_vocab : 0);
}

void probe_recorder::record(const sampler& s, const session& sess, std::span<const float> logits) {
  n_alternatives_ = 0;
  n_pos_ = 0;
  if (options_.top_alternatives > 0) {
    const std::span<const token_prob> cands = s.candidates();
    n_alternatives_ = std::min(cands.size(), alternatives_.size());
    std::copy_n(cands.begin(), n_alternatives_, alternatives_.begin());
  }
  if (options_.attention) {
    const std::span<const float> att = sess.attention();  // (n_layer, n_head, n_pos)
    if (!att.empty() && att.size() <= attention_.size()) {
      std::copy(att.begin(), att.end(), attention_.begin());
      n_pos_ = static_cast<int>(att.size() / (size_t(n_layer_) * n_head_));
    }
  }
  if (options_.distribution) {
    std::copy(logits.begin(), logits.end(), logits_.begin());
    s.distribution(probs_);
  }
}

step_probes probe_recorder::view() const {
  step_probes p;
  p.alternatives = {alternatives_.data(), n_alternatives_};
  if (n_pos_ > 0) p.attention = {attention_.data(), size_t(n_layer_) * n_head_ * n_pos_};
  p.n_layer = n_layer_;
  p.n_head = n_head_;
  p.n_pos = n_pos_;
  p.logits = logits_;
  p.probs = probs_;
  return p;
}

}  // namespace inkstone
