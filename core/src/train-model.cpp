// The trainer's weights: layout, initialisation (seed or a loaded model), and the plumbing the
// forward and backward passes share (matrix products through the kernel tables).
#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>

#include "inkstone/fp16.h"
#include "inkstone/trainer.h"
#include "kernel-table.h"
#include "session-internal.h"
#include "thread-pool.h"
#include "train-internal.h"
#include "train-kernels.h"

namespace inkstone {

namespace {

// splitmix64: the trainer's only source of randomness.
uint64_t next_u64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Uniform in [-1, 1) from 24 random bits: exact in f32, the same on every platform.
float uniform_pm1(uint64_t& state) {
  return float(int64_t(next_u64(state) >> 40) - (int64_t{1} << 23)) * (1.0f / float(1 << 23));
}

status check_config(const train_config& c) {
  auto bad = [](const std::string& m) { return make_error(status_code::invalid_argument, m); };
  if (c.n_vocab < 1 || c.n_embd < 2 || c.n_layer < 1 || c.n_head < 1 || c.n_head_kv < 1 ||
      c.n_ff < 1 || c.n_ctx < 2) {
    return bad("train config: every size must be positive (n_ctx >= 2)");
  }
  if (c.n_vocab > (1 << 20) || c.n_embd > 8192 || c.n_layer > 64 || c.n_ff > 32768 ||
      c.n_ctx > 8192) {
    return bad("train config: a size is over its limit");
  }
  if (c.n_embd % c.n_head != 0 || (c.n_embd / c.n_head) % 2 != 0) {
    return bad("train config: n_embd must be n_head times an even head size");
  }
  if (c.n_head % c.n_head_kv != 0) return bad("train config: n_head_kv must divide n_head");
  if (!(c.rms_eps > 0) || !(c.rope_base > 1)) {
    return bad("train config: rms_eps must be > 0 and rope_base > 1");
  }
  return status::success();
}

}  // namespace

uint64_t trainer_next_u64(uint64_t& state) { return next_u64(state); }

trainer::~trainer() = default;

status trainer::init(const train_config& c, const trainer_options& options) {
  INK_TRY(check_config(c));
  if (options.n_threads < 1 || options.n_threads > 256) {
    return make_error(status_code::invalid_argument, "trainer: n_threads must be 1..256");
  }
  kt_ = select_kernels(options.kernels);
  tkt_ = select_train_kernels(
      options.kernels == "auto" || options.kernels == "wasmsimd" ? options.kernels : "ref");
  if (kt_ == nullptr || tkt_ == nullptr) {
    return make_error(status_code::invalid_argument,
                      "trainer: kernels '" + options.kernels + "' are not available");
  }
  config_ = c;
  const int hd = c.n_embd / c.n_head;
  const int qd = c.n_embd, kvd = c.n_head_kv * hd;
  // Tensor order = the order of every loop over the weights (norm, clipping, AdamW, saving).
  size_t offset = 0;
  auto add = [&](std::string name, int64_t rows, int64_t cols, bool decay) {
    tensors_.push_back({std::move(name), rows, cols, offset, decay});
    offset += size_t(rows) * size_t(cols);
  };
  add("token_embd.weight", c.n_vocab, c.n_embd, true);
  add("output_norm.weight", 1, c.n_embd, false);
  if (!c.tied_output) add("output.weight", c.n_vocab, c.n_embd, true);
  for (int l = 0; l < c.n_layer; ++l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    add(b + "attn_norm.weight", 1, c.n_embd, false);
    add(b + "attn_q.weight", qd, c.n_embd, true);
    add(b + "attn_k.weight", kvd, c.n_embd, true);
    add(b + "attn_v.weight", kvd, c.n_embd, true);
    add(b + "attn_output.weight", c.n_embd, qd, true);
    add(b + "ffn_norm.weight", 1, c.n_embd, false);
    add(b + "ffn_gate.weight", c.n_ff, c.n_embd, true);
    add(b + "ffn_up.weight", c.n_ff, c.n_embd, true);
    add(b + "ffn_down.weight", c.n_embd, c.n_ff, true);
  }
  params_.assign(offset, 0.0f);
  grads_.assign(offset, 0.0f);
  adam_m_.assign(offset, 0.0f);
  adam_v_.assign(offset, 0.0f);

  // RoPE tables as the session builds them: angle(p, i) = p * rope_base^(-2i / head_dim).
  const int half = hd / 2;
  rope_cos_.resize(size_t(c.n_ctx) * half);
  rope_sin_.resize(size_t(c.n_ctx) * half);
  for (int pos = 0; pos < c.n_ctx; ++pos) {
    for (int i = 0; i < half; ++i) {
      const double angle = pos * std::pow(double(c.rope_base), -2.0 * i / hd);
      rope_cos_[size_t(pos) * half + i] = float(std::cos(angle));
      rope_sin_[size_t(pos) * half + i] = float(std::sin(angle));
    }
  }
  pool_ = std::make_unique<thread_pool>(options.n_threads);
  act_ = std::make_unique<train_activations>();
  return status::success();
}

result<std::unique_ptr<trainer>> trainer::create(const train_config& config, uint64_t seed,
                                                 trainer_options options) {
  std::unique_ptr<trainer> t(new trainer());
  INK_TRY(t->init(config, options));
  uint64_t rng = seed;
  const float out_scale = 1.0f / std::sqrt(2.0f * float(config.n_layer));
  for (const train_tensor& tt : t->tensors_) {
    float* w = t->params_.data() + tt.offset;
    if (!tt.decay) {
      std::fill(w, w + tt.size(), 1.0f);
      continue;
    }
    const bool out_side =
        tt.name.ends_with("attn_output.weight") || tt.name.ends_with("ffn_down.weight");
    // Uniform on [-a, a] has standard deviation a / sqrt(3).
    const float a = 0.02f * std::sqrt(3.0f) * (out_side ? out_scale : 1.0f);
    for (size_t i = 0; i < tt.size(); ++i) w[i] = a * uniform_pm1(rng);
  }
  t->batch_rng_ = next_u64(rng);
  return t;
}

result<std::unique_ptr<trainer>> trainer::from_model(const model& m, trainer_options options) {
  const llama_hparams& hp = m.hp;
  train_config c;
  c.n_vocab = hp.n_vocab;
  c.n_embd = hp.n_embd;
  c.n_layer = hp.n_layer;
  c.n_head = hp.n_head;
  c.n_head_kv = hp.n_head_kv;
  c.n_ff = hp.n_ff;
  c.n_ctx = hp.n_ctx;
  c.rope_base = hp.rope_base;
  c.rms_eps = hp.rms_eps;
  c.tied_output = m.tied_output;
  if (hp.head_dim * hp.n_head != hp.n_embd) {
    return make_error(status_code::unsupported_architecture,
                      "trainer: head_dim * n_head must equal n_embd");
  }
  std::unique_ptr<trainer> t(new trainer());
  INK_TRY(t->init(c, options));
  const kernel_table& ref = ref_kernels();
  auto copy = [&](const tensor_view& v, const char* name, int layer) {
    float* dst = t->p(name, layer);
    const train_tensor* tt =
        t->find(layer < 0 ? std::string(name) : "blk." + std::to_string(layer) + "." + name);
    for (int64_t r = 0; r < tt->rows; ++r) {
      ref.get_rows[static_cast<int>(to_weight_format(v.type))](v.data, tt->cols, r,
                                                               dst + r * tt->cols);
    }
  };
  copy(m.token_embd, "token_embd.weight", -1);
  copy(m.output_norm, "output_norm.weight", -1);
  if (!c.tied_output) copy(m.output, "output.weight", -1);
  for (int l = 0; l < c.n_layer; ++l) {
    const layer_weights& lw = m.layers[l];
    copy(lw.attn_norm, "attn_norm.weight", l);
    copy(lw.wq, "attn_q.weight", l);
    copy(lw.wk, "attn_k.weight", l);
    copy(lw.wv, "attn_v.weight", l);
    copy(lw.wo, "attn_output.weight", l);
    copy(lw.ffn_norm, "ffn_norm.weight", l);
    copy(lw.w_gate, "ffn_gate.weight", l);
    copy(lw.w_up, "ffn_up.weight", l);
    copy(lw.w_down, "ffn_down.weight", l);
  }
  return t;
}

const train_tensor* trainer::find(std::string_view name) const {
  for (const train_tensor& t : tensors_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

float* trainer::p(const char* name, int layer) {
  const train_tensor* t =
      find(layer < 0 ? std::string(name) : "blk." + std::to_string(layer) + "." + name);
  assert(t != nullptr);
  return params_.data() + t->offset;
}

float* trainer::g(const char* name, int layer) {
  return grads_.data() + (p(name, layer) - params_.data());
}

void trainer::matmul(const float* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                     float* y) {
  const matmul_fn f = kt_->matmul[static_cast<int>(weight_format::f32)];
  const auto* wb = reinterpret_cast<const uint8_t*>(w);
  // The kernel walks all n tokens per tile of weight rows, writing a few floats of each token's
  // output row; over a wide output (the logits: 4,000 floats a token) that touches every cache
  // line of y many times apart. Slices of kTokens tokens keep the lines being written in cache.
  // Each output is the same instruction sequence whatever the slice (kernel-table.h).
  constexpr int64_t kTokens = 32;
  pool_->parallel_for(rows, [&](int64_t r0, int64_t r1) {
    for (int64_t t0 = 0; t0 < n; t0 += kTokens) {
      f(wb, rows, cols, x + t0 * cols, std::min(kTokens, n - t0), y + t0 * rows, r0, r1);
    }
  });
}

void trainer::matmul_nn_acc(const float* dy, const float* w, int64_t rows, int64_t cols, int64_t n,
                            float* dx) {
  pool_->parallel_for(
      n, [&](int64_t t0, int64_t t1) { tkt_->f32_matmul_nn_acc(dy, w, rows, cols, dx, t0, t1); });
}

void trainer::matmul_tn_acc(const float* dy, const float* x, int64_t n, int64_t rows, int64_t cols,
                            float* dw) {
  pool_->parallel_for(rows, [&](int64_t r0, int64_t r1) {
    tkt_->f32_matmul_tn_acc(dy, x, n, rows, cols, dw, r0, r1);
  });
}

}  // namespace inkstone
