// Probes: what the model and the sampler did at one generation step, recorded only on request
// (classroom view, share-link replay checks). With every probe off nothing is computed or copied.
//
//   alternatives  the top-N tokens of the final distribution (after the whole sampler chain),
//                 prob descending, ties by lower id; N may exceed what the chain kept (then fewer)
//   attention     (n_layer, n_head, n_pos) softmax weights of the query that produced this step's
//                 logits, i.e. the newest token in the KV cache when the step was sampled
//                 (n_pos = position() at that moment); each row sums to 1
//   distribution  the raw logits (n_vocab) and the final probabilities over the whole vocabulary
//                 (n_vocab; 0 for tokens the chain removed)
//   qkv           for one layer and head, the same query as `attention`: its q (head_dim, after
//                 RoPE), the keys (n_pos, head_dim, after RoPE) and values (n_pos, head_dim) of
//                 its kv head, the head's output sum_j a_j v_j (head_dim, before the output
//                 projection), and the query token's input embedding (n_embd); so that
//                 softmax(q . k_j / sqrt(head_dim)) is that head's attention row (classroom)
//   guidance      under classifier-free guidance, the two runs the step's logits mix: the
//                 conditioned session's logits and the unconditioned guide's (each n_vocab), so
//                 that logits = uncond + scale * (cond - uncond) exactly; empty without guidance
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "inkstone/sampler.h"

namespace inkstone {

class session;

struct probe_options {
  int top_alternatives = 0;  // N; 0: off
  bool attention = false;
  bool distribution = false;
  int qkv_layer = -1;  // qkv probe of this layer and head; -1: off (recorded with attention)
  int qkv_head = -1;
  bool guidance = false;  // cond and uncond logits (recorded only while guiding)
  bool qkv() const { return qkv_layer >= 0 && qkv_head >= 0; }
};

// A step's probes. Views into the recorder's buffers: valid until the next step.
struct step_probes {
  std::span<const token_prob> alternatives;  // (<= N)
  std::span<const float> attention;          // (n_layer, n_head, n_pos) or empty
  int n_layer = 0;
  int n_head = 0;
  int n_pos = 0;
  std::span<const float> logits;  // (n_vocab) or empty
  std::span<const float> probs;   // (n_vocab) or empty
  int qkv_layer = -1;             // qkv (empty unless options.qkv() and attention was recorded)
  int qkv_head = -1;
  int head_dim = 0;
  std::span<const float> q;          // (head_dim)
  std::span<const float> k;          // (n_pos, head_dim)
  std::span<const float> v;          // (n_pos, head_dim)
  std::span<const float> head_out;   // (head_dim)
  std::span<const float> embedding;  // (n_embd)
  std::span<const float> cond;       // (n_vocab) under guidance: the conditioned logits
  std::span<const float> uncond;     // (n_vocab) under guidance: the unconditioned logits
};

// Owns the buffers probes are copied into; allocated by configure(), never per step.
class probe_recorder {
 public:
  // Allocates for these options. attention needs n_layer * n_head * n_ctx floats; qkv needs
  // head_dim and n_embd (it is off when they are 0 or the layer/head is out of range).
  void configure(const probe_options& options, int n_vocab, int n_layer, int n_head, int n_ctx,
                 int head_dim = 0, int n_embd = 0);
  const probe_options& options() const { return options_; }
  bool any() const {
    return options_.top_alternatives > 0 || options_.attention || options_.distribution ||
           options_.qkv() || options_.guidance;
  }
  // Copies what is enabled from the sampler's last evaluation and the session's last forward.
  // logits: the (n_vocab) logits the sampler saw.
  void record(const sampler& s, const session& sess, std::span<const float> logits);
  // Under guidance (after record()): the two runs' logits, if options().guidance.
  void record_guidance(std::span<const float> cond, std::span<const float> uncond);
  // The last record().
  step_probes view() const;

 private:
  void record_qkv(const session& sess);

  probe_options options_;
  int n_layer_ = 0;
  int n_head_ = 0;
  int n_pos_ = 0;
  size_t n_alternatives_ = 0;
  std::vector<token_prob> alternatives_;
  std::vector<float> attention_;
  std::vector<float> logits_;
  std::vector<float> probs_;
  int head_dim_ = 0;
  bool qkv_recorded_ = false;
  std::vector<float> q_;     // (head_dim)
  std::vector<float> k_;     // (n_ctx, head_dim)
  std::vector<float> v_;     // (n_ctx, head_dim)
  std::vector<float> out_;   // (head_dim)
  std::vector<float> embd_;  // (n_embd)
  bool guidance_recorded_ = false;
  std::vector<float> cond_;    // (n_vocab)
  std::vector<float> uncond_;  // (n_vocab)
};

}  // namespace inkstone
