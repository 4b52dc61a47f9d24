// A session runs one model: it owns the KV cache, the scratch buffers and the kernel table, and
// turns tokens into logits.
//
//   auto s = session::create(model, {.n_ctx = 512});    // allocates everything, once
//   s->prefill(prompt_tokens);                          // batched forward over the prompt
//   s->logits();                                        // (n_vocab) for the last position
//   s->decode(token);                                   // one more position
//   s->truncate(n);                                     // forget positions >= n (branching)
//
// No allocation happens per token. The model (and its bytes) must outlive the session.
//
// When the cache is full:
// - slide_window off: prefill/decode return context_full and change nothing.
// - slide_window on: the first n_keep tokens (e.g. BOS) are kept, plus the most recent
//   (n_ctx - n_keep) / 2 tokens; the KV cache is recomputed for the retained tokens (their RoPE
//   positions change, so the old K rows cannot be reused), then the new tokens are added.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "inkstone/model.h"
#include "inkstone/status.h"

namespace inkstone {

struct session_options {
  int n_ctx = 0;     // positions in the KV cache; 0: the model's context length
  int n_batch = 64;  // prompt tokens per batched forward
  // Rows of each matrix product (and, in a prompt chunk, the queries of attention) are split over
  // this many threads (XNNPACK's F32 operators too: one per thread's slice of the rows).
  int n_threads = 1;
  // Products of fewer multiply-adds run on the calling thread alone: handing half of a ~10 us
  // job to another thread costs about what it saves (2-thread decode of the poetry model and of
  // P8 ran slower than 1 thread when every product was split). 0: split every product.
  int64_t min_split_macs = int64_t{1} << 18;
  // "auto" (the fastest available), "ref", "wasmsimd" (wasm builds), "avx2" (native x86-64, on a
  // CPU with AVX2, FMA and F16C), "xnnpack" (native). See core/kernels/kernel-table.h.
  std::string kernels = "auto";
  // Cap on what the session allocates (KV cache + scratch + probe buffers + packed weights);
  // 0: no cap. Over the cap: out_of_memory at creation.
  size_t max_memory_bytes = size_t{1536} << 20;
  bool slide_window = false;      // see the file comment
  int n_keep = 1;                 // tokens kept at the start when sliding
  bool record_attention = false;  // record the newest token's attention weights (probe)
};

struct kernel_table;
struct kv_cache;
class thread_pool;

class session {
 public:
  // Errors: invalid_argument (bad options, unknown kernels), out_of_memory (over the cap).
  static result<std::unique_ptr<session>> create(const model& m, session_options options);
  // Bytes create() would allocate for these options (KV cache, scratch, probes, packed weights).
  static size_t estimate_memory(const model& m, const session_options& options);
  ~session();
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  // Runs the tokens through the model at positions position() .. position() + n - 1.
  // all_logits, when not empty, receives (n, n_vocab) logits for every token (tests, scoring);
  // otherwise only the last position's logits are computed. Errors: invalid_argument (token out
  // of range, wrong all_logits size), context_full (sliding off; nothing changed).
  status prefill(std::span<const int32_t> tokens, std::span<float> all_logits = {});
  // prefill of one token.
  status decode(int32_t token);

  // (n_vocab) logits of the last position run; empty before the first run and after truncate.
  std::span<const float> logits() const;
  // Number of positions in the KV cache.
  int position() const { return static_cast<int>(tokens_.size()); }
  // The tokens in the KV cache (after a slide: the retained ones).
  std::span<const int32_t> tokens() const { return tokens_; }
  int n_ctx() const { return n_ctx_; }
  // Forgets positions >= n (n <= position()); the logits become unavailable.
  status truncate(int n);
  void reset() { (void)truncate(0); }

  void set_slide_window(bool on, int n_keep = 1);
  bool slide_window() const { return slide_window_; }
  // Number of times the window slid since creation.
  int n_slides() const { return n_slides_; }

