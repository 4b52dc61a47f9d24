// Model loading: hyper-parameters, tensor views, tied output, validation messages; fp16; the
// qwen2 / qwen3 variants (key prefix, key_length, biases, q/k norms, RoPE layout).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "gguf-builder.h"
#include "inkstone/fp16.h"
#include "inkstone/model.h"

using namespace inkstone;
using namespace inkstone::test;

namespace {

struct tiny_spec {
  int n_vocab = 40, n_ctx = 16, n_embd = 64, n_layer = 2, n_head = 4, n_head_kv = 2, n_ff = 96;
  uint32_t wtype = 0;  // ggml type of the 2-D weights
  uint32_t norm_type = 0;
  bool tied = true;
  bool write_optional = true;   // head_count_kv, rope, eps
  std::string skip_tensor;      // leave this tensor out
  std::string bad_type_tensor;  // give this tensor type iq4_nl (20: known to ggml, not run here)
  std::string arch = "llama";   // general.architecture and the key prefix
  std::string key_prefix;       // keys under this prefix instead of arch's, when set
  int key_length = 0;           // written as {arch}.attention.key_length when > 0
  int value_length = 0;         // written as {arch}.attention.value_length when > 0
  int bias_cols = 0;            // qwen2: q bias length, when not n_head * head_dim
};

// Bytes of a (rows, cols) tensor of ggml type t (computed here, independently of row_bytes()).
size_t tensor_bytes(uint32_t t, int64_t rows, int64_t cols) {
  const int64_t n = rows * cols;
  switch (t) {
    case 0:
      return static_cast<size_t>(n * 4);
    case 1:
      return static_cast<size_t>(n * 2);
    case 2:
      return static_cast<size_t>(n / 32 * 18);
    case 3:
      return static_cast<size_t>(n / 32 * 20);
    case 6:
      return static_cast<size_t>(n / 32 * 22);
    case 7:
      return static_cast<size_t>(n / 32 * 24);
    case 8:
      return static_cast<size_t>(n / 32 * 34);
    case 20:  // iq4_nl
      return static_cast<size_t>(n / 32 * 18);
  }
  return 0;
}

bytes_t tiny_model(const tiny_spec& s) {
  gguf_builder b;
  const int hd = s.key_length > 0 ? s.key_length : s.n_embd / s.n_head;
  const std::string a = (s.key_prefix.empty() ? s.arch : s.key_prefix) + ".";
  b.kv_string("general.architecture", s.arch).kv_string("general.name", "tiny");
  b.kv_u32(a + "context_length", s.n_ctx)
      .kv_u32(a + "embedding_length", s.n_embd)
      .kv_u32(a + "block_count", s.n_layer)
      .kv_u32(a + "feed_forward_length", s.n_ff)
      .kv_u32(a + "attention.head_count", s.n_head);
  if (s.write_optional) {
    b.kv_u32(a + "attention.head_count_kv", s.n_head_kv)
        .kv_f32(a + "rope.freq_base", 50000.0f)
        .kv_u32(a + "rope.dimension_count", hd)
        .kv_f32(a + "attention.layer_norm_rms_epsilon", 1e-6f);
  }
  if (s.key_length > 0) b.kv_u32(a + "attention.key_length", s.key_length);
  if (s.value_length > 0) b.kv_u32(a + "attention.value_length", s.value_length);
  std::vector<std::string> pieces = {"<unk>", "<s>", "</s>"};
  while (static_cast<int>(pieces.size()) < s.n_vocab)
    pieces.push_back("p" + std::to_string(pieces.size()));
  b.kv_string("tokenizer.ggml.model", "llama").kv_strings("tokenizer.ggml.tokens", pieces);
  b.kv_u32("tokenizer.ggml.bos_token_id", 1).kv_u32("tokenizer.ggml.eos_token_id", 2);

  // Each tensor's bytes are filled with its index so views can be checked.
  uint8_t fill = 0;
  auto add = [&](const std::string& name, bool norm, int64_t rows, int64_t cols) {
    if (name == s.skip_tensor) return;
    uint32_t t = norm ? s.norm_type : s.wtype;
    if (name == s.bad_type_tensor) t = 20;
    const bytes_t data(tensor_bytes(t, rows, cols), ++fill);
    if (norm) {
      b.tensor(name, t, {static_cast<uint64_t>(cols)}, data);
      return;
    }
    b.tensor(name, t, {static_cast<uint64_t>(cols), static_cast<uint64_t>(rows)}, data);
  };
  add("token_embd.weight", false, s.n_vocab, s.n_embd);
  for (int i = 0; i < s.n_layer; ++i) {
    const std::string p = "blk." + std::to_string(i) + ".";
    add(p + "attn_norm.weight", true, 1, s.n_embd);
    add(p + "attn_q.weight", false, s.n_head * hd, s.n_embd);
    add(p + "attn_k.weight", false, s.n_head_kv * hd, s.n_embd);
    add(p + "attn_v.weight", false, s.n_head_kv * hd, s.n_embd);
    if (s.arch == "qwen2") {
      add(p + "attn_q.bias", true, 1, s.bias_cols > 0 ? s.bias_cols : s.n_head * hd);
      add(p + "attn_k.bias", true, 1, s.n_head_kv * hd);
      add(p + "attn_v.bias", true, 1, s.n_head_kv * hd);
    }
    if (s.arch == "qwen3") {
      add(p + "attn_q_norm.weight", true, 1, hd);
      add(p + "attn_k_norm.weight", true, 1, hd);
    }
    add(p + "attn_output.weight", false, s.n_embd, s.n_head * hd);
    add(p + "ffn_norm.weight", true, 1, s.n_embd);
    add(p + "ffn_gate.weight", false, s.n_ff, s.n_embd);
    add(p + "ffn_up.weight", false, s.n_ff, s.n_embd);
    add(p + "ffn_down.weight", false, s.n_embd, s.n_ff);
  }
  add("output_norm.weight", true, 1, s.n_embd);
  if (!s.tied) add("output.weight", false, s.n_vocab, s.n_embd);
  return b.build();
}

}  // namespace

