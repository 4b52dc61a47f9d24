// The training forward pass: the llama forward of core/src/forward.cpp over n_seq windows of
// n_tok tokens at once (each window starts at position 0), keeping every activation the backward
// pass needs, then the mean cross-entropy of the next token. Shapes: N = n_seq * n_tok tokens,
// D = n_embd, F = n_ff, qd = n_head * head_dim, kvd = n_head_kv * head_dim, V = n_vocab.
#include <algorithm>
#include <cmath>

#include "inkstone/trainer.h"
#include "thread-pool.h"
#include "train-internal.h"
#include "train-softmax.h"

namespace inkstone {

namespace {

// y (D) = x * r * gain, r = 1 / sqrt(mean(x^2) + eps); returns r.
float rmsnorm_row(const float* x, const float* gain, int d, float eps, float* y) {
  float ss = 0.0f;
  for (int j = 0; j < d; ++j) ss += x[j] * x[j];
  const float r = 1.0f / std::sqrt(ss / float(d) + eps);
  for (int j = 0; j < d; ++j) y[j] = x[j] * r * gain[j];
  return r;
}

// In place on x (n_head, head_dim): (x0, x1) -> (x0 cos - x1 sin, x0 sin + x1 cos) per pair.
void rope_row(float* x, int n_head, int head_dim, const float* cos, const float* sin) {
  for (int h = 0; h < n_head; ++h) {
    float* xh = x + size_t(h) * head_dim;
    for (int i = 0; i < head_dim / 2; ++i) {
      const float x0 = xh[2 * i], x1 = xh[2 * i + 1];
      xh[2 * i] = x0 * cos[i] - x1 * sin[i];
      xh[2 * i + 1] = x0 * sin[i] + x1 * cos[i];
    }
  }
}

void resize(std::vector<float>& v, size_t n) { v.resize(n); }

}  // namespace

// xt (hd, T) = the (T, hd) head slice at x, rows stride apart.
void transpose_head(const float* x, int stride, int n_tok, int hd, float* xt) {
  for (int j = 0; j < n_tok; ++j) {
    for (int e = 0; e < hd; ++e) xt[size_t(e) * n_tok + j] = x[size_t(j) * stride + e];
  }
}

// out[j] = sum over e = 0 .. hd-1, in order, of a[e] * bt[e * T + j], for j < n.
void dots_across(const float* a, const float* bt, int hd, int n_tok, int n, float* __restrict out) {
  std::fill(out, out + n, 0.0f);
  for (int e = 0; e < hd; ++e) {
    const float ae = a[e];
    const float* __restrict b = bt + size_t(e) * n_tok;
    for (int j = 0; j < n; ++j) out[j] += ae * b[j];
  }
}

namespace {

}  // namespace

void trainer::forward(const int32_t* tokens, int n_seq, int n_tok, bool d_logits) {
  const train_config& c = config_;
  train_activations& A = *act_;
  const int N = n_seq * n_tok, D = c.n_embd, F = c.n_ff, V = c.n_vocab;
  const int hd = D / c.n_head, qd = D, kvd = c.n_head_kv * hd, half = hd / 2;
  const int group = c.n_head / c.n_head_kv;  // query heads per kv head
  const float scale = 1.0f / std::sqrt(float(hd));
  const float inv_n = 1.0f / float(N);
  thread_pool& pool = *pool_;

  // Scratch for this batch shape.
  A.n_seq = n_seq;
  A.n_tok = n_tok;
  A.layers.resize(c.n_layer);
  for (train_layer_acts& L : A.layers) {
    for (auto* v : {&L.x_in, &L.xn1, &L.x_mid, &L.xn2}) resize(*v, size_t(N) * D);
    for (auto* v : {&L.r1, &L.r2}) resize(*v, N);
    for (auto* v : {&L.q, &L.ao}) resize(*v, size_t(N) * qd);
    for (auto* v : {&L.k, &L.v}) resize(*v, size_t(N) * kvd);
    for (auto* v : {&L.a, &L.u, &L.h}) resize(*v, size_t(N) * F);
    resize(L.att, size_t(n_seq) * c.n_head * n_tok * n_tok);
  }
  for (auto* v : {&A.x_out, &A.xnf, &A.dx, &A.dxn}) resize(*v, size_t(N) * D);
  resize(A.rf, N);
  resize(A.probs, size_t(N) * V);
  A.row_loss.resize(N);

  // Window s, position i is token t = s * n_tok + i; its input id is tokens[s * (n_tok+1) + i].
  auto input_id = [&](int t) { return tokens[(t / n_tok) * (n_tok + 1) + t % n_tok]; };
  auto target_id = [&](int t) { return tokens[(t / n_tok) * (n_tok + 1) + t % n_tok + 1]; };

  // Token embeddings: x[t] = token_embd[input t]                       (N, D)
  const float* embd = p("token_embd.weight");  // (V, D)
  float* x = A.layers[0].x_in.data();
  for (int t = 0; t < N; ++t) std::copy_n(embd + size_t(input_id(t)) * D, D, x + size_t(t) * D);

  for (int l = 0; l < c.n_layer; ++l) {
    train_layer_acts& L = A.layers[l];
    x = L.x_in.data();

    // Attention norm: xn1 = x * r1 * attn_norm                          (N, D)
    const float* g1 = p("attn_norm.weight", l);
    pool.parallel_for(N, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        L.r1[t] = rmsnorm_row(x + t * D, g1, D, c.rms_eps, L.xn1.data() + t * D);
      }
    });

