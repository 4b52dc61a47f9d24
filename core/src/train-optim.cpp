// The optimiser side of the trainer: learning-rate schedule, global gradient norm and clipping,
// AdamW, batch sampling, and the saved state that lets a run pause and continue bit for bit.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "inkstone/gguf-writer.h"
#include "inkstone/gguf.h"
#include "inkstone/trainer.h"

namespace inkstone {

uint64_t trainer_next_u64(uint64_t& state);  // train-model.cpp

float learning_rate(const adamw_options& o, int step) {
  if (step < o.warmup_steps) return o.lr * float(step + 1) / float(o.warmup_steps);
  const int span = std::max(1, o.total_steps - o.warmup_steps);
  const double progress = std::min(1.0, double(step - o.warmup_steps) / span);
  const double kPi = 3.14159265358979323846;
  return float(o.min_lr + 0.5 * (double(o.lr) - o.min_lr) * (1.0 + std::cos(kPi * progress)));
}

float trainer::grad_norm() const {
  double ss = 0;
  for (float gi : grads_) ss += double(gi) * gi;
  return float(std::sqrt(ss));
}

void trainer::apply_adamw(const adamw_options& o) {
  const float lr = learning_rate(o, step_);
  // Clipping as torch.nn.utils.clip_grad_norm_: scale by clip / (norm + 1e-6) when below 1.
  float gscale = 1.0f;
  if (o.clip > 0) gscale = std::min(1.0f, float(double(o.clip) / (double(grad_norm()) + 1e-6)));
  ++step_;
  const float bc1 = float(1.0 - std::pow(double(o.beta1), step_));
  const float bc2_sqrt = float(std::sqrt(1.0 - std::pow(double(o.beta2), step_)));
  const float step_size = lr / bc1;
  for (const train_tensor& t : tensors_) {
    float* w = params_.data() + t.offset;
    const float* gr = grads_.data() + t.offset;
    float* m = adam_m_.data() + t.offset;
    float* v = adam_v_.data() + t.offset;
    // Decoupled weight decay on 2-D weights: w -= lr * wd * w.
    const float decay = t.decay ? 1.0f - lr * o.weight_decay : 1.0f;
    for (size_t i = 0; i < t.size(); ++i) {
      const float gi = gr[i] * gscale;
      w[i] *= decay;
      m[i] = o.beta1 * m[i] + (1.0f - o.beta1) * gi;
      v[i] = o.beta2 * v[i] + (1.0f - o.beta2) * gi * gi;
      w[i] -= step_size * m[i] / (std::sqrt(v[i]) / bc2_sqrt + o.eps);
    }
  }
}

std::vector<int32_t> trainer::sample_batch(std::span<const int32_t> data, int n_seq, int n_tok) {
  std::vector<int32_t> out;
  if (n_seq < 1 || n_tok < 1 || data.size() < size_t(n_tok) + 1) return out;
  const uint64_t n_starts = data.size() - size_t(n_tok);  // offsets 0 .. size - n_tok - 1
  out.reserve(size_t(n_seq) * (n_tok + 1));
  for (int s = 0; s < n_seq; ++s) {
    const size_t start = size_t(trainer_next_u64(batch_rng_) % n_starts);
    out.insert(out.end(), data.begin() + start, data.begin() + start + n_tok + 1);
  }
  return out;
}

namespace {
constexpr const char* kStepKey = "inkstone.train.step";
constexpr const char* kRngKey = "inkstone.train.batch_rng";
constexpr const char* kParamsKey = "inkstone.train.n_params";
}  // namespace

std::vector<uint8_t> trainer::save_state() const {
  gguf_writer w;
  w.add_u32(kStepKey, uint32_t(step_));
  w.add_u64(kRngKey, batch_rng_);
  w.add_u64(kParamsKey, params_.size());
  for (const train_tensor& t : tensors_) {
    w.add_tensor(t.name, t.rows, t.cols, params_.data() + t.offset);
    w.add_tensor(t.name + ".adam_m", t.rows, t.cols, adam_m_.data() + t.offset);
    w.add_tensor(t.name + ".adam_v", t.rows, t.cols, adam_v_.data() + t.offset);
  }
  return w.bytes();
}

status trainer::load_state(std::span<const uint8_t> bytes) {
  auto parsed = gguf_file::parse(bytes);
  if (!parsed.ok()) return std::move(parsed).error().with_context("load train state");
  const gguf_file& f = *parsed;
  auto step = f.get_int(kStepKey);
  auto rng = f.get_u64(kRngKey);
  auto n = f.get_int(kParamsKey);
  if (!step.ok() || !rng.ok() || !n.ok()) {
    return make_error(status_code::missing_key, "load train state: not a trainer state file");
  }
  if (*n != int64_t(params_.size()) || *step < 0) {
    return make_error(status_code::bad_shape, "load train state: the state holds ", *n,
                      " parameters, this trainer ", params_.size());
  }
  // Check every tensor before changing anything.
  for (const train_tensor& t : tensors_) {
    for (const std::string& name : {t.name, t.name + ".adam_m", t.name + ".adam_v"}) {
      const gguf_tensor_info* ti = f.find_tensor(name);
      if (ti == nullptr) {
        return make_error(status_code::missing_tensor, "load train state: no tensor ", name);
      }
      if (ti->type_id != 0 || ti->n_elements != t.size() || ti->ne[0] != t.cols ||
          ti->data == nullptr) {
        return make_error(status_code::bad_shape, "load train state: tensor ", name,
                          " is not F32 of the trainer's shape");
      }
    }
  }
  for (const train_tensor& t : tensors_) {
    std::memcpy(params_.data() + t.offset, f.find_tensor(t.name)->data, t.size() * 4);
    std::memcpy(adam_m_.data() + t.offset, f.find_tensor(t.name + ".adam_m")->data, t.size() * 4);
    std::memcpy(adam_v_.data() + t.offset, f.find_tensor(t.name + ".adam_v")->data, t.size() * 4);
  }
  step_ = int(*step);
  batch_rng_ = *rng;
  return status::success();
}

}  // namespace inkstone