TEST_CASE("model: row bytes of each weight type") {
  CHECK(row_bytes(ggml_type::f32, 64) == 256);
  CHECK(row_bytes(ggml_type::f16, 64) == 128);
  CHECK(row_bytes(ggml_type::q8_0, 64) == 68);
  CHECK(row_bytes(ggml_type::q4_0, 64) == 36);
  CHECK(row_bytes(ggml_type::q4_1, 64) == 40);
  CHECK(row_bytes(ggml_type::q5_0, 64) == 44);
  CHECK(row_bytes(ggml_type::q5_1, 64) == 48);
  CHECK(row_bytes(ggml_type::q6_k, 512) == 420);
  CHECK(row_bytes(ggml_type::q4_k, 96) == 0);
  CHECK(row_bytes(ggml_type::q8_0, 48) == 0);  // not a whole number of blocks
  CHECK(row_bytes(ggml_type::f32, 3) == 12);
  for (uint32_t id : {0u, 1u, 2u, 3u, 6u, 7u, 8u, 12u, 13u, 14u}) CHECK(is_supported_type(id));
  for (uint32_t id : {4u, 5u, 9u, 10u, 11u, 15u, 20u, 30u, 99u}) CHECK_FALSE(is_supported_type(id));
}

TEST_CASE("model: an in-test llama of each weight type loads with views into the bytes") {
  for (uint32_t wtype : {0u, 1u, 2u, 3u, 6u, 7u, 8u}) {
    for (bool tied : {true, false}) {
      CAPTURE(wtype);
      CAPTURE(tied);
      tiny_spec s;
      s.wtype = wtype;
      s.tied = tied;
      const bytes_t file = tiny_model(s);
      auto r = load_model(file);
      REQUIRE_MESSAGE(r.ok(), r.error().to_string());
      const model& m = r.value();
      CHECK(m.hp.n_vocab == 40);
      CHECK(m.hp.n_ctx == 16);
      CHECK(m.hp.n_embd == 64);
      CHECK(m.hp.n_layer == 2);
      CHECK(m.hp.n_head == 4);
      CHECK(m.hp.n_head_kv == 2);
      CHECK(m.hp.head_dim == 16);
      CHECK(m.hp.n_ff == 96);
      CHECK(m.hp.rope_base == 50000.0f);
      CHECK(m.hp.rms_eps == 1e-6f);
      CHECK(m.name() == "tiny");
      CHECK(m.tied_output == tied);
      REQUIRE(m.layers.size() == 2);
      CHECK(static_cast<uint32_t>(m.layers[1].w_down.type) == wtype);
      CHECK(m.layers[1].attn_norm.type == ggml_type::f32);
      CHECK(m.layers[0].wk.rows() == 32);
      CHECK(m.layers[0].wk.cols() == 64);
      CHECK(m.layers[0].w_down.rows() == 64);
      CHECK(m.layers[0].w_down.cols() == 96);
      CHECK(m.output_norm.rows() == 1);
      CHECK(m.token_embd.n_bytes == tensor_bytes(wtype, 40, 64));
      CHECK(m.token_embd.row_bytes() * 40 == m.token_embd.n_bytes);
      // Views point into the caller's buffer, at the bytes written for that tensor: token_embd
      // was filled with 1, blk.0.attn_norm with 2, blk.0.attn_q with 3.
      CHECK(m.token_embd.data >= file.data());
      CHECK(m.token_embd.data + m.token_embd.n_bytes <= file.data() + file.size());
      CHECK(m.token_embd.data[0] == 1);
      CHECK(m.layers[0].attn_norm.data[0] == 2);
      CHECK(m.layers[0].wq.data[m.layers[0].wq.n_bytes - 1] == 3);
      if (tied) {
        CHECK(m.output.data == m.token_embd.data);
        CHECK(m.output.name == "token_embd.weight");
      } else {
        CHECK(m.output.data != m.token_embd.data);
        CHECK(m.output.name == "output.weight");
      }
      // Parameters: embd + per layer (q,k,v,o,ffn x3, 2 norms) + output norm (+ output).
      const int64_t per_layer = 64 * 64 + 2 * 32 * 64 + 64 * 64 + 3 * 96 * 64 + 2 * 64;
      const int64_t want = 40 * 64 + 2 * per_layer + 64 + (tied ? 0 : 40 * 64);
      CHECK(m.n_params() == want);
      // KV cache: n_layer * n_ctx * n_head_kv * head_dim * 2 * 4 bytes.
      CHECK(m.kv_cache_bytes(16) == 2u * 16 * 2 * 16 * 2 * 4);
      CHECK(m.estimated_memory(16) ==
            m.weight_bytes() + m.kv_cache_bytes(16) + m.scratch_bytes(16));
    }
  }
}