    // Projections: q = xn1 Wq^T (N, qd); k = xn1 Wk^T, v = xn1 Wv^T (N, kvd)
    matmul(p("attn_q.weight", l), qd, D, L.xn1.data(), N, L.q.data());
    matmul(p("attn_k.weight", l), kvd, D, L.xn1.data(), N, L.k.data());
    matmul(p("attn_v.weight", l), kvd, D, L.xn1.data(), N, L.v.data());

    // RoPE on q (N, n_head, hd) and k (N, n_head_kv, hd) at each token's window position.
    pool.parallel_for(N, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        const size_t pos = size_t(t % n_tok);
        const float* cs = rope_cos_.data() + pos * half;
        const float* sn = rope_sin_.data() + pos * half;
        rope_row(L.q.data() + t * qd, c.n_head, hd, cs, sn);
        rope_row(L.k.data() + t * kvd, c.n_head_kv, hd, cs, sn);
      }
    });

    // Causal attention per (window s, kv head g) and its query heads h: for query i,
    // att[s,h,i,j] = softmax_j<=i(q_i . k_j / sqrt(hd)), ao_i = sum_j att[s,h,i,j] v_j   (N, qd)
    // Each q_i . k_j sums e = 0 .. hd-1 in order; the keys are transposed to kt (hd, T) so the
    // loop runs across j (independent dots) and vectorises.
    pool.parallel_for(int64_t(n_seq) * c.n_head_kv, [&](int64_t b0, int64_t b1) {
      std::vector<float> kt(size_t(hd) * n_tok);
      for (int64_t b = b0; b < b1; ++b) {
        const int s = int(b / c.n_head_kv), g = int(b % c.n_head_kv);
        transpose_head(L.k.data() + size_t(s) * n_tok * kvd + g * hd, kvd, n_tok, hd, kt.data());
        for (int h = g * group; h < (g + 1) * group; ++h) {
          float* att = L.att.data() + (size_t(s) * c.n_head + h) * n_tok * n_tok;  // (T, T)
          for (int i = 0; i < n_tok; ++i) {
            const float* qi = L.q.data() + size_t(s * n_tok + i) * qd + h * hd;
            float* row = att + size_t(i) * n_tok;
            dots_across(qi, kt.data(), hd, n_tok, i + 1, row);
            float mx = -INFINITY;
            for (int j = 0; j <= i; ++j) {
              row[j] *= scale;
              mx = std::max(mx, row[j]);
            }
            float sum = 0.0f;
            for (int j = 0; j <= i; ++j) sum += (row[j] = std::exp(row[j] - mx));
            const float inv = 1.0f / sum;
            for (int j = 0; j <= i; ++j) row[j] *= inv;
            std::fill(row + i + 1, row + n_tok, 0.0f);
            float* out = L.ao.data() + size_t(s * n_tok + i) * qd + h * hd;
            std::fill(out, out + hd, 0.0f);
            for (int j = 0; j <= i; ++j) {
              const float* vj = L.v.data() + size_t(s * n_tok + j) * kvd + g * hd;
              for (int e = 0; e < hd; ++e) out[e] += row[j] * vj[e];
            }
          }
        }
      }
    });

    // Output projection and residual: x_mid = x + ao Wo^T                (N, D)
    matmul(p("attn_output.weight", l), D, qd, L.ao.data(), N, L.x_mid.data());
    for (size_t i = 0; i < size_t(N) * D; ++i) L.x_mid[i] += x[i];

    // FFN norm: xn2 = x_mid * r2 * ffn_norm                              (N, D)
    const float* g2 = p("ffn_norm.weight", l);
    pool.parallel_for(N, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        L.r2[t] = rmsnorm_row(L.x_mid.data() + t * D, g2, D, c.rms_eps, L.xn2.data() + t * D);
      }
    });

    // SwiGLU: a = xn2 Wgate^T, u = xn2 Wup^T, h = silu(a) * u           (N, F)
    matmul(p("ffn_gate.weight", l), F, D, L.xn2.data(), N, L.a.data());
    matmul(p("ffn_up.weight", l), F, D, L.xn2.data(), N, L.u.data());
    for (size_t i = 0; i < size_t(N) * F; ++i) {
      const float a = L.a[i];
      L.h[i] = a / (1.0f + std::exp(-a)) * L.u[i];
    }

    // Down projection and residual: next x = x_mid + h Wdown^T          (N, D)
    float* x_next = l + 1 < c.n_layer ? A.layers[l + 1].x_in.data() : A.x_out.data();
    matmul(p("ffn_down.weight", l), D, F, L.h.data(), N, x_next);
    for (size_t i = 0; i < size_t(N) * D; ++i) x_next[i] += L.x_mid[i];
  }

  // Final norm: xnf = x_out * rf * output_norm                           (N, D)
  const float* gf = p("output_norm.weight");
  pool.parallel_for(N, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      A.rf[t] = rmsnorm_row(A.x_out.data() + t * D, gf, D, c.rms_eps, A.xnf.data() + t * D);
    }
  });

  // Logits = xnf Wout^T (N, V), Wout = output or (tied) token_embd; then per token the softmax
  // probabilities (in place) and -log p(target) = log sum exp(z) - z_target. With d_logits, the
  // backward pass's first step too: d_logits = (softmax - onehot(target)) / N, in place. Done in
  // slices of tokens, so that a slice's logits are still in cache for their softmax.
  const float* w_out = c.tied_output ? p("token_embd.weight") : p("output.weight");
  auto softmax_rows = [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      float* z = A.probs.data() + size_t(t) * V;                                    // (V)
      const float z_target = z[target_id(int(t))];
      float mx;
      const float sum = exp_shifted_sum(z, V, &mx);
      const float inv = 1.0f / sum;
      for (int i = 0; i < V; ++i) z[i] *= inv;
      A.row_loss[t] = std::log(double(sum)) + mx - z_target;
      if (d_logits) {
        z[target_id(int(t))] -= 1.0f;
        for (int i = 0; i < V; ++i) z[i] *= inv_n;
      }
    }
  };
  constexpr int kSlice = 32;
  for (int s0 = 0; s0 < N; s0 += kSlice) {
    const int s1 = std::min(N, s0 + kSlice);
    matmul(w_out, V, D, A.xnf.data() + size_t(s0) * D, s1 - s0, A.probs.data() + size_t(s0) * V);
    pool.parallel_for(s1 - s0, [&](int64_t t0, int64_t t1) { softmax_rows(s0 + t0, s0 + t1); });
  }
}

