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
};

// Owns the buffers probes are copied into; allocated by configure(), never per step.
class probe_recorder {
 public:
  // Allocates for these options. attention needs n_layer * n_head * n_ctx floats.
  void configure(const probe_options& options, int n_vocab, int n_layer, int n_head, int n_ctx);
  const probe_options& options() const { return options_; }
  bool any() const {
    return options_.top_alternatives > 0 || options_.attention || options_.distribution;
  }
  // Copies what is enabled from the sampler's last evaluation and the session's last forward.
  // logits: the (n_vocab) logits the sampler saw.
  void record(const sampler& s, const session& sess, std::span<const float> logits);
  // The last record().
  step_probes view() const;

 private:
  probe_options options_;
  int n_layer_ = 0;
  int n_head_ = 0;
  int n_pos_ = 0;
  size_t n_alternatives_ = 0;
  std::vector<token_prob> alternatives_;
  std::vector<float> attention_;
  std::vector<float> logits_;
  std::vector<float> probs_;
};

}  // namespace inkstone