TEST_CASE("model: qwen2 reads qwen2.* keys, its q/k/v biases, and rotates NEOX pairs") {
  tiny_spec s;
  s.arch = "qwen2";
  const bytes_t file = tiny_model(s);
  auto r = load_model(file);
  REQUIRE_MESSAGE(r.ok(), r.error().to_string());
  const model& m = r.value();
  CHECK(m.hp.arch == model_arch::qwen2);
  CHECK(std::string(model_arch_name(m.hp.arch)) == "qwen2");
  CHECK(m.hp.rope == rope_style::neox);
  CHECK(m.hp.rope_base == 50000.0f);
  CHECK(m.hp.head_dim == 16);
  for (const layer_weights& l : m.layers) {
    CHECK(l.bq.cols() == 64);  // n_head * head_dim
    CHECK(l.bk.cols() == 32);  // n_head_kv * head_dim
    CHECK(l.bv.cols() == 32);
    CHECK(l.bq.type == ggml_type::f32);
    CHECK(l.bq.data >= file.data());
    CHECK(l.attn_q_norm.data == nullptr);
    CHECK(l.attn_k_norm.data == nullptr);
  }
  // blk.0: token_embd 1, attn_norm 2, q 3, k 4, v 5, then the biases 6, 7, 8.
  CHECK(m.layers[0].bq.data[0] == 6);
  CHECK(m.layers[0].bv.data[0] == 8);
}

TEST_CASE("model: qwen3 reads key_length (q_dim != n_embd) and per-head q/k norms") {
  tiny_spec s;
  s.arch = "qwen3";
  s.key_length = 32;  // 4 heads of 32 = 128 query rows for n_embd 64, as Qwen3 0.6B does
  auto r = load_model(tiny_model(s));
  REQUIRE_MESSAGE(r.ok(), r.error().to_string());
  const model& m = r.value();
  CHECK(m.hp.arch == model_arch::qwen3);
  CHECK(m.hp.rope == rope_style::neox);
  CHECK(m.hp.head_dim == 32);
  CHECK(m.layers[1].wq.rows() == 128);
  CHECK(m.layers[1].wq.cols() == 64);
  CHECK(m.layers[1].wk.rows() == 64);  // 2 kv heads of 32
  CHECK(m.layers[1].wo.rows() == 64);
  CHECK(m.layers[1].wo.cols() == 128);
  CHECK(m.layers[1].attn_q_norm.cols() == 32);
  CHECK(m.layers[1].attn_k_norm.cols() == 32);
  CHECK(m.layers[1].bq.data == nullptr);
  CHECK(m.kv_cache_bytes(16) == 2u * 16 * 2 * 32 * 2 * 4);
}

