// The training backward pass: d loss / d weight for every weight, from the activations the
// forward pass kept (train-forward.cpp), walking its steps in reverse. A name d_z is the gradient
// of the mean cross-entropy with respect to z. Shapes as in train-forward.cpp.
#include <algorithm>
#include <cmath>

#include "inkstone/trainer.h"
#include "thread-pool.h"
#include "train-internal.h"

namespace inkstone {

namespace {

// RMSNorm y = x * r * gain, r = 1 / sqrt(mean(x^2) + eps), backward for N rows of D:
//   d_x += r * (d_y * gain) - x * r^3 * sum_k(d_y_k gain_k x_k) / D,   d_gain += sum_t d_y x r.
void rmsnorm_backward(thread_pool& pool, const float* d_y, const float* x, const float* r,
                      const float* gain, int N, int D, float* d_x, float* d_gain) {
  pool.parallel_for(N, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const float* dy = d_y + t * D;
      const float* xt = x + t * D;
      float dot = 0.0f;
      for (int j = 0; j < D; ++j) dot += dy[j] * gain[j] * xt[j];
      const float rt = r[t], c = rt * rt * rt * dot / float(D);
      float* dx = d_x + t * D;
      for (int j = 0; j < D; ++j) dx[j] += rt * dy[j] * gain[j] - xt[j] * c;
    }
  });
  // Gain gradient: a sum over tokens, in token order.
  for (int t = 0; t < N; ++t) {
    for (int j = 0; j < D; ++j) d_gain[j] += d_y[size_t(t) * D + j] * x[size_t(t) * D + j] * r[t];
  }
}

// RoPE backward: the inverse rotation (x0, x1) -> (x0 cos + x1 sin, -x0 sin + x1 cos).
void rope_backward_row(float* d, int n_head, int head_dim, const float* cos, const float* sin) {
  for (int h = 0; h < n_head; ++h) {
    float* dh = d + size_t(h) * head_dim;
    for (int i = 0; i < head_dim / 2; ++i) {
      const float d0 = dh[2 * i], d1 = dh[2 * i + 1];
      dh[2 * i] = d0 * cos[i] + d1 * sin[i];
      dh[2 * i + 1] = -d0 * sin[i] + d1 * cos[i];
    }
  }
}

}  // namespace

