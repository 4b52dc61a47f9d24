// The llama-family forward pass (docs/model-conventions.md), for a chunk of n tokens at positions
// pos0 .. pos0 + n - 1. Reads top to bottom; every tensor carries its shape; all arithmetic goes
// through the kernel table; nothing is allocated. One pass for llama, qwen2 and qwen3: the steps
// only some architectures have are marked [qwen2] / [qwen3] and run when their weights exist.
#include <algorithm>
#include <atomic>
#include <cassert>

#include "kv-cache.h"
#include "session-internal.h"
#include "thread-pool.h"

namespace inkstone {

// y (n, rows) = x (n, cols) W^T, split by output rows over the thread pool when the product is
// big enough: the kernel table's matmul, or for a batch of at least f32_fc_min_n tokens the
// weight's prepacked operator (XNNPACK, F32 weights on native builds; its slices are the pool's
// ranges). Should the operator fail, matmul recomputes the whole product.
void session::linear(const linear_op& op, const float* x, int n, float* y) {
  const bool split = int64_t(op.rows) * op.cols * n >= min_split_macs_;
  auto run = [&](auto&& rows) {
    if (split) {
      pool_->parallel_for(op.rows, rows);
    } else {
      rows(int64_t{0}, op.rows);
    }
  };
  if (op.fc != nullptr && n >= kt_->f32_fc_min_n) {
    std::atomic<bool> failed{false};
    run([&](int64_t r0, int64_t r1) {
      if (!kt_->f32_fc_run(op.fc, x, n, y, r0, r1)) failed.store(true, std::memory_order_relaxed);
    });
    if (!failed.load(std::memory_order_relaxed)) return;
  }
  const matmul_fn matmul = kt_->matmul[static_cast<int>(op.format)];
  run([&](int64_t r0, int64_t r1) { matmul(op.w, op.rows, op.cols, x, n, y, r0, r1); });
}

// Causal attention of the chunk's n queries q (n, q_dim) at positions pos0 .. pos0 + n - 1 over
// the cache rows k_cache, v_cache (n_ctx, kv_dim) into att_out (n, q_dim); afterwards att_
// (n_head, n_ctx) holds the last query's weights. Query i sees positions 0 .. pos0 + i, exactly as
// if it were decoded alone.
void session::attention(const float* q, const float* k_cache, const float* v_cache, int pos0, int n,
                        float* att_out) {
  const llama_hparams& hp = model_->hp;
  const attention_shape shape{hp.n_head, hp.n_head_kv, hp.head_dim};
  const int q_dim = hp.n_head * hp.head_dim;
  float* att = att_.data();
  if (n == 1) {
    kt_->f32_attention(q, k_cache, v_cache, pos0 + 1, shape, att, n_ctx_, att_out);
    return;
  }
  // Queries are independent: they are split over the threads, each with its own weights scratch
  // (slot 0's is att_), taken in pairs from both ends so that every range holds about the same
  // causal work. Counted from the back (k = n - 1 - r), k = 0, 1, 2, 3, ... is query n-1, 0, n-2,
  // 1, ...: the last r of the last range is query n - 1, so that range's scratch ends with the
  // last query's weights.
  const size_t att_slot = size_t(hp.n_head) * n_ctx_;
  int last_slot = 0;
  pool_->parallel_for_slots(n, [&](int slot, int64_t r0, int64_t r1) {
    float* att_s = att + size_t(slot) * att_slot;
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t k = n - 1 - r;
      const int64_t i = k % 2 == 0 ? n - 1 - k / 2 : k / 2;
      kt_->f32_attention(q + size_t(i) * q_dim, k_cache, v_cache, pos0 + i + 1, shape, att_s,
                         n_ctx_, att_out + size_t(i) * q_dim);
    }
    if (r1 == n) last_slot = slot;  // one range ends at n: a single writer
  });
  if (last_slot != 0) std::copy_n(att + size_t(last_slot) * att_slot, att_slot, att);
}