TEST_CASE("model: llama stays adjacent-pair RoPE and does not look for variant tensors") {
  auto r = load_model(tiny_model(tiny_spec{}));
  REQUIRE_MESSAGE(r.ok(), r.error().to_string());
  CHECK(r.value().hp.arch == model_arch::llama);
  CHECK(r.value().hp.rope == rope_style::adjacent);
  CHECK(r.value().layers[0].bq.data == nullptr);
  CHECK(r.value().layers[0].attn_q_norm.data == nullptr);
}

TEST_CASE("model: a qwen file without its architecture's tensors or keys fails clearly") {
  SUBCASE("qwen2 without a bias") {
    tiny_spec s;
    s.arch = "qwen2";
    s.skip_tensor = "blk.1.attn_k.bias";
    auto r = load_model(tiny_model(s));
    CHECK(r.code() == status_code::missing_tensor);
    CHECK(r.error().message == "load model: tensor blk.1.attn_k.bias is missing");
  }
  SUBCASE("qwen3 without a q norm") {
    tiny_spec s;
    s.arch = "qwen3";
    s.skip_tensor = "blk.0.attn_q_norm.weight";
    auto r = load_model(tiny_model(s));
    CHECK(r.code() == status_code::missing_tensor);
    CHECK(r.error().message == "load model: tensor blk.0.attn_q_norm.weight is missing");
  }
  SUBCASE("qwen2 bias of the wrong length") {
    tiny_spec s;
    s.arch = "qwen2";
    s.bias_cols = 32;
    auto r = load_model(tiny_model(s));
    CHECK(r.code() == status_code::bad_shape);
    CHECK(r.error().message == "load model: tensor blk.0.attn_q.bias: shape (32), expected (64)");
  }
  SUBCASE("qwen2 bias not f32") {
    tiny_spec s;
    s.arch = "qwen2";
    s.norm_type = 1;  // every 1-D tensor f16; the first is blk.0.attn_norm.weight
    auto r = load_model(tiny_model(s));
    CHECK(r.code() == status_code::unsupported_tensor_type);
  }
  SUBCASE("qwen2 with llama.* keys") {
    tiny_spec s;
    s.arch = "qwen2";
    s.key_prefix = "llama";
    auto r = load_model(tiny_model(s));
    CHECK(r.code() == status_code::missing_key);
    CHECK(r.error().message.find("qwen2.context_length") != std::string::npos);
  }
  SUBCASE("value_length differs from key_length") {
    tiny_spec s;
    s.arch = "qwen3";
    s.key_length = 32;
    s.value_length = 16;
    auto r = load_model(tiny_model(s));
    CHECK(r.code() == status_code::bad_shape);
    CHECK(r.error().message.find("value_length 16 differs from key_length 32") !=
          std::string::npos);
  }
  SUBCASE("unknown architecture") {
    tiny_spec s;
    s.arch = "qwen2moe";
    auto r = load_model(tiny_model(s));
    CHECK(r.code() == status_code::unsupported_architecture);
    CHECK(r.error().message ==
          "load model: architecture \"qwen2moe\" is not supported (llama, qwen2 or qwen3)");
  }
}

TEST_CASE("model: the qwen fixtures load as their architecture") {
  for (const char* name :
       {"tiny-qwen2-a-f32", "tiny-qwen2-b-q8_0", "tiny-qwen3-a-f32", "tiny-qwen3-b-q8_0"}) {
    CAPTURE(name);
    const bytes_t file =
        read_file_bytes(std::string(INK_SOURCE_DIR) + "/tests/fixtures/models/" + name + ".gguf");
    auto r = load_model(file);
    REQUIRE_MESSAGE(r.ok(), r.error().to_string());
    const bool qwen3 = std::string(name).find("qwen3") != std::string::npos;
    CHECK(r.value().hp.arch == (qwen3 ? model_arch::qwen3 : model_arch::qwen2));
    CHECK(r.value().vocab.n_vocab() == r.value().hp.n_vocab);
  }
}

TEST_CASE("model: defaults for optional hyper-parameters") {
  tiny_spec s;
  s.write_optional = false;
  s.n_head_kv = s.n_head;  // tensors for the default head_count_kv
  auto r = load_model(tiny_model(s));
  REQUIRE_MESSAGE(r.ok(), r.error().to_string());
  CHECK(r.value().hp.n_head_kv == 4);
  CHECK(r.value().hp.rope_base == 10000.0f);
  CHECK(r.value().hp.rms_eps == 1e-5f);
}

