// Loading a llama-family model (llama, qwen2, qwen3): hyper-parameters from `{arch}.*` metadata,
// weight views by their standard names, validated against docs/model-conventions.md.
#include "inkstone/model.h"

#include <climits>
#include <string>

namespace inkstone {

const char* ggml_type_name(ggml_type t) {
  switch (t) {
    case ggml_type::f32:
      return "f32";
    case ggml_type::f16:
      return "f16";
    case ggml_type::q4_0:
      return "q4_0";
    case ggml_type::q4_1:
      return "q4_1";
    case ggml_type::q5_0:
      return "q5_0";
    case ggml_type::q5_1:
      return "q5_1";
    case ggml_type::q8_0:
      return "q8_0";
    case ggml_type::q4_k:
      return "q4_k";
    case ggml_type::q5_k:
      return "q5_k";
    case ggml_type::q6_k:
      return "q6_k";
  }
  return "unknown";
}

const char* model_arch_name(model_arch a) {
  switch (a) {
    case model_arch::llama:
      return "llama";
    case model_arch::qwen2:
      return "qwen2";
    case model_arch::qwen3:
      return "qwen3";
  }
  return "unknown";
}

bool is_supported_type(uint32_t type_id) {
  switch (static_cast<ggml_type>(type_id)) {
    case ggml_type::f32:
    case ggml_type::f16:
    case ggml_type::q4_0:
    case ggml_type::q4_1:
    case ggml_type::q5_0:
    case ggml_type::q5_1:
    case ggml_type::q8_0:
    case ggml_type::q4_k:
    case ggml_type::q5_k:
    case ggml_type::q6_k:
      return true;
  }
  return false;
}

size_t row_bytes(ggml_type t, int64_t cols) {
  const ggml_type_traits* info = ggml_type_info(static_cast<uint32_t>(t));
  if (cols < 0 || info == nullptr || cols % info->block_size != 0) return 0;
  return static_cast<size_t>(cols / info->block_size) * info->type_size;
}

// ---------------------------------------------------------------- model helpers

int64_t model::n_params() const {
  int64_t n = 0;
  for (const gguf_tensor_info& t : gguf.tensors()) n += static_cast<int64_t>(t.n_elements);
  return n;
}

size_t model::weight_bytes() const {
  size_t n = 0;
  for (const gguf_tensor_info& t : gguf.tensors()) n += static_cast<size_t>(t.n_bytes);
  return n;
}

size_t model::kv_cache_bytes(int n_ctx) const {
  return static_cast<size_t>(hp.n_layer) * static_cast<size_t>(n_ctx) *
         static_cast<size_t>(hp.n_head_kv) * static_cast<size_t>(hp.head_dim) * 2 * sizeof(float);
}

size_t model::scratch_bytes(int n_ctx) const {
  const size_t q = static_cast<size_t>(hp.n_head) * hp.head_dim;
  const size_t kv = static_cast<size_t>(hp.n_head_kv) * hp.head_dim;
  const size_t n_floats = 3 * static_cast<size_t>(hp.n_embd)        // x, xb, xb2
                          + q + 2 * kv                              // q, k, v
                          + static_cast<size_t>(hp.n_head) * n_ctx  // attention scores
                          + 2 * static_cast<size_t>(hp.n_ff)        // gate, up
                          + static_cast<size_t>(hp.n_vocab);        // logits
  return n_floats * sizeof(float);
}

size_t model::estimated_memory(int n_ctx) const {
  return weight_bytes() + kv_cache_bytes(n_ctx) + scratch_bytes(n_ctx);
}

std::string_view model::name() const {
  const gguf_kv* kv = gguf.find("general.name");
  if (!kv || kv->value.type != gguf_type::string) return {};
  return kv->value.str;
}

// ---------------------------------------------------------------- loading

namespace {

// A positive integer hyper-parameter that fits in int.
status read_dim(const gguf_file& g, std::string_view key, int* out) {
  INK_ASSIGN_OR_RETURN(int64_t v, g.get_int(key));
  if (v <= 0 || v > INT_MAX) {
    return make_error(status_code::bad_shape, "metadata key ", key, " = ", v,
                      " is out of range (1..", INT_MAX, ")");
  }
  *out = static_cast<int>(v);
  return {};
}

status read_dim_or(const gguf_file& g, std::string_view key, int fallback, int* out) {
  if (!g.has(key)) {
    *out = fallback;
    return {};
  }
  return read_dim(g, key, out);
}

status read_float_or(const gguf_file& g, std::string_view key, float fallback, float* out) {
  if (!g.has(key)) {
    *out = fallback;
    return {};
  }
  INK_ASSIGN_OR_RETURN(double v, g.get_float(key));
  if (!(v > 0.0) || v > 1e30) {  // also rejects NaN
    return make_error(status_code::bad_shape, "metadata key ", key, " = ", v, " is out of range");
  }
  *out = static_cast<float>(v);
  return {};
}

// Keys are "{arch}." + name (llama.cpp's "%s." keys): "qwen2.block_count", ...
status read_hparams(const gguf_file& g, llama_hparams* hp) {
  const std::string a = std::string(model_arch_name(hp->arch)) + ".";
  INK_TRY(read_dim(g, a + "context_length", &hp->n_ctx));
  INK_TRY(read_dim(g, a + "embedding_length", &hp->n_embd));
  INK_TRY(read_dim(g, a + "block_count", &hp->n_layer));
  INK_TRY(read_dim(g, a + "feed_forward_length", &hp->n_ff));
  INK_TRY(read_dim(g, a + "attention.head_count", &hp->n_head));
  INK_TRY(read_dim_or(g, a + "attention.head_count_kv", hp->n_head, &hp->n_head_kv));
  INK_TRY(read_float_or(g, a + "rope.freq_base", 10000.0f, &hp->rope_base));
  INK_TRY(read_float_or(g, a + "attention.layer_norm_rms_epsilon", 1e-5f, &hp->rms_eps));
  if (!g.has(a + "attention.key_length") && hp->n_embd % hp->n_head != 0) {
    return make_error(status_code::bad_shape, "embedding_length ", hp->n_embd,
                      " is not a multiple of head_count ", hp->n_head);
  }
  if (hp->n_head % hp->n_head_kv != 0) {
    return make_error(status_code::bad_shape, "head_count ", hp->n_head,
                      " is not a multiple of head_count_kv ", hp->n_head_kv);
  }
  INK_TRY(read_dim_or(g, a + "attention.key_length", hp->n_embd / hp->n_head, &hp->head_dim));
  int value_dim = 0;
  INK_TRY(read_dim_or(g, a + "attention.value_length", hp->head_dim, &value_dim));
  if (value_dim != hp->head_dim) {
    return make_error(status_code::bad_shape, "attention.value_length ", value_dim,
                      " differs from key_length ", hp->head_dim);
  }
  if (hp->head_dim % 2 != 0) {
    return make_error(status_code::bad_shape, "head_dim ", hp->head_dim,
                      " is odd (RoPE rotates pairs)");
  }
  // n_head * head_dim floats per query row: keep it an int like every other dimension.
  if (int64_t(hp->n_head) * hp->head_dim > INT_MAX) {
    return make_error(status_code::bad_shape, "head_count * key_length is out of range");
  }
  int rope_dims = 0;
  INK_TRY(read_dim_or(g, a + "rope.dimension_count", hp->head_dim, &rope_dims));
  if (rope_dims != hp->head_dim) {
    return make_error(status_code::bad_shape, "rope.dimension_count ", rope_dims,
                      " differs from head_dim ", hp->head_dim, " (partial RoPE is not supported)");
  }
  // n_vocab: {arch}.vocab_size when present, else the token list length.
  if (g.has(a + "vocab_size")) return read_dim(g, a + "vocab_size", &hp->n_vocab);
  if (!g.has("tokenizer.ggml.tokens")) {
    return make_error(status_code::bad_tokenizer, "neither ", a,
                      "vocab_size nor tokenizer.ggml.tokens is present");
  }
  INK_ASSIGN_OR_RETURN(gguf_array tokens, g.get_array("tokenizer.ggml.tokens"));
  if (tokens.empty() || tokens.size() > static_cast<uint64_t>(INT_MAX)) {
    return make_error(status_code::bad_tokenizer, "tokenizer.ggml.tokens has ", tokens.size(),
                      " entries");
  }
  hp->n_vocab = static_cast<int>(tokens.size());
  return {};
}

enum class tensor_kind { vector, matrix };  // vector: 1-D, F32 (norm weights, biases)

struct tensor_loader {
  const gguf_file& g;

