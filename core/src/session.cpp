// Session setup and bookkeeping: memory plan, kernel choice, prefill/decode/truncate, sliding.
// The maths is in forward.cpp.
#include <algorithm>
#include <cmath>

#include "kv-cache.h"
#include "session-internal.h"
#include "thread-pool.h"

namespace inkstone {

namespace {

constexpr int kMaxCtx = 1 << 20;

struct memory_plan {
  size_t kv = 0;       // KV cache
  size_t scratch = 0;  // activations, logits, rope tables, probe buffer
  size_t packed = 0;   // prepacked weight copies (XNNPACK)
  size_t total() const { return kv + scratch + packed; }
};

// 0 means the model's context length; negative stays negative (rejected by create()).
int resolve_ctx(const model& m, const session_options& o) {
  return o.n_ctx == 0 ? m.hp.n_ctx : o.n_ctx;
}

memory_plan plan_memory(const model& m, const session_options& o, int n_ctx, bool packs_f32) {
  const llama_hparams& hp = m.hp;
  const size_t b = static_cast<size_t>(std::clamp(o.n_batch, 1, std::max(n_ctx, 1)));
  const size_t q_dim = size_t(hp.n_head) * hp.head_dim;
  memory_plan p;
  p.kv = kv_cache::bytes(hp.n_layer, n_ctx, hp.n_head_kv * hp.head_dim);
  size_t floats = b * hp.n_embd * 3                         // x, xb, xb2
                  + b * q_dim * 2                           // q, att_out
                  + b * hp.n_ff * 2                         // hb, hb2
                  + size_t(std::max(o.n_threads, 1)) * hp.n_head * n_ctx  // att, one per thread
                  + size_t(hp.n_vocab)                      // logits
                  + size_t(n_ctx) * hp.head_dim             // rope cos + sin
                  + size_t(hp.n_layer) * hp.n_head * n_ctx  // attention probe
                  + size_t(hp.n_layer) * q_dim * 2          // query + head output probe
                  + size_t(hp.n_embd);                      // embedding probe
  p.scratch = floats * sizeof(float) + size_t(n_ctx) * 2 * sizeof(int32_t);
  if (packs_f32) {
    auto add = [&](const tensor_view& t) {
      if (t.type == ggml_type::f32) p.packed += t.n_bytes;
    };
    for (const layer_weights& lw : m.layers) {
      for (const tensor_view* t :
           {&lw.wq, &lw.wk, &lw.wv, &lw.wo, &lw.w_gate, &lw.w_up, &lw.w_down})
        add(*t);
    }
    add(m.output);
  }
  return p;
}

}  // namespace

size_t session::estimate_memory(const model& m, const session_options& options) {
  const kernel_table* kt = select_kernels(options.kernels);
  const bool packs = kt != nullptr && kt->f32_fc_create != nullptr;
  return plan_memory(m, options, resolve_ctx(m, options), packs).total();
}

result<std::unique_ptr<session>> session::create(const model& m, session_options o) {
  const llama_hparams& hp = m.hp;
  const kernel_table* kt = select_kernels(o.kernels);
  if (kt == nullptr) {
    return make_error(status_code::invalid_argument, "create session: kernels '", o.kernels,
                      "' are not available in this build (use auto, ref",
#if defined(INK_AVX2)
                      ", avx2 on a CPU with AVX2, FMA and F16C",
#endif
#if defined(INK_XNNPACK)
                      ", xnnpack",
#endif
#if defined(INK_WASMSIMD)
                      ", wasmsimd",
#endif
                      ")");
  }
  const int n_ctx = resolve_ctx(m, o);
  if (n_ctx <= 0 || n_ctx > kMaxCtx) {
    return make_error(status_code::invalid_argument, "create session: n_ctx ", n_ctx,
                      " must be in [1, ", kMaxCtx, "]");
  }
  if (o.n_batch <= 0)
    return make_error(status_code::invalid_argument, "create session: n_batch must be > 0");
  if (o.n_threads <= 0 || o.n_threads > 256) {
    return make_error(status_code::invalid_argument,
                      "create session: n_threads must be in [1, 256]");
  }
  if (o.n_keep < 0 || o.n_keep >= n_ctx) {
    return make_error(status_code::invalid_argument,
                      "create session: n_keep must be in [0, n_ctx)");
  }
  if (hp.head_dim % 2 != 0)
    return make_error(status_code::bad_shape, "create session: head_dim must be even");
  const memory_plan plan = plan_memory(m, o, n_ctx, kt->f32_fc_create != nullptr);
  if (o.max_memory_bytes != 0 && plan.total() > o.max_memory_bytes) {
    return make_error(status_code::out_of_memory, "create session: needs ", plan.total(),
                      " bytes (KV cache ", plan.kv, ", scratch ", plan.scratch, ", packed weights ",
                      plan.packed, ") for n_ctx ", n_ctx, ", over the limit of ",
                      o.max_memory_bytes);
  }

  std::unique_ptr<session> s(new session());
  s->model_ = &m;
  s->kt_ = kt;
  s->n_ctx_ = n_ctx;
  s->n_batch_ = std::min(o.n_batch, n_ctx);
  s->slide_window_ = o.slide_window;
  s->n_keep_ = o.n_keep;
  s->min_split_macs_ = std::max<int64_t>(o.min_split_macs, 0);
  s->record_attention_ = o.record_attention;
  s->memory_bytes_ = plan.total();
  s->pool_ = std::make_unique<thread_pool>(o.n_threads);
  s->kv_ = std::make_unique<kv_cache>();
  s->kv_->allocate(hp.n_layer, n_ctx, hp.n_head_kv * hp.head_dim);

  const size_t b = static_cast<size_t>(s->n_batch_);
  const size_t q_dim = size_t(hp.n_head) * hp.head_dim;
  s->x_.assign(b * hp.n_embd, 0.0f);
  s->xb_.assign(b * hp.n_embd, 0.0f);
  s->xb2_.assign(b * hp.n_embd, 0.0f);
  s->q_.assign(b * q_dim, 0.0f);
  s->att_out_.assign(b * q_dim, 0.0f);
  s->hb_.assign(b * hp.n_ff, 0.0f);
  s->hb2_.assign(b * hp.n_ff, 0.0f);
  s->att_.assign(size_t(s->pool_->n_threads()) * hp.n_head * n_ctx, 0.0f);
  s->logits_.assign(hp.n_vocab, 0.0f);
  s->probe_att_.assign(size_t(hp.n_layer) * hp.n_head * n_ctx, 0.0f);
  s->probe_q_.assign(size_t(hp.n_layer) * q_dim, 0.0f);
  s->probe_out_.assign(size_t(hp.n_layer) * q_dim, 0.0f);
  s->probe_embd_.assign(hp.n_embd, 0.0f);
  s->tokens_.reserve(n_ctx);
  s->retained_.reserve(n_ctx);

  // RoPE tables: angle(p, i) = p * rope_base^(-2i / head_dim), computed in double.
  const int half = hp.head_dim / 2;
  s->rope_cos_.resize(size_t(n_ctx) * half);
  s->rope_sin_.resize(size_t(n_ctx) * half);
  for (int p = 0; p < n_ctx; ++p) {
    for (int i = 0; i < half; ++i) {
      const double freq = std::pow(double(hp.rope_base), -2.0 * i / hp.head_dim);
      const double angle = p * freq;
      s->rope_cos_[size_t(p) * half + i] = static_cast<float>(std::cos(angle));
      s->rope_sin_[size_t(p) * half + i] = static_cast<float>(std::sin(angle));
    }
  }

  // Weight matrices, with prepacked operators where the table offers them (F32 only), cut in the
  // row slices the thread pool hands its threads (session::linear). A failed operator creation
  // falls back to the table's matmul for that weight.
  const int n_slices = s->pool_->n_threads();
  std::vector<int64_t> bounds(size_t(n_slices) + 1);
  auto add_linear = [&](const tensor_view& t) {
    linear_op op;
    op.w = t.data;
    op.format = to_weight_format(t.type);
    op.rows = t.rows();
    op.cols = t.cols();
    if (kt->f32_fc_create != nullptr && t.type == ggml_type::f32) {
      for (int i = 0; i <= n_slices; ++i) bounds[i] = thread_pool::split(op.rows, i, n_slices);
      op.fc = kt->f32_fc_create(reinterpret_cast<const float*>(t.data), op.rows, op.cols,
                                bounds.data(), n_slices);
    }
    s->linears_.push_back(op);
  };
  s->linears_.reserve(size_t(hp.n_layer) * kNumLayerLinears + 1);
  for (const layer_weights& lw : m.layers) {
    add_linear(lw.wq);
    add_linear(lw.wk);
    add_linear(lw.wv);
    add_linear(lw.wo);
    add_linear(lw.w_gate);
    add_linear(lw.w_up);
    add_linear(lw.w_down);
  }
  add_linear(m.output);
  return s;
}

session::~session() {
  if (kt_ == nullptr || kt_->f32_fc_delete == nullptr) return;
  for (linear_op& op : linears_) {
    if (op.fc != nullptr) kt_->f32_fc_delete(op.fc);
  }
}

const char* session::kernels_name() const { return kt_->name; }
int session::n_threads() const { return pool_->n_threads(); }

std::vector<int64_t> session::thread_work_items() const { return pool_->items_done(); }

std::span<const float> session::logits() const {
  if (!logits_valid_) return {};
  return logits_;
}

std::span<const float> session::attention() const {
  if (probe_n_pos_ == 0) return {};
  return {probe_att_.data(), size_t(model_->hp.n_layer) * model_->hp.n_head * probe_n_pos_};
}

std::span<const float> session::probe_query() const {
  if (probe_n_pos_ == 0) return {};
  return probe_q_;
}

std::span<const float> session::probe_head_output() const {
  if (probe_n_pos_ == 0) return {};
  return probe_out_;
}

std::span<const float> session::probe_embedding() const {
  if (probe_n_pos_ == 0) return {};
  return probe_embd_;
}

std::span<const float> session::cached_keys(int layer) const {
  if (layer < 0 || layer >= model_->hp.n_layer) return {};
  return {kv_->k_row(layer, 0), size_t(position()) * kv_->kv_dim};
}

std::span<const float> session::cached_values(int layer) const {
  if (layer < 0 || layer >= model_->hp.n_layer) return {};
  return {kv_->v_row(layer, 0), size_t(position()) * kv_->kv_dim};
}

void session::set_slide_window(bool on, int n_keep) {
  slide_window_ = on;
  n_keep_ = std::clamp(n_keep, 0, n_ctx_ - 1);
}

status session::truncate(int n) {
  if (n < 0 || n > position()) {
    return make_error(status_code::invalid_argument, "truncate: ", n, " is outside [0, ",
                      position(), "]");
  }
  tokens_.resize(n);
  logits_valid_ = false;
  probe_n_pos_ = 0;
  return status::success();
}

// Makes room for n_new more positions (n_new <= room after a slide), sliding if allowed.
status session::make_room(int n_new) {
  if (position() + n_new <= n_ctx_) return status::success();
  if (!slide_window_) {
    return make_error(status_code::context_full, "context full: ", position(), " + ", n_new,
                      " tokens exceed n_ctx ", n_ctx_);
  }
  // Keep the first n_keep tokens and the most recent (n_ctx - n_keep) / 2, then recompute their
  // KV rows (their positions change).
  const int n_keep = std::min(n_keep_, position());
  const int n_recent = std::min(position() - n_keep, std::max(0, (n_ctx_ - n_keep) / 2));
  retained_.assign(tokens_.begin(), tokens_.begin() + n_keep);
  retained_.insert(retained_.end(), tokens_.end() - n_recent, tokens_.end());
  tokens_.clear();
  ++n_slides_;
  for (size_t i = 0; i < retained_.size(); i += n_batch_) {
    const int n = static_cast<int>(std::min<size_t>(n_batch_, retained_.size() - i));
    INK_TRY(forward(retained_.data() + i, n, nullptr));
  }
  if (position() + n_new > n_ctx_) {
    return make_error(status_code::context_full, "context full: ", n_new,
                      " tokens do not fit even after sliding");
  }
  return status::success();
}

status session::prefill(std::span<const int32_t> tokens, std::span<float> all_logits) {
  const int n_vocab = model_->hp.n_vocab;
  if (tokens.empty()) return make_error(status_code::invalid_argument, "prefill: no tokens");
  for (int32_t t : tokens) {
    if (t < 0 || t >= n_vocab) {
      return make_error(status_code::invalid_argument, "prefill: token ", t,
                        " is outside the vocabulary (", n_vocab, ")");
    }
  }
  if (!all_logits.empty() && all_logits.size() != tokens.size() * size_t(n_vocab)) {
    return make_error(status_code::invalid_argument,
                      "prefill: all_logits must hold n_tokens * n_vocab");
  }
  if (!slide_window_ && position() + tokens.size() > size_t(n_ctx_)) {
    return make_error(status_code::context_full, "context full: ", position(), " + ", tokens.size(),
                      " tokens exceed n_ctx ", n_ctx_);
  }
  // Chunks of n_batch tokens; when sliding, chunks also fit in half the window.
  const int chunk =
      slide_window_ ? std::max(1, std::min(n_batch_, (n_ctx_ - n_keep_) / 2)) : n_batch_;
  for (size_t i = 0; i < tokens.size(); i += chunk) {
    const int n = static_cast<int>(std::min<size_t>(chunk, tokens.size() - i));
    INK_TRY(make_room(n));
    float* out = all_logits.empty() ? nullptr : all_logits.data() + i * n_vocab;
    INK_TRY(forward(tokens.data() + i, n, out));
  }
  return status::success();
}

status session::decode(int32_t token) { return prefill(std::span<const int32_t>(&token, 1)); }

}  // namespace inkstone
