// Every avx2 kernel against its ref twin: the randomized error-model checks shared with the
// wasmsimd table (tests/common/simd-kernel-checks.h; the arithmetic is the same, so is the error
// model), plus exact F16 widening of every half, prefill == decode bit for bit through a
// session, and the logits of whole models equal to the wasm build's, bit for bit. Needs a CPU with
// AVX2, FMA and F16C: elsewhere the cases say so (and fail under CI=true or INK_REQUIRE_ALL=1, as a
// suite that cannot run must).
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../common/kernel-fixtures.h"
#include "../common/simd-kernel-checks.h"
#include "inkstone/fp16.h"
#include "inkstone/model.h"
#include "inkstone/session.h"
#include "kernel-table.h"

#if defined(INK_AVX2)
#include "avx2/avx2-kernels.h"
#endif

using namespace inkstone;
using namespace inkstone::fixtures;
using namespace inkstone::simd_checks;

#if defined(INK_AVX2)

namespace {

// The avx2 table, or null (with a message, or a failure under CI) on a CPU without it.
const kernel_table* avx2_or_report() {
  const kernel_table* t = select_kernels("avx2");
  if (t != nullptr) return t;
  const char* ci = std::getenv("CI");
  const char* all = std::getenv("INK_REQUIRE_ALL");
  const bool require = (ci != nullptr && std::strcmp(ci, "true") == 0) ||
                       (all != nullptr && std::strcmp(all, "1") == 0);
  const char* what = "this CPU lacks AVX2, FMA or F16C: the avx2 kernels are not tested";
  if (require) FAIL(what);
  MESSAGE(what);
  return nullptr;
}

std::vector<uint8_t> read_fixture(const std::string& name) {
  const std::filesystem::path path =
      std::filesystem::path(INK_SOURCE_DIR) / "tests/fixtures/models" / name;
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("avx2: the table is named avx2, and auto picks it") {
  const kernel_table* t = avx2_or_report();
  if (t == nullptr) return;
  CHECK(std::string_view(t->name) == "avx2");
  CHECK(select_kernels("auto") == t);
}

TEST_CASE("avx2: activation quantization rounds to the nearest step, |q| <= 127") {
  if (avx2_or_report() == nullptr) return;
  check_activation_quantization(quantize_activations_q8__avx2);
}

TEST_CASE("avx2: matmul matches ref over swept shapes; row splits are bit-exact") {
  const kernel_table* t = avx2_or_report();
  if (t == nullptr) return;
  CHECK(check_matmul(*t) == kNumMatmulCases);
}

TEST_CASE("avx2: f16 weights widen exactly, all 65536 halves (get_rows and matmul)") {
  const kernel_table* t = avx2_or_report();
  if (t == nullptr) return;
  // One row holding every half: get_rows (8 at a time) bit for bit against fp16_to_fp32, except
  // that F16C quiets signalling NaNs (exponent 31, top mantissa bit 0): those must stay NaNs of
  // the same sign with the quiet bit set.
  const int64_t cols = 65536;
  std::vector<uint8_t> w(size_t(cols) * 2);
  for (int64_t h = 0; h < cols; ++h) put_u16(w.data() + 2 * h, static_cast<uint16_t>(h));
  std::vector<float> row(cols);
  t->get_rows[int(weight_format::f16)](w.data(), cols, 0, row.data());
  int bad = 0, n_snan = 0;
  for (int64_t h = 0; h < cols; ++h) {
    const uint32_t want = fp32_to_bits(fp16_to_fp32(static_cast<uint16_t>(h)));
    const bool snan = (h & 0x7C00) == 0x7C00 && (h & 0x3FF) != 0 && (h & 0x200) == 0;
    n_snan += snan;
    bad += fp32_to_bits(row[h]) != (snan ? want | 0x00400000u : want);
  }
  CHECK(n_snan == 1022);
  CHECK(bad == 0);
  // matmul widens through its 4-lane and scalar paths: x = e_j picks weight j of each row
  // exactly (w * 1 + 0s), for the finite halves of 5 rows (4-row tile + single row) of 7 cols.
  const int64_t rows = 5, c = 7;
  int bad_mm = 0;
  for (int64_t h0 = 0; h0 < 0x7C00; h0 += rows * c) {
    std::vector<uint8_t> wm(size_t(rows * c) * 2);
    for (int64_t i = 0; i < rows * c; ++i) {
      put_u16(wm.data() + 2 * i,
              static_cast<uint16_t>(std::min<int64_t>(h0 + i, 0x7BFF) | 0x8000 * (i % 2)));
    }
    for (int64_t j = 0; j < c; ++j) {
      std::vector<float> x(c, 0.0f), y(rows);
      x[j] = 1.0f;
      t->matmul[int(weight_format::f16)](wm.data(), rows, c, x.data(), 1, y.data(), 0, rows);
      for (int64_t r = 0; r < rows; ++r) {
        uint16_t h;
        std::memcpy(&h, wm.data() + 2 * (r * c + j), 2);
        bad_mm += y[r] != fp16_to_fp32(h);
      }
    }
  }
  CHECK(bad_mm == 0);
}

TEST_CASE("avx2: rmsnorm, softmax, silu_mul, add, rope match ref") {
  const kernel_table* t = avx2_or_report();
  if (t == nullptr) return;
  check_elementwise(*t);
}

TEST_CASE("avx2: attention matches ref") {
  const kernel_table* t = avx2_or_report();
  if (t == nullptr) return;
  check_attention(*t);
}

TEST_CASE("avx2: session prefill (any chunk size, any thread count) == decode, bitwise") {
  if (avx2_or_report() == nullptr) return;
  for (const char* name : {"tiny-llama-q8_0.gguf", "tiny-llama-q4_0.gguf", "tiny-llama-f16.gguf",
                           "tiny-gqa-untied-q8_0.gguf"}) {
    CAPTURE(name);
    const std::vector<uint8_t> bytes = read_fixture(name);
    auto loaded = load_model(bytes);
    REQUIRE_MESSAGE(loaded.ok(), loaded.error().to_string());
    const model& m = loaded.value();
    const size_t nv = size_t(m.hp.n_vocab);
    std::vector<int32_t> toks;
    for (int i = 0; i < 20; ++i) toks.push_back(int32_t((i * 37 + 5) % m.hp.n_vocab));

    session_options o;
    o.kernels = "avx2";
    o.n_ctx = 32;
    auto step = session::create(m, o);
    REQUIRE(step.ok());
    CHECK(std::string(step.value()->kernels_name()) == "avx2");
    std::vector<float> step_logits;
    for (int32_t t : toks) {
      REQUIRE(step.value()->decode(t).ok());
      const auto lg = step.value()->logits();
      step_logits.insert(step_logits.end(), lg.begin(), lg.end());
    }
    for (int n_batch : {1, 5, 64}) {
      for (int n_threads : {1, 3}) {
        CAPTURE(n_batch);
        CAPTURE(n_threads);
        session_options ob = o;
        ob.n_batch = n_batch;
        ob.n_threads = n_threads;
        ob.min_split_macs = 0;  // split every product, however small this model's
        auto batched = session::create(m, ob);
        REQUIRE(batched.ok());
        std::vector<float> all(toks.size() * nv);
        REQUIRE(batched.value()->prefill(toks, all).ok());
        CHECK(same_bits(all.data(), step_logits.data(), all.size()));
      }
    }
  }
}

namespace {

// FNV-1a (32-bit) over the float32 bits, as tools/fixtures/make_wasmsimd_hashes.mjs computes it.
uint32_t fnv1a(const float* v, size_t n) {
  uint32_t h = 0x811c9dc5u;
  for (size_t i = 0; i < n; ++i) {
    uint32_t w;
    std::memcpy(&w, v + i, 4);
    h = (h ^ w) * 0x01000193u;
  }
  return h;
}

}  // namespace

// The arithmetic is wasmsimd's, operation for operation, so the logits are the browser's bits:
// tests/fixtures/wasmsimd-hashes/logit-hashes.txt holds the wasm build's hash of every position's
// logits on Q8_0, Q4_0, F16, F32 and GQA fixtures, the shipped poetry model and the K-quant
// fixtures (Q4_K, Q5_K, Q6_K, and Q4_1 / Q5_0 / Q5_1 / Q8_0 in the mixed ones). Decode, and
// prefill in chunks of 5 (except F32 weights, whose batches go through XNNPACK when it is there).
TEST_CASE("avx2: logits equal the wasm build's (wasmsimd) bit for bit") {
  if (avx2_or_report() == nullptr) return;
  std::ifstream in(std::filesystem::path(INK_SOURCE_DIR) /
                   "tests/fixtures/wasmsimd-hashes/logit-hashes.txt");
  REQUIRE(in);
  std::string line, model_path;
  std::vector<int32_t> tokens;
  int n_models = 0;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string tag;
    ls >> tag;
    if (tag == "model") {
      ls >> model_path;
    } else if (tag == "tokens") {
      tokens.clear();
      for (int32_t t; ls >> t;) tokens.push_back(t);
    } else if (tag == "hashes") {
      std::vector<uint32_t> want;
      for (std::string h; ls >> h;) want.push_back(uint32_t(std::stoul(h, nullptr, 16)));
      CAPTURE(model_path);
      INFO(
          "a model or the wasmsimd arithmetic changed? node "
          "tools/fixtures/make_wasmsimd_hashes.mjs");
      REQUIRE(want.size() == tokens.size());
      std::ifstream mf(std::filesystem::path(INK_SOURCE_DIR) / model_path, std::ios::binary);
      const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(mf)),
                                       std::istreambuf_iterator<char>());
      auto loaded = load_model(bytes);
      REQUIRE_MESSAGE(loaded.ok(), loaded.error().to_string());
      const model& m = loaded.value();
      const size_t nv = size_t(m.hp.n_vocab);
      session_options o;
      o.kernels = "avx2";
      o.n_ctx = int(tokens.size());
      o.n_batch = 5;
      auto s = session::create(m, o);
      REQUIRE(s.ok());
      int decode_same = 0, prefill_same = 0;
      for (size_t p = 0; p < tokens.size(); ++p) {
        REQUIRE(s.value()->decode(tokens[p]).ok());
        decode_same += fnv1a(s.value()->logits().data(), nv) == want[p];
      }
      CHECK(decode_same == int(tokens.size()));
      if (m.layers[0].wq.type != ggml_type::f32) {
        s.value()->reset();
        std::vector<float> all(tokens.size() * nv);
        REQUIRE(s.value()->prefill(tokens, all).ok());
        for (size_t p = 0; p < tokens.size(); ++p) {
          prefill_same += fnv1a(all.data() + p * nv, nv) == want[p];
        }
        CHECK(prefill_same == int(tokens.size()));
      }
      ++n_models;
    }
  }
  CHECK(n_models == 12);
}

#else

TEST_CASE("avx2: not built (not an x86-64 native build)") {
  CHECK(select_kernels("avx2") == nullptr);
}

#endif
