// Training a llama model in f32 on the CPU: forward over a batch of token windows with saved
// activations, backward for every weight, AdamW, gradient clipping, a warm-up + cosine schedule,
// and saving the result as a GGUF the runtime and llama.cpp load. The maths, step by step, is in
// core/src/train-forward.cpp and train-backward.cpp; tools/reference/train_ref.py is the PyTorch
// twin the tests compare against.
//
// Deterministic: the same seed, data and options give the same bits for any thread count (every
// product is split by output rows, every sum is taken in one fixed order).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "inkstone/model.h"
#include "inkstone/status.h"
#include "inkstone/tokenizer.h"

namespace inkstone {

// The shape of a trainable model (llama: RMSNorm, RoPE on adjacent pairs, GQA, SwiGLU).
struct train_config {
  int n_vocab = 0;
  int n_embd = 64;
  int n_layer = 2;
  int n_head = 4;
  int n_head_kv = 4;  // divides n_head; < n_head is grouped-query attention
  int n_ff = 172;
  int n_ctx = 64;  // longest window trained on; written as llama.context_length
  float rope_base = 10000.0f;
  float rms_eps = 1e-5f;
  bool tied_output = true;  // output projection = token_embd (no output.weight)
};

// AdamW as torch.optim.AdamW: decoupled weight decay p -= lr * weight_decay * p on the 2-D
// weights only (token_embd, output and the projections; never the RMSNorm gains), then Adam with
// bias correction. Gradients are first scaled by min(1, clip / (|g| + 1e-6)), |g| the global L2
// norm (torch.nn.utils.clip_grad_norm_); clip <= 0: no clipping. Learning rate of step s
// (0-based): lr * (s + 1) / warmup_steps while s < warmup_steps, then cosine from lr down to
// min_lr at s = total_steps.
struct adamw_options {
  float lr = 3e-3f;
  float min_lr = 3e-4f;
  float beta1 = 0.9f;
  float beta2 = 0.99f;
  float eps = 1e-8f;
  float weight_decay = 0.1f;
  float clip = 1.0f;
  int warmup_steps = 20;
  int total_steps = 300;
};
float learning_rate(const adamw_options& o, int step);

struct trainer_options {
  int n_threads = 1;
  std::string kernels = "auto";  // forward products: kernel-table.h; backward: train-kernels.h
};

// One trainable tensor: name as in the GGUF, shape (rows, cols) (rows = 1 for a norm gain), and
// its place in params() / grads().
struct train_tensor {
  std::string name;
  int64_t rows = 0, cols = 0;
  size_t offset = 0;
  bool decay = false;  // 2-D: weight decay applies
  size_t size() const { return size_t(rows) * size_t(cols); }
};

// A character vocabulary: the `llama` tokenizer of the shipped poetry model. Ids 0 <unk>
// (unknown), 1 <s>, 2 </s> (control), 3..258 <0x00>..<0xFF> (byte fallback), then one piece per
// character of the text, line breaks excluded (normal; score = -rank by frequency, ties by first
// appearance; a space is the piece "▁"), at most max_chars of them. add_bos, no space prefix.
tokenizer_config build_char_vocab(std::string_view text, int max_chars = 4096);

// The training tokens of a text: every non-empty line as <s> line </s>, back to back.
std::vector<int32_t> encode_lines(const tokenizer& tok, std::string_view text);

class thread_pool;
struct kernel_table;
struct train_kernel_table;
struct train_activations;

class trainer {
 public:
  // Fresh weights from a seed: 2-D weights uniform with standard deviation 0.02 (the output-side
  // projections attn_output and ffn_down 0.02 / sqrt(2 n_layer)), norm gains 1.
  static result<std::unique_ptr<trainer>> create(const train_config& config, uint64_t seed,
                                                 trainer_options options = {});
  // The weights of a loaded model, dequantized to f32.
  static result<std::unique_ptr<trainer>> from_model(const model& m, trainer_options options = {});
  ~trainer();
  trainer(const trainer&) = delete;
  trainer& operator=(const trainer&) = delete;

  const train_config& config() const { return config_; }
  const std::vector<train_tensor>& tensors() const { return tensors_; }
  const train_tensor* find(std::string_view name) const;
  std::span<float> params() { return params_; }
  std::span<const float> params() const { return params_; }
  std::span<const float> grads() const { return grads_; }
  int64_t n_params() const { return int64_t(params_.size()); }
  int step() const { return step_; }

  // Mean cross-entropy of predicting tokens[s][1..n_tok] from tokens[s][0..n_tok-1] over n_seq
  // windows of n_tok + 1 tokens each (tokens: n_seq * (n_tok + 1) ids), and the gradient of
  // every weight into grads() (overwritten). invalid_argument: bad sizes or ids.
  result<float> loss_and_grad(std::span<const int32_t> tokens, int n_seq, int n_tok);
  // The same loss without the backward pass.
  result<float> loss(std::span<const int32_t> tokens, int n_seq, int n_tok);
  // Global L2 norm of grads() (before clipping).
  float grad_norm() const;
  // One AdamW update with the current gradients at learning_rate(o, step()); step() += 1.
  void apply_adamw(const adamw_options& o);

  // n_seq random windows of n_tok + 1 tokens from data (offsets from this trainer's batch RNG,
  // which is part of the saved state).
  std::vector<int32_t> sample_batch(std::span<const int32_t> data, int n_seq, int n_tok);

  // The model as an F32 GGUF: llama layout and metadata, the vocabulary's tokenizer keys.
  std::vector<uint8_t> save_gguf(const tokenizer_config& vocab, std::string_view name) const;
  // Everything needed to continue bit for bit: weights, AdamW moments, step, batch RNG (a GGUF
  // too: weights under their names, moments as NAME.adam_m / NAME.adam_v).
  std::vector<uint8_t> save_state() const;
  status load_state(std::span<const uint8_t> bytes);

 private:
  trainer() = default;
  status init(const train_config& config, const trainer_options& options);
  result<float> run(std::span<const int32_t> tokens, int n_seq, int n_tok, bool backward);
  // d_logits: leave d loss / d logits in the probabilities' place for backward().
  void forward(const int32_t* tokens, int n_seq, int n_tok, bool d_logits);
  void backward(const int32_t* tokens, int n_seq, int n_tok);
  // y (n, rows) = x (n, cols) W^T; dX += dY W; dW += dY^T X (split by output rows).
  void matmul(const float* w, int64_t rows, int64_t cols, const float* x, int64_t n, float* y);
  void matmul_nn_acc(const float* dy, const float* w, int64_t rows, int64_t cols, int64_t n,
                     float* dx);
  void matmul_tn_acc(const float* dy, const float* x, int64_t n, int64_t rows, int64_t cols,
                     float* dw);
  float* p(const char* name, int layer = -1);
  float* g(const char* name, int layer = -1);

  train_config config_;
  std::vector<train_tensor> tensors_;
  std::vector<float> params_, grads_, adam_m_, adam_v_;
  std::vector<float> rope_cos_, rope_sin_;  // (n_ctx, head_dim / 2)
  int step_ = 0;
  uint64_t batch_rng_ = 0;
  const kernel_table* kt_ = nullptr;
  const train_kernel_table* tkt_ = nullptr;
  std::unique_ptr<thread_pool> pool_;
  std::unique_ptr<train_activations> act_;
};

}  // namespace inkstone