void trainer::backward(const int32_t* tokens, int n_seq, int n_tok) {
  const train_config& c = config_;
  train_activations& A = *act_;
  const int N = n_seq * n_tok, D = c.n_embd, F = c.n_ff, V = c.n_vocab;
  const int hd = D / c.n_head, qd = D, kvd = c.n_head_kv * hd, half = hd / 2;
  const int group = c.n_head / c.n_head_kv;
  const float scale = 1.0f / std::sqrt(float(hd));
  thread_pool& pool = *pool_;
  std::fill(grads_.begin(), grads_.end(), 0.0f);
  // Scratch; each is cleared (or overwritten, du) where a layer first writes it.
  for (auto* v : {&A.dao, &A.dq}) v->resize(size_t(N) * qd);
  for (auto* v : {&A.dk, &A.dv}) v->resize(size_t(N) * kvd);
  for (auto* v : {&A.da, &A.du}) v->resize(size_t(N) * F);

  // d_logits = (softmax - onehot(target)) / N is in A.probs already (forward's last step).

  // Output projection: d_Wout += d_logits^T xnf (V, D); d_xnf = d_logits Wout   (N, D)
  const char* out_name = c.tied_output ? "token_embd.weight" : "output.weight";
  matmul_tn_acc(A.probs.data(), A.xnf.data(), N, V, D, g(out_name));
  std::fill(A.dxn.begin(), A.dxn.end(), 0.0f);
  matmul_nn_acc(A.probs.data(), p(out_name), V, D, N, A.dxn.data());

  // Final norm: d_x = d(x_out)                                           (N, D)
  std::fill(A.dx.begin(), A.dx.end(), 0.0f);
  rmsnorm_backward(pool, A.dxn.data(), A.x_out.data(), A.rf.data(), p("output_norm.weight"), N, D,
                   A.dx.data(), g("output_norm.weight"));

  for (int l = c.n_layer - 1; l >= 0; --l) {
    train_layer_acts& L = A.layers[l];

    // Down projection (x_next = x_mid + h Wdown^T): d_Wdown += d_x^T h; d_h = d_x Wdown (N, F),
    // kept in da until the SwiGLU step; d_x passes on to x_mid unchanged.
    matmul_tn_acc(A.dx.data(), L.h.data(), N, D, F, g("ffn_down.weight", l));
    std::fill(A.da.begin(), A.da.end(), 0.0f);
    matmul_nn_acc(A.dx.data(), p("ffn_down.weight", l), D, F, N, A.da.data());

    // SwiGLU (h = silu(a) u, s = sigmoid(a)): d_u = d_h silu(a); d_a = d_h u s (1 + a (1 - s))
    for (size_t i = 0; i < size_t(N) * F; ++i) {
      const float a = L.a[i], dh = A.da[i];
      const float s = 1.0f / (1.0f + std::exp(-a));
      A.du[i] = dh * a * s;
      A.da[i] = dh * L.u[i] * s * (1.0f + a * (1.0f - s));
    }

    // Gate and up: d_Wgate += d_a^T xn2, d_Wup += d_u^T xn2; d_xn2 = d_a Wgate + d_u Wup (N, D)
    matmul_tn_acc(A.da.data(), L.xn2.data(), N, F, D, g("ffn_gate.weight", l));
    matmul_tn_acc(A.du.data(), L.xn2.data(), N, F, D, g("ffn_up.weight", l));
    std::fill(A.dxn.begin(), A.dxn.end(), 0.0f);
    matmul_nn_acc(A.da.data(), p("ffn_gate.weight", l), F, D, N, A.dxn.data());
    matmul_nn_acc(A.du.data(), p("ffn_up.weight", l), F, D, N, A.dxn.data());

    // FFN norm: d_x += rmsnorm backward; d_x is now d(x_mid)              (N, D)
    rmsnorm_backward(pool, A.dxn.data(), L.x_mid.data(), L.r2.data(), p("ffn_norm.weight", l), N, D,
                     A.dx.data(), g("ffn_norm.weight", l));

    // Output projection (x_mid = x_in + ao Wo^T): d_Wo += d_x^T ao; d_ao = d_x Wo   (N, qd)
    matmul_tn_acc(A.dx.data(), L.ao.data(), N, D, qd, g("attn_output.weight", l));
    std::fill(A.dao.begin(), A.dao.end(), 0.0f);
    matmul_nn_acc(A.dx.data(), p("attn_output.weight", l), D, qd, N, A.dao.data());

    // Attention, per (window s, kv head g), query heads of g in order, for query i and j <= i:
    //   d_att_ij = d_ao_i . v_j                d_v_j += att_ij d_ao_i
    //   d_score_ij = att_ij (d_att_ij - sum_k att_ik d_att_ik)
    //   d_q_i += scale d_score_ij k_j          d_k_j += scale d_score_ij q_i
    // Each task owns its rows of d_q and its kv head's columns of d_k, d_v.
    std::fill(A.dq.begin(), A.dq.end(), 0.0f);
    std::fill(A.dk.begin(), A.dk.end(), 0.0f);
    std::fill(A.dv.begin(), A.dv.end(), 0.0f);
    // The dots d_ao_i . v_j run across j over v transposed (vt, as the forward pass does keys).
    pool.parallel_for(int64_t(n_seq) * c.n_head_kv, [&](int64_t b0, int64_t b1) {
      std::vector<float> d_att(n_tok), vt(size_t(hd) * n_tok);
      for (int64_t b = b0; b < b1; ++b) {
        const int s = int(b / c.n_head_kv), gk = int(b % c.n_head_kv);
        transpose_head(L.v.data() + size_t(s) * n_tok * kvd + gk * hd, kvd, n_tok, hd, vt.data());
        for (int h = gk * group; h < (gk + 1) * group; ++h) {
          const float* att = L.att.data() + (size_t(s) * c.n_head + h) * n_tok * n_tok;
          for (int i = 0; i < n_tok; ++i) {
            const size_t ti = size_t(s * n_tok + i);
            const float* row = att + size_t(i) * n_tok;
            const float* dao = A.dao.data() + ti * qd + h * hd;
            dots_across(dao, vt.data(), hd, n_tok, i + 1, d_att.data());
            float dot_sum = 0.0f;
            for (int j = 0; j <= i; ++j) {
              const size_t tj = size_t(s * n_tok + j);
              float* dvj = A.dv.data() + tj * kvd + gk * hd;
              for (int e = 0; e < hd; ++e) dvj[e] += row[j] * dao[e];
              dot_sum += row[j] * d_att[j];
            }
            const float* qi = L.q.data() + ti * qd + h * hd;
            float* dqi = A.dq.data() + ti * qd + h * hd;
            for (int j = 0; j <= i; ++j) {
              const size_t tj = size_t(s * n_tok + j);
              const float ds = row[j] * (d_att[j] - dot_sum) * scale;
              const float* kj = L.k.data() + tj * kvd + gk * hd;
              float* dkj = A.dk.data() + tj * kvd + gk * hd;
              for (int e = 0; e < hd; ++e) {
                dqi[e] += ds * kj[e];
                dkj[e] += ds * qi[e];
              }
            }
          }
        }
      }
    });

    // RoPE backward on d_q and d_k: rotate back by each token's angle.
    pool.parallel_for(N, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        const size_t pos = size_t(t % n_tok);
        const float* cs = rope_cos_.data() + pos * half;
        const float* sn = rope_sin_.data() + pos * half;
        rope_backward_row(A.dq.data() + t * qd, c.n_head, hd, cs, sn);
        rope_backward_row(A.dk.data() + t * kvd, c.n_head_kv, hd, cs, sn);
      }
    });

    // Projections: d_Wq += d_q^T xn1, d_Wk, d_Wv alike; d_xn1 = d_q Wq + d_k Wk + d_v Wv (N, D)
    matmul_tn_acc(A.dq.data(), L.xn1.data(), N, qd, D, g("attn_q.weight", l));
    matmul_tn_acc(A.dk.data(), L.xn1.data(), N, kvd, D, g("attn_k.weight", l));
    matmul_tn_acc(A.dv.data(), L.xn1.data(), N, kvd, D, g("attn_v.weight", l));
    std::fill(A.dxn.begin(), A.dxn.end(), 0.0f);
    matmul_nn_acc(A.dq.data(), p("attn_q.weight", l), qd, D, N, A.dxn.data());
    matmul_nn_acc(A.dk.data(), p("attn_k.weight", l), kvd, D, N, A.dxn.data());
    matmul_nn_acc(A.dv.data(), p("attn_v.weight", l), kvd, D, N, A.dxn.data());

    // Attention norm: d_x += rmsnorm backward; d_x is now d(x_in)          (N, D)
    rmsnorm_backward(pool, A.dxn.data(), L.x_in.data(), L.r1.data(), p("attn_norm.weight", l), N, D,
                     A.dx.data(), g("attn_norm.weight", l));
  }

  // Embedding: d_token_embd[input t] += d_x[t], in token order (after the tied output's part).
  float* d_embd = g("token_embd.weight");
  for (int t = 0; t < N; ++t) {
    const int32_t id = tokens[(t / n_tok) * (n_tok + 1) + t % n_tok];
    float* dst = d_embd + size_t(id) * D;
    const float* src = A.dx.data() + size_t(t) * D;
    for (int j = 0; j < D; ++j) dst[j] += src[j];
  }
}

}  // namespace inkstone