TEST_CASE("model: validation errors name the tensor") {
  SUBCASE("unsupported type") {
    tiny_spec s;
    s.wtype = 8;
    s.bad_type_tensor = "blk.1.ffn_up.weight";
    auto r = load_model(tiny_model(s));
    CHECK(r.code() == status_code::unsupported_tensor_type);
    CHECK(r.error().message ==
          "load model: tensor blk.1.ffn_up.weight: type iq4_nl is not supported");
  }
  SUBCASE("missing tensor") {
    tiny_spec s;
    s.skip_tensor = "blk.1.attn_v.weight";
    auto r = load_model(tiny_model(s));
    CHECK(r.code() == status_code::missing_tensor);
    CHECK(r.error().message.find("blk.1.attn_v.weight") != std::string::npos);
  }
  SUBCASE("norm not f32") {
    tiny_spec s;
    s.norm_type = 1;
    auto r = load_model(tiny_model(s));
    CHECK(r.code() == status_code::unsupported_tensor_type);
    CHECK(r.error().message ==
          "load model: tensor output_norm.weight: type f16 is not supported for a 1-D weight "
          "(f32 only)");
  }
  SUBCASE("shape mismatch") {
    // Tensors written for head_count_kv 4 (k/v have 64 rows), metadata patched to say 2.
    tiny_spec s;
    s.n_head_kv = 4;
    bytes_t file = tiny_model(s);
    const std::string key = "llama.attention.head_count_kv";
    auto pos = std::search(file.begin(), file.end(), key.begin(), key.end());
    REQUIRE(pos != file.end());
    const size_t value_at = static_cast<size_t>(pos - file.begin()) + key.size() + 4;
    REQUIRE(file[value_at] == 4);
    file[value_at] = 2;
    auto bad = load_model(file);
    CHECK(bad.code() == status_code::bad_shape);
    CHECK(bad.error().message ==
          "load model: tensor blk.0.attn_k.weight: shape (64, 64), expected (32, 64)");
  }
  SUBCASE("architecture") {
    gguf_builder b;
    b.kv_string("general.architecture", "gpt2");
    auto r = load_model(b.build());
    CHECK(r.code() == status_code::unsupported_architecture);
  }
  SUBCASE("no architecture key") {
    gguf_builder b;
    CHECK(load_model(b.build()).code() == status_code::missing_key);
  }
}

TEST_CASE("model: the fixture models load with the generator's hyper-parameters") {
  // From tools/fixtures/make_fixtures.py: TINY = 64 wide, 2 layers, 4 heads, 2 kv heads,
  // n_ff 128, n_ctx 64; the llama vocabulary has 338 tokens, the gpt2 one 317; MICRO = 32 wide,
  // 1 layer, 2 heads, 1 kv head, n_ff 64, n_ctx 32, 263 tokens.
  struct row {
    const char* file;
    int n_vocab, n_ctx, n_embd, n_layer, n_head, n_head_kv, n_ff;
    float rope_base, rms_eps;
    bool tied;
    tokenizer_kind kind;
    ggml_type wtype;
  };
  const row rows[] = {
      {"tiny-llama-f32.gguf", 338, 64, 64, 2, 4, 2, 128, 10000.f, 1e-5f, true,
       tokenizer_kind::llama, ggml_type::f32},
      {"tiny-llama-f16.gguf", 338, 64, 64, 2, 4, 2, 128, 10000.f, 1e-5f, true,
       tokenizer_kind::llama, ggml_type::f16},
      {"tiny-llama-q8_0.gguf", 338, 64, 64, 2, 4, 2, 128, 10000.f, 1e-5f, true,
       tokenizer_kind::llama, ggml_type::q8_0},
      {"tiny-llama-q4_0.gguf", 338, 64, 64, 2, 4, 2, 128, 10000.f, 1e-5f, true,
       tokenizer_kind::llama, ggml_type::q4_0},
      {"tiny-llama-align64-q4_0.gguf", 338, 64, 64, 2, 4, 2, 128, 10000.f, 1e-5f, true,
       tokenizer_kind::llama, ggml_type::q4_0},
      {"tiny-gpt2-f32.gguf", 317, 64, 64, 2, 4, 2, 128, 10000.f, 1e-5f, true, tokenizer_kind::gpt2,
       ggml_type::f32},
      {"tiny-gqa-untied-q8_0.gguf", 338, 48, 64, 2, 4, 1, 128, 50000.f, 1e-6f, false,
       tokenizer_kind::llama, ggml_type::q8_0},
      {"tiny-llama-defaults-f32.gguf", 338, 64, 64, 2, 4, 4, 128, 10000.f, 1e-5f, true,
       tokenizer_kind::llama, ggml_type::f32},
      {"micro-q8_0.gguf", 263, 32, 32, 1, 2, 1, 64, 10000.f, 1e-5f, true, tokenizer_kind::llama,
       ggml_type::q8_0},
  };
  for (const row& w : rows) {
    CAPTURE(w.file);
    const bytes_t file = read_file_bytes(fixture_path(std::string("models/") + w.file));
    REQUIRE(!file.empty());
    auto r = load_model(file);
    REQUIRE_MESSAGE(r.ok(), r.error().to_string());
    const model& m = r.value();
    CHECK(m.hp.n_vocab == w.n_vocab);
    CHECK(m.hp.n_ctx == w.n_ctx);
    CHECK(m.hp.n_embd == w.n_embd);
    CHECK(m.hp.n_layer == w.n_layer);
    CHECK(m.hp.n_head == w.n_head);
    CHECK(m.hp.n_head_kv == w.n_head_kv);
    CHECK(m.hp.n_ff == w.n_ff);
    CHECK(m.hp.head_dim == w.n_embd / w.n_head);
    CHECK(m.hp.rope_base == w.rope_base);
    CHECK(m.hp.rms_eps == w.rms_eps);
    CHECK(m.tied_output == w.tied);
    CHECK(m.vocab.kind() == w.kind);
    CHECK(m.vocab.n_vocab() == w.n_vocab);
    CHECK(m.layers[0].wq.type == w.wtype);
    CHECK(m.output_norm.type == ggml_type::f32);
    if (std::string(w.file).find("align64") != std::string::npos) {
      CHECK(m.gguf.alignment() == 64);
    }
  }
}

