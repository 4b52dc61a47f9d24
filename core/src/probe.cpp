#include "inkstone/probe.h"

#include <algorithm>

#include "inkstone/session.h"

namespace inkstone {

void probe_recorder::configure(const probe_options& options, int n_vocab, int n_layer, int n_head,
                               int n_ctx, int head_dim, int n_embd) {
  options_ = options;
  options_.top_alternatives = std::clamp(options.top_alternatives, 0, n_vocab);
  if (head_dim <= 0 || n_embd <= 0 || options_.qkv_layer >= n_layer ||
      options_.qkv_head >= n_head) {
    options_.qkv_layer = options_.qkv_head = -1;
  }
  head_dim_ = head_dim;
  qkv_recorded_ = false;
  const bool qkv = options_.qkv();
  q_.resize(qkv ? head_dim : 0);
  k_.resize(qkv ? size_t(n_ctx) * head_dim : 0);
  v_.resize(qkv ? size_t(n_ctx) * head_dim : 0);
  out_.resize(qkv ? head_dim : 0);
  embd_.resize(qkv ? n_embd : 0);
  n_layer_ = n_layer;
  n_head_ = n_head;
  n_pos_ = 0;
  n_alternatives_ = 0;
  alternatives_.resize(options_.top_alternatives);
  attention_.resize(options_.attention || qkv ? size_t(n_layer) * n_head * n_ctx : 0);
  logits_.resize(options_.distribution ? n_vocab : 0);
  probs_.resize(options_.distribution ? n_vocab : 0);
  guidance_recorded_ = false;
  cond_.resize(options_.guidance ? n_vocab : 0);
  uncond_.resize(options_.guidance ? n_vocab : 0);
}

void probe_recorder::record_guidance(std::span<const float> cond, std::span<const float> uncond) {
  guidance_recorded_ = false;
  if (!options_.guidance || cond.size() != cond_.size() || uncond.size() != uncond_.size()) return;
  std::copy(cond.begin(), cond.end(), cond_.begin());
  std::copy(uncond.begin(), uncond.end(), uncond_.begin());
  guidance_recorded_ = true;
}

void probe_recorder::record(const sampler& s, const session& sess, std::span<const float> logits) {
  n_alternatives_ = 0;
  n_pos_ = 0;
  qkv_recorded_ = false;
  guidance_recorded_ = false;
  if (options_.top_alternatives > 0) {
    const std::span<const token_prob> cands = s.candidates();
    n_alternatives_ = std::min(cands.size(), alternatives_.size());
    std::copy_n(cands.begin(), n_alternatives_, alternatives_.begin());
  }
  if (options_.attention || options_.qkv()) {
    const std::span<const float> att = sess.attention();  // (n_layer, n_head, n_pos)
    if (!att.empty() && att.size() <= attention_.size()) {
      std::copy(att.begin(), att.end(), attention_.begin());
      n_pos_ = static_cast<int>(att.size() / (size_t(n_layer_) * n_head_));
    }
  }
  if (options_.qkv() && n_pos_ > 0) record_qkv(sess);
  if (options_.distribution) {
    std::copy(logits.begin(), logits.end(), logits_.begin());
    s.distribution(probs_);
  }
}

// The chosen head's slice of the session's Q/K/V probe and KV cache (query head h reads kv head
// h / (n_head / n_head_kv), as the attention kernels do).
void probe_recorder::record_qkv(const session& sess) {
  const llama_hparams& hp = sess.get_model().hp;
  const int hd = head_dim_;
  const size_t q_dim = size_t(hp.n_head) * hd;
  const size_t kv_dim = size_t(hp.n_head_kv) * hd;
  const int l = options_.qkv_layer;
  const int h = options_.qkv_head;
  const size_t kv_offset = size_t(h / (hp.n_head / hp.n_head_kv)) * hd;
  const std::span<const float> q = sess.probe_query();          // (n_layer, q_dim)
  const std::span<const float> out = sess.probe_head_output();  // (n_layer, q_dim)
  const std::span<const float> embd = sess.probe_embedding();   // (n_embd)
  const std::span<const float> keys = sess.cached_keys(l);      // (position(), kv_dim)
  const std::span<const float> values = sess.cached_values(l);
  if (q.size() != hp.n_layer * q_dim || keys.size() < n_pos_ * kv_dim ||
      size_t(n_pos_) * hd > k_.size() || embd.size() != embd_.size()) {
    return;
  }
  std::copy_n(q.begin() + l * q_dim + size_t(h) * hd, hd, q_.begin());
  std::copy_n(out.begin() + l * q_dim + size_t(h) * hd, hd, out_.begin());
  std::copy(embd.begin(), embd.end(), embd_.begin());
  for (int j = 0; j < n_pos_; ++j) {
    std::copy_n(keys.begin() + j * kv_dim + kv_offset, hd, k_.begin() + size_t(j) * hd);
    std::copy_n(values.begin() + j * kv_dim + kv_offset, hd, v_.begin() + size_t(j) * hd);
  }
  qkv_recorded_ = true;
}

step_probes probe_recorder::view() const {
  step_probes p;
  p.alternatives = {alternatives_.data(), n_alternatives_};
  if (n_pos_ > 0 && options_.attention) {
    p.attention = {attention_.data(), size_t(n_layer_) * n_head_ * n_pos_};
  }
  if (qkv_recorded_) {
    p.qkv_layer = options_.qkv_layer;
    p.qkv_head = options_.qkv_head;
    p.head_dim = head_dim_;
    p.q = q_;
    p.k = {k_.data(), size_t(n_pos_) * head_dim_};
    p.v = {v_.data(), size_t(n_pos_) * head_dim_};
    p.head_out = out_;
    p.embedding = embd_;
  }
  p.n_layer = n_layer_;
  p.n_head = n_head_;
  p.n_pos = n_pos_;
  p.logits = logits_;
  p.probs = probs_;
  if (guidance_recorded_) {
    p.cond = cond_;
    p.uncond = uncond_;
  }
  return p;
}

}  // namespace inkstone