  // Attention probe: when on, every forward records the attention weights of its last token.
  void set_record_attention(bool on) { record_attention_ = on; }
  // (n_layer, n_head, n_pos) weights of the last token of the last run (n_pos = position() then);
  // empty when recording was off for that run.
  std::span<const float> attention() const;
  // Recorded with the attention probe, for the same token: its query after RoPE and each head's
  // attention output before the output projection, (n_layer, n_head * head_dim), and its input
  // embedding (n_embd). Empty when recording was off for the last run.
  std::span<const float> probe_query() const;
  std::span<const float> probe_head_output() const;
  std::span<const float> probe_embedding() const;
  // The KV cache rows of one layer: keys (after RoPE) or values, (position(), n_head_kv *
  // head_dim). Valid until the next run, truncate or slide.
  std::span<const float> cached_keys(int layer) const;
  std::span<const float> cached_values(int layer) const;

  const model& get_model() const { return *model_; }
  const char* kernels_name() const;
  size_t memory_bytes() const { return memory_bytes_; }
  int n_threads() const;
  // Per thread of the pool (0: the calling thread), the work items it has run through the pool
  // since creation: output rows of the products big enough to split (min_split_macs) and the
  // queries of prompt-chunk attention. Shows whether the threads really shared the work.
  std::vector<int64_t> thread_work_items() const;

 private:
  struct linear_op;  // one weight matrix + its optional prepacked operator
  session() = default;
  status make_room(int n_new);
  status forward(const int32_t* tokens, int n_tok, float* all_logits);
  void linear(const linear_op& op, const float* x, int n, float* y);
  void attention(const float* q, const float* k_cache, const float* v_cache, int pos0, int n,
                 float* att_out);
  void record_probe_layer(int l, int n_pos, const float* q_last, const float* out_last);

  const model* model_ = nullptr;
  const kernel_table* kt_ = nullptr;
  std::unique_ptr<thread_pool> pool_;
  std::unique_ptr<kv_cache> kv_;
  int n_ctx_ = 0;
  int n_batch_ = 0;
  bool slide_window_ = false;
  int n_keep_ = 1;
  int64_t min_split_macs_ = 0;
  int n_slides_ = 0;
  bool record_attention_ = false;
  size_t memory_bytes_ = 0;

  std::vector<int32_t> tokens_;     // tokens in the cache, one per position
  std::vector<int32_t> retained_;   // scratch for sliding (capacity n_ctx)
  std::vector<linear_op> linears_;  // per layer: wq, wk, wv, wo, w_gate, w_up, w_down; then output

  // Scratch (B = n_batch, allocated once).
  std::vector<float> x_;        // (B, n_embd) residual stream
  std::vector<float> xb_;       // (B, n_embd) normed input of a sub-block
  std::vector<float> xb2_;      // (B, n_embd) sub-block output
  std::vector<float> q_;        // (B, n_head * head_dim)
  std::vector<float> att_out_;  // (B, n_head * head_dim)
  std::vector<float> hb_;       // (B, n_ff) gate, then silu(gate) * up
  std::vector<float> hb2_;      // (B, n_ff) up
  std::vector<float> att_;      // (n_threads, n_head, n_ctx) attention weights of one query
                                // per thread; slot 0 ends with the last query's
  std::vector<float> logits_;   // (n_vocab)
  bool logits_valid_ = false;
  std::vector<float> rope_cos_;  // (n_ctx, head_dim / 2)
  std::vector<float> rope_sin_;  // (n_ctx, head_dim / 2)
  std::vector<float>
      probe_att_;  // (n_layer, n_head, n_ctx) capacity; (n_layer, n_head, n_pos) used
  int probe_n_pos_ = 0;
  std::vector<float> probe_q_;     // (n_layer, n_head * head_dim) query of the last token
  std::vector<float> probe_out_;   // (n_layer, n_head * head_dim) attention output of it
  std::vector<float> probe_embd_;  // (n_embd) its input embedding
};

}  // namespace inkstone