TEST_CASE("fp16: every half value survives half -> float -> half") {
  for (uint32_t h = 0; h < 65536; ++h) {
    const float f = fp16_to_fp32(static_cast<uint16_t>(h));
    if (std::isnan(f)) {
      CHECK(std::isnan(fp16_to_fp32(fp32_to_fp16(f))));
      continue;
    }
    CHECK(fp32_to_fp16(f) == h);
  }
}

TEST_CASE("fp16: known values and rounding") {
  // Hand-computed: 1.0 = 0x3C00, -2 = 0xC000, 65504 = 0x7BFF (max), 2^-24 = 0x0001 (min
  // subnormal), 2^-14 = 0x0400 (min normal).
  CHECK(fp16_to_fp32(0x3C00) == 1.0f);
  CHECK(fp16_to_fp32(0xC000) == -2.0f);
  CHECK(fp16_to_fp32(0x7BFF) == 65504.0f);
  CHECK(fp16_to_fp32(0x0001) == std::ldexp(1.0f, -24));
  CHECK(fp16_to_fp32(0x0400) == std::ldexp(1.0f, -14));
  CHECK(std::isinf(fp16_to_fp32(0x7C00)));
  CHECK(fp32_to_fp16(1.0f) == 0x3C00);
  CHECK(fp32_to_fp16(65504.0f) == 0x7BFF);
  CHECK(fp32_to_fp16(65519.0f) == 0x7BFF);  // below the halfway point to 65536
  CHECK(fp32_to_fp16(65520.0f) == 0x7C00);  // rounds to infinity
  CHECK(fp32_to_fp16(1e10f) == 0x7C00);
  // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties to even -> 1.0.
  CHECK(fp32_to_fp16(1.0f + std::ldexp(1.0f, -11)) == 0x3C00);
  // 1 + 3*2^-11 is halfway between 1+2^-10 (odd) and 1+2^-9 (even) -> 0x3C02.
  CHECK(fp32_to_fp16(1.0f + 3 * std::ldexp(1.0f, -11)) == 0x3C02);
  CHECK(fp32_to_fp16(std::ldexp(1.0f, -25)) == 0x0000);         // tie -> even 0
  CHECK(fp32_to_fp16(std::ldexp(1.0f, -25) * 1.5f) == 0x0001);  // above half
  CHECK(fp32_to_fp16(std::ldexp(3.0f, -25)) == 0x0002);         // 1.5 ulp tie -> 2
  CHECK(fp32_to_fp16(-0.0f) == 0x8000);
}