  status get(const std::string& name, tensor_kind kind, int64_t rows, int64_t cols,
             tensor_view* out) const {
    const gguf_tensor_info* t = g.find_tensor(name);
    if (!t) return make_error(status_code::missing_tensor, "tensor ", name, " is missing");
    return view(*t, kind, rows, cols, out);
  }

  status view(const gguf_tensor_info& t, tensor_kind kind, int64_t rows, int64_t cols,
              tensor_view* out) const {
    const std::string ctx = "tensor " + std::string(t.name);
    if (!is_supported_type(t.type_id)) {
      const ggml_type_traits* info = ggml_type_info(t.type_id);
      return make_error(status_code::unsupported_tensor_type, ctx, ": type ",
                        info ? info->name : "unknown", " is not supported");
    }
    const ggml_type type = static_cast<ggml_type>(t.type_id);
    if (kind == tensor_kind::vector) {
      if (type != ggml_type::f32) {
        return make_error(status_code::unsupported_tensor_type, ctx, ": type ",
                          ggml_type_name(type), " is not supported for a 1-D weight (f32 only)");
      }
      if (t.n_dims != 1 || t.ne[0] != cols) {
        return make_error(status_code::bad_shape, ctx, ": shape ", shape_string(t), ", expected (",
                          cols, ")");
      }
    } else if (t.n_dims != 2 || t.ne[0] != cols || t.ne[1] != rows) {
      return make_error(status_code::bad_shape, ctx, ": shape ", shape_string(t), ", expected (",
                        rows, ", ", cols, ")");
    }
    const size_t rb = row_bytes(type, t.ne[0]);
    if (rb == 0 || t.n_bytes != static_cast<uint64_t>(rb) * static_cast<uint64_t>(t.ne[1])) {
      return make_error(status_code::bad_shape, ctx, ": row length ", t.ne[0],
                        " does not fit type ", ggml_type_name(type));
    }
    out->name = t.name;
    out->type = type;
    out->n_dims = t.n_dims;
    for (int d = 0; d < 4; ++d) out->ne[d] = t.ne[d];
    out->data = t.data;
    out->n_bytes = static_cast<size_t>(t.n_bytes);
    return {};
  }

