// A llama-family model (llama, qwen2, qwen3): hyper-parameters + weight views into the caller's
// GGUF bytes, validated at load (architecture, required keys, tensor presence, shapes vs
// hyper-parameters, types).
// Conventions: docs/model-conventions.md. Shapes are written (rows, cols) = ne[1], ne[0].
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "inkstone/gguf.h"
#include "inkstone/status.h"
#include "inkstone/tokenizer.h"

namespace inkstone {

// Weight types Inkstone runs (ggml ids; block layouts as in ggml, see core/kernels/).
enum class ggml_type : uint32_t {
  f32 = 0,
  f16 = 1,
  q4_0 = 2,
  q4_1 = 3,
  q5_0 = 6,
  q5_1 = 7,
  q8_0 = 8,
  q4_k = 12,
  q5_k = 13,
  q6_k = 14
};

// "f32", "f16", "q4_0", "q4_1", "q5_0", "q5_1", "q8_0", "q4_k", "q5_k", "q6_k"
const char* ggml_type_name(ggml_type t);
// True for the ten ids above.
bool is_supported_type(uint32_t type_id);
// Bytes of one row of `cols` elements (ggml's block sizes, gguf.h's ggml_type_info); 0 when cols
// is not a multiple of the block (32 for Q4_0..Q8_0, 256 for the K-quants; the GGUF reader
// already refuses such a tensor).
size_t row_bytes(ggml_type t, int64_t cols);

struct tensor_view {
  std::string_view name;
  ggml_type type = ggml_type::f32;
  int n_dims = 0;
  int64_t ne[4] = {1, 1, 1, 1};  // innermost first: ne[0] = cols
  const uint8_t* data = nullptr;
  size_t n_bytes = 0;

  int64_t cols() const { return ne[0]; }
  int64_t rows() const { return n_dims > 1 ? ne[1] : 1; }
  int64_t n_elements() const { return ne[0] * ne[1] * ne[2] * ne[3]; }
  size_t row_bytes() const { return inkstone::row_bytes(type, ne[0]); }
  // Bytes of row r (precondition: r < rows()).
  const uint8_t* row(int64_t r) const { return data + static_cast<size_t>(r) * row_bytes(); }
};

// The architectures Inkstone runs (general.architecture); docs/model-conventions.md,
// "Architectures". They share one forward pass with marked variant steps.
enum class model_arch { llama, qwen2, qwen3 };
const char* model_arch_name(model_arch a);  // "llama", "qwen2", "qwen3"

// How RoPE pairs the values of a head: adjacent (x[2i], x[2i+1]) (llama) or half a head apart
// (x[i], x[i + head_dim/2]) (ggml's NEOX mode: qwen2, qwen3).
enum class rope_style { adjacent, neox };

struct llama_hparams {
  model_arch arch = model_arch::llama;
  rope_style rope = rope_style::adjacent;
  int n_vocab = 0;
  int n_ctx = 0;  // llama.context_length (training context)
  int n_embd = 0;
  int n_layer = 0;
  int n_head = 0;
  int n_head_kv = 0;
  int n_ff = 0;
  int head_dim = 0;  // {arch}.attention.key_length, default n_embd / n_head
  float rope_base = 10000.0f;
  float rms_eps = 1e-5f;
};

struct layer_weights {
  tensor_view attn_norm;  // (n_embd)                       F32
  tensor_view wq;         // (n_head*head_dim, n_embd)
  tensor_view wk;         // (n_head_kv*head_dim, n_embd)
  tensor_view wv;         // (n_head_kv*head_dim, n_embd)
  // Variant tensors: present (data != null) exactly when the architecture has them.
  tensor_view bq;           // (n_head*head_dim)     F32  qwen2: q/k/v biases
  tensor_view bk;           // (n_head_kv*head_dim)  F32
  tensor_view bv;           // (n_head_kv*head_dim)  F32
  tensor_view attn_q_norm;  // (head_dim)            F32  qwen3: per-head RMSNorm of q, k
  tensor_view attn_k_norm;  // (head_dim)            F32
  tensor_view wo;           // (n_embd, n_head*head_dim)
  tensor_view ffn_norm;     // (n_embd)                       F32
  tensor_view w_gate;       // (n_ff, n_embd)
  tensor_view w_up;         // (n_ff, n_embd)
  tensor_view w_down;       // (n_embd, n_ff)
};

struct model {
  llama_hparams hp;
  tensor_view token_embd;   // (n_vocab, n_embd)
  tensor_view output_norm;  // (n_embd)  F32
  tensor_view output;       // (n_vocab, n_embd); equals token_embd when tied
  bool tied_output = false;
  std::vector<layer_weights> layers;
  gguf_file gguf;
  tokenizer vocab;

  // Number of weight elements (tied output counted once).
  int64_t n_params() const;
  // Bytes of all tensor data in the file.
  size_t weight_bytes() const;
  // KV cache bytes for n_ctx positions: n_layer * n_ctx * n_head_kv * head_dim * 2 (K,V) * 4.
  size_t kv_cache_bytes(int n_ctx) const;
  // Activation scratch for one token (f32): residual, norms, q/k/v, attention scores over
  // n_ctx per head, ffn hidden, logits.
  size_t scratch_bytes(int n_ctx) const;
  // weights + KV cache + scratch.
  size_t estimated_memory(int n_ctx) const;
  std::string_view name() const;  // general.name or ""
};

struct load_options {
  // Accept a file prefix whose tensor data is missing (tensor_view::data is then null): for
  // inspecting the header of a large file. Never use such a model for inference.
  bool header_only = false;
};

// bytes are owned by the caller and must outlive the model. Errors are prefixed "load model: ".
result<model> load_model(std::span<const uint8_t> bytes, load_options options = {});

}  // namespace inkstone