// Probe of layer l for the newest token (n_pos positions in the cache): its attention weights
// (n_head, n_pos) of (n_layer, n_head, n_pos) from att_, its query q_last and head outputs out_last
// (q_dim each, of (n_layer, q_dim)).
void session::record_probe_layer(int l, int n_pos, const float* q_last, const float* out_last) {
  const llama_hparams& hp = model_->hp;
  const int q_dim = hp.n_head * hp.head_dim;
  float* dst = probe_att_.data() + size_t(l) * hp.n_head * n_pos;
  for (int h = 0; h < hp.n_head; ++h) {
    for (int j = 0; j < n_pos; ++j) dst[size_t(h) * n_pos + j] = att_[size_t(h) * n_ctx_ + j];
  }
  std::copy_n(q_last, q_dim, probe_q_.data() + size_t(l) * q_dim);
  std::copy_n(out_last, q_dim, probe_out_.data() + size_t(l) * q_dim);
}

status session::forward(const int32_t* tokens, int n, float* all_logits) {
  const llama_hparams& hp = model_->hp;
  const kernel_table& kt = *kt_;
  const int pos0 = position();
  const int n_embd = hp.n_embd;
  const int head_dim = hp.head_dim;
  const int q_dim = hp.n_head * head_dim;      // n_head * head_dim
  const int kv_dim = hp.n_head_kv * head_dim;  // n_head_kv * head_dim
  const int n_ff = hp.n_ff;
  assert(n > 0 && n <= n_batch_ && pos0 + n <= n_ctx_);

  float* x = x_.data();              // (n, n_embd) residual stream
  float* xb = xb_.data();            // (n, n_embd)
  float* xb2 = xb2_.data();          // (n, n_embd)
  float* q = q_.data();              // (n, q_dim)
  float* att_out = att_out_.data();  // (n, q_dim)
  float* hb = hb_.data();            // (n, n_ff)
  float* hb2 = hb2_.data();          // (n, n_ff)
  // RoPE layout: adjacent pairs (llama) or pairs half a head apart (qwen2, qwen3).
  const rope_fn rope = hp.rope == rope_style::neox ? kt.f32_rope_neox : kt.f32_rope;

  // Token embeddings: x[i] = token_embd[tokens[i]].
  const tensor_view& embd = model_->token_embd;  // (n_vocab, n_embd)
  for (int i = 0; i < n; ++i) {
    kt.get_rows[static_cast<int>(to_weight_format(embd.type))](embd.data, n_embd, tokens[i],
                                                               x + size_t(i) * n_embd);
  }

  // Probe: the last token's input embedding (n_embd).
  if (record_attention_) std::copy_n(x + size_t(n - 1) * n_embd, n_embd, probe_embd_.data());

  for (int l = 0; l < hp.n_layer; ++l) {
    const layer_weights& lw = model_->layers[l];
    const linear_op* ops = &linears_[size_t(l) * kNumLayerLinears];
    float* k_cache = kv_->k_row(l, 0);   // (n_ctx, kv_dim)
    float* v_cache = kv_->v_row(l, 0);   // (n_ctx, kv_dim)
    float* k_new = kv_->k_row(l, pos0);  // (n, kv_dim) rows of this chunk
    float* v_new = kv_->v_row(l, pos0);  // (n, kv_dim)

    // Attention norm: xb = rmsnorm(x) * attn_norm                      (n, n_embd)
    const float* attn_norm = reinterpret_cast<const float*>(lw.attn_norm.data);  // (n_embd)
    for (int i = 0; i < n; ++i) {
      kt.f32_rmsnorm(x + size_t(i) * n_embd, attn_norm, n_embd, hp.rms_eps,
                     xb + size_t(i) * n_embd);
    }

    // Projections: q = xb Wq^T (n, q_dim); k, v = xb Wk^T, xb Wv^T straight into the cache.
    linear(ops[kWq], xb, n, q);
    linear(ops[kWk], xb, n, k_new);
    linear(ops[kWv], xb, n, v_new);

    // [qwen2] Biases: q += bq (q_dim), k += bk, v += bv (kv_dim), every row.
    if (lw.bq.data != nullptr) {
      const float* bq = reinterpret_cast<const float*>(lw.bq.data);  // (q_dim)
      const float* bk = reinterpret_cast<const float*>(lw.bk.data);  // (kv_dim)
      const float* bv = reinterpret_cast<const float*>(lw.bv.data);  // (kv_dim)
      for (int i = 0; i < n; ++i) {
        kt.f32_add(q + size_t(i) * q_dim, bq, q_dim);
        kt.f32_add(k_new + size_t(i) * kv_dim, bk, kv_dim);
        kt.f32_add(v_new + size_t(i) * kv_dim, bv, kv_dim);
      }
    }

    // [qwen3] Per-head RMSNorm of q and k: each head_dim slice = rmsnorm(slice) * q/k norm.
    if (lw.attn_q_norm.data != nullptr) {
      const float* q_norm = reinterpret_cast<const float*>(lw.attn_q_norm.data);  // (head_dim)
      const float* k_norm = reinterpret_cast<const float*>(lw.attn_k_norm.data);  // (head_dim)
      for (int r = 0; r < n * hp.n_head; ++r) {  // (n * n_head) q heads
        float* qh = q + size_t(r) * head_dim;
        kt.f32_rmsnorm(qh, q_norm, head_dim, hp.rms_eps, qh);
      }
      for (int r = 0; r < n * hp.n_head_kv; ++r) {  // (n * n_head_kv) k heads
        float* kh = k_new + size_t(r) * head_dim;
        kt.f32_rmsnorm(kh, k_norm, head_dim, hp.rms_eps, kh);
      }
    }

    // RoPE on q (n, n_head, head_dim) and the new k rows (n, n_head_kv, head_dim).
    for (int i = 0; i < n; ++i) {
      const float* cos = rope_cos_.data() + size_t(pos0 + i) * (head_dim / 2);  // (head_dim/2)
      const float* sin = rope_sin_.data() + size_t(pos0 + i) * (head_dim / 2);  // (head_dim/2)
      rope(q + size_t(i) * q_dim, hp.n_head, head_dim, cos, sin);
      rope(k_new + size_t(i) * kv_dim, hp.n_head_kv, head_dim, cos, sin);
    }

    // Causal attention over the cache: att_out (n, q_dim); query i sees 0 .. pos0 + i.
    attention(q, k_cache, v_cache, pos0, n, att_out);

    // Probe: the newest token's attention weights, query and head outputs for this layer.
    if (record_attention_) {
      record_probe_layer(l, pos0 + n, q + size_t(n - 1) * q_dim, att_out + size_t(n - 1) * q_dim);
    }

    // Output projection and residual: x += att_out Wo^T                (n, n_embd)
    linear(ops[kWo], att_out, n, xb2);
    kt.f32_add(x, xb2, size_t(n) * n_embd);

    // FFN norm: xb = rmsnorm(x) * ffn_norm                             (n, n_embd)
    const float* ffn_norm = reinterpret_cast<const float*>(lw.ffn_norm.data);  // (n_embd)
    for (int i = 0; i < n; ++i) {
      kt.f32_rmsnorm(x + size_t(i) * n_embd, ffn_norm, n_embd, hp.rms_eps, xb + size_t(i) * n_embd);
    }

    // SwiGLU: hb = silu(xb Wgate^T) * (xb Wup^T)                       (n, n_ff)
    linear(ops[kWGate], xb, n, hb);
    linear(ops[kWUp], xb, n, hb2);
    kt.f32_silu_mul(hb, hb2, size_t(n) * n_ff);

    // Down projection and residual: x += hb Wdown^T                    (n, n_embd)
    linear(ops[kWDown], hb, n, xb2);
    kt.f32_add(x, xb2, size_t(n) * n_embd);
  }

  // Final norm and logits: every row into all_logits (n, n_vocab), or only the last row.
  const float* out_norm = reinterpret_cast<const float*>(model_->output_norm.data);  // (n_embd)
  const linear_op& out = linears_.back();  // (n_vocab, n_embd)
  const int first = all_logits != nullptr ? 0 : n - 1;
  for (int i = first; i < n; ++i) {
    kt.f32_rmsnorm(x + size_t(i) * n_embd, out_norm, n_embd, hp.rms_eps, xb + size_t(i) * n_embd);
  }
  if (all_logits != nullptr) {
    linear(out, xb, n, all_logits);  // (n, n_vocab)
    std::copy_n(all_logits + size_t(n - 1) * hp.n_vocab, hp.n_vocab, logits_.data());
  } else {
    linear(out, xb + size_t(n - 1) * n_embd, 1, logits_.data());  // (n_vocab)
  }

  tokens_.insert(tokens_.end(), tokens, tokens + n);
  logits_valid_ = true;
  probe_n_pos_ = record_attention_ ? position() : 0;
  return status::success();
}

}  // namespace inkstone