result<float> trainer::run(std::span<const int32_t> tokens, int n_seq, int n_tok, bool backward_) {
  if (n_seq < 1 || n_tok < 1 || n_tok > config_.n_ctx) {
    return make_error(status_code::invalid_argument,
                      "trainer: need n_seq >= 1 and 1 <= n_tok <= ", config_.n_ctx);
  }
  if (tokens.size() != size_t(n_seq) * size_t(n_tok + 1)) {
    return make_error(status_code::invalid_argument, "trainer: expected ", n_seq * (n_tok + 1),
                      " tokens, got ", tokens.size());
  }
  for (int32_t id : tokens) {
    if (id < 0 || id >= config_.n_vocab) {
      return make_error(status_code::invalid_argument, "trainer: token id ", id,
                        " is outside the vocabulary of ", config_.n_vocab);
    }
  }
  forward(tokens.data(), n_seq, n_tok, backward_);
  // Mean cross-entropy, summed in token order.
  double sum = 0;
  for (double l : act_->row_loss) sum += l;
  const float loss = float(sum / double(act_->row_loss.size()));
  if (backward_) backward(tokens.data(), n_seq, n_tok);
  return loss;
}

result<float> trainer::loss_and_grad(std::span<const int32_t> tokens, int n_seq, int n_tok) {
  return run(tokens, n_seq, n_tok, true);
}

result<float> trainer::loss(std::span<const int32_t> tokens, int n_seq, int n_tok) {
  return run(tokens, n_seq, n_tok, false);
}

}  // namespace inkstone