  // "(rows, cols)" in the doc's row-major order.
  static std::string shape_string(const gguf_tensor_info& t) {
    std::string s = "(";
    for (int d = t.n_dims - 1; d >= 0; --d) {
      s += std::to_string(t.ne[d]);
      if (d > 0) s += ", ";
    }
    return s + ")";
  }
};

status load_weights(model& m) {
  const llama_hparams& hp = m.hp;
  const tensor_loader L{m.gguf};
  const int64_t q_dim = static_cast<int64_t>(hp.n_head) * hp.head_dim;
  const int64_t kv_dim = static_cast<int64_t>(hp.n_head_kv) * hp.head_dim;
  INK_TRY(L.get("token_embd.weight", tensor_kind::matrix, hp.n_vocab, hp.n_embd, &m.token_embd));
  INK_TRY(L.get("output_norm.weight", tensor_kind::vector, 1, hp.n_embd, &m.output_norm));
  if (m.gguf.find_tensor("output.weight")) {
    INK_TRY(L.get("output.weight", tensor_kind::matrix, hp.n_vocab, hp.n_embd, &m.output));
    m.tied_output = false;
  } else {
    m.output = m.token_embd;
    m.tied_output = true;
  }
  // Layers are appended as their tensors are found, so the untrusted block_count never sizes an
  // allocation by itself: a file that claims 10^9 layers fails at its first missing tensor.
  m.layers.clear();
  for (int i = 0; i < hp.n_layer; ++i) {
    layer_weights& l = m.layers.emplace_back();
    const std::string p = "blk." + std::to_string(i) + ".";
    INK_TRY(L.get(p + "attn_norm.weight", tensor_kind::vector, 1, hp.n_embd, &l.attn_norm));
    INK_TRY(L.get(p + "attn_q.weight", tensor_kind::matrix, q_dim, hp.n_embd, &l.wq));
    INK_TRY(L.get(p + "attn_k.weight", tensor_kind::matrix, kv_dim, hp.n_embd, &l.wk));
    INK_TRY(L.get(p + "attn_v.weight", tensor_kind::matrix, kv_dim, hp.n_embd, &l.wv));
    if (hp.arch == model_arch::qwen2) {  // q/k/v biases
      INK_TRY(L.get(p + "attn_q.bias", tensor_kind::vector, 1, q_dim, &l.bq));
      INK_TRY(L.get(p + "attn_k.bias", tensor_kind::vector, 1, kv_dim, &l.bk));
      INK_TRY(L.get(p + "attn_v.bias", tensor_kind::vector, 1, kv_dim, &l.bv));
    }
    if (hp.arch == model_arch::qwen3) {  // per-head RMSNorm of q and k
      INK_TRY(L.get(p + "attn_q_norm.weight", tensor_kind::vector, 1, hp.head_dim, &l.attn_q_norm));
      INK_TRY(L.get(p + "attn_k_norm.weight", tensor_kind::vector, 1, hp.head_dim, &l.attn_k_norm));
    }
    INK_TRY(L.get(p + "attn_output.weight", tensor_kind::matrix, hp.n_embd, q_dim, &l.wo));
    INK_TRY(L.get(p + "ffn_norm.weight", tensor_kind::vector, 1, hp.n_embd, &l.ffn_norm));
    INK_TRY(L.get(p + "ffn_gate.weight", tensor_kind::matrix, hp.n_ff, hp.n_embd, &l.w_gate));
    INK_TRY(L.get(p + "ffn_up.weight", tensor_kind::matrix, hp.n_ff, hp.n_embd, &l.w_up));
    INK_TRY(L.get(p + "ffn_down.weight", tensor_kind::matrix, hp.n_embd, hp.n_ff, &l.w_down));
  }
  return {};
}

// general.architecture -> the architecture and its RoPE layout (llama.cpp's
// llama_model_rope_type: NORM for llama, NEOX for qwen2 and qwen3).
status read_architecture(const gguf_file& g, llama_hparams* hp) {
  INK_ASSIGN_OR_RETURN(std::string_view arch, g.get_string("general.architecture"));
  for (model_arch a : {model_arch::llama, model_arch::qwen2, model_arch::qwen3}) {
    if (arch != model_arch_name(a)) continue;
    hp->arch = a;
    hp->rope = a == model_arch::llama ? rope_style::adjacent : rope_style::neox;
    return {};
  }
  return make_error(status_code::unsupported_architecture, "architecture \"", arch,
                    "\" is not supported (llama, qwen2 or qwen3)");
}

status load(std::span<const uint8_t> bytes, const load_options& options, model& m) {
  gguf_parse_options gopt;
  gopt.header_only = options.header_only;
  INK_ASSIGN_OR_RETURN(m.gguf, gguf_file::parse(bytes, gopt));
  INK_TRY(read_architecture(m.gguf, &m.hp));
  INK_TRY_CTX(read_hparams(m.gguf, &m.hp), "hyper-parameters");
  INK_TRY(load_weights(m));
  INK_ASSIGN_OR_RETURN(m.vocab, tokenizer::from_gguf(m.gguf));
  if (m.vocab.n_vocab() != m.hp.n_vocab) {
    return make_error(status_code::bad_tokenizer, "tokenizer has ", m.vocab.n_vocab(),
                      " tokens but the model has n_vocab ", m.hp.n_vocab);
  }
  return {};
}

}  // namespace

result<model> load_model(std::span<const uint8_t> bytes, load_options options) {
  model m;
  INK_TRY_CTX(load(bytes, options, m), "load model");
  return m;
}

}  // namespace inkstone
