// What the trainer keeps between its forward and backward pass (trainer.h). Shapes use
// N = n_seq * n_tok tokens, D = n_embd, F = n_ff, qd = n_head * head_dim, kvd = n_head_kv *
// head_dim, V = n_vocab, T = n_tok.
#pragma once

#include <vector>

namespace inkstone {

struct train_layer_acts {
  std::vector<float> x_in;   // (N, D)   residual stream entering the layer
  std::vector<float> r1;     // (N)      1 / rms of x_in
  std::vector<float> xn1;    // (N, D)   attention norm output
  std::vector<float> q;      // (N, qd)  roped queries
  std::vector<float> k;      // (N, kvd) roped keys
  std::vector<float> v;      // (N, kvd) values
  std::vector<float> att;    // (n_seq, n_head, T, T) softmax weights, 0 above the diagonal
  std::vector<float> ao;     // (N, qd)  attention output, heads side by side
  std::vector<float> x_mid;  // (N, D)   residual after attention
  std::vector<float> r2;     // (N)
  std::vector<float> xn2;    // (N, D)   FFN norm output
  std::vector<float> a;      // (N, F)   gate pre-activation
  std::vector<float> u;      // (N, F)   up projection
  std::vector<float> h;      // (N, F)   silu(a) * u
};

struct train_activations {
  int n_seq = 0, n_tok = 0;
  std::vector<train_layer_acts> layers;
  std::vector<float> x_out;      // (N, D) residual after the last layer
  std::vector<float> rf;         // (N)
  std::vector<float> xnf;        // (N, D) final norm output
  std::vector<float> probs;      // (N, V) softmax of the logits, or with forward(..., d_logits)
                                 //        d loss / d logits in their place
  std::vector<double> row_loss;  // (N)   -log p(target)
  // Backward scratch.
  std::vector<float> dx, dxn;  // (N, D)
  std::vector<float> dao, dq;  // (N, qd)
  std::vector<float> dk, dv;   // (N, kvd)
  std::vector<float> da, du;   // (N, F)
};

// Attention helpers shared by the forward and backward passes (train-forward.cpp).
// xt (hd, T) = the (T, hd) head slice at x, rows stride apart.
void transpose_head(const float* x, int stride, int n_tok, int hd, float* xt);
// out[j] = sum over e = 0 .. hd-1, in order, of a[e] * bt[e * T + j], for j < n.
void dots_across(const float* a, const float* bt, int hd, int n_tok, int n, float* out);

}  // namespace inkstone
