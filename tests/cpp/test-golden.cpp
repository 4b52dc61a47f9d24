// Golden logits: the runtime against the independent numpy forward pass
// (tools/reference/llama_ref.py; fixtures and goldens written by tools/fixtures/make_fixtures.py).
// For every tests/fixtures/golden/<model>.txt (llama) and golden-qwen/<model>.txt (qwen2, qwen3)
// and every kernel table built in, both the batched prefill and token-by-token decode must match
// every position's logits.
//
// Error measure per position: max_i |ours_i - ref_i| / max(1, max_i |ref_i|).
// The reference runs on exactly dequantized weights in float64/float32. The ref and xnnpack
// kernels keep activations in f32, so every weight type differs only by accumulation order and
// f32 rounding (measured: <= 1.3e-6 on every fixture). The avx2 kernels quantize activations to
// int8 per 32-block for every quantized weight type (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1 and the
// K-quants), with wasmsimd's arithmetic: against the exact goldens they get the
// activation-quantization tolerance, and against tests/fixtures/golden-wasmsimd,
// golden-qwen-wasmsimd and golden-kquant-wasmsimd (the exact model of that quantization,
// tools/fixtures/make_wasmsimd_goldens.py, make_fixtures.py) the f32 one, as the wasm build does in
// tests/js/bindings.test.mjs and tests/js/kquant.test.mjs.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "inkstone/model.h"
#include "inkstone/session.h"
#include "kernel-table.h"

using namespace inkstone;

namespace {

constexpr double kMaxRelErrGoldenF32 = 1e-5;
constexpr double kMaxRelErrGoldenF16 = 1e-5;
constexpr double kMaxRelErrGoldenQ8_0 = 1e-5;
constexpr double kMaxRelErrGoldenQ4_0 = 1e-5;
// Q4_K/Q5_K/Q6_K (tests/fixtures/golden-kquant): ref and xnnpack keep activations in f32.
constexpr double kMaxRelErrGoldenKQuant = 1e-5;
// Int8 activations (avx2 with quantized weights) against the exact goldens: they move the logits
// by up to ~3e-2 of the largest one on the llama/qwen fixtures (2.9e-2 on tiny-llama-q8_0;
// tests/js/bindings.test.mjs) and up to 4.2e-2 on the K-quant ones (tests/js/kquant.test.mjs).
constexpr double kMaxRelErrGoldenQuantizedActivations = 5e-2;
// Against the *-wasmsimd goldens: f32 accuracy, except where an activation's x * (1/d) lies within
// a few f32 ulps of a rounding tie k + 1/2 (the reference computes it in float64), so it may round
// the other way, a whole step, from that position on. The golden files give each position's tie
// margin (smallest distance to a tie at positions 0..p, in steps). A position that misses 1e-5
// must have a margin below kMinTieMargin and is then held to the quantization bound; every other
// position, near tie or not, is held to 1e-5. The kernel rounds x * (1/d) with d = max|x| / 127
// and 1/d each rounded to f32; near |x/d| = 127 one f32 ulp is 7.6e-6 of a step, so three
// roundings reach 2.3e-5: kMinTieMargin is tests/js/kquant.test.mjs's. Measured here (the wasm
// build flips the same ones): 4 of the 60 sequences have a flipped rounding, at margins 3.8e-6
// (tiny-gqa-untied-q8_0 seq 2 from pos 19), 0 (tiny-kquant-q4_1-w96 seq 2 from pos 9), 7.6e-6
// (tiny-kquant-q4_k_m-w96 seq 2 from pos 9) and 1.53e-5 (tiny-kquant-q5_k_m-w96 seq 3 from
// pos 7); a rounding that flips exempts, through the KV cache, every later position of its
// sequence, so the bound counts sequences. The margins are a property of the random weights and
// tokens (20 of the 60 sequences have one below 3e-5; 16 of them did not flip).
constexpr double kMaxRelErrGoldenWasmsimd = 1e-5;
constexpr double kMinTieMargin = 3e-5;
constexpr int kMaxTieExemptSequences = 6;

struct golden_seq {
  std::vector<int32_t> tokens;
  std::vector<std::vector<float>> logits;  // one row per position
  std::vector<double> tie_margins;         // golden-wasmsimd only: one per position
};

struct golden_file {
  std::string model_path;
  std::vector<golden_seq> seqs;
};

bool parse_golden(const std::filesystem::path& path, golden_file& out) {
  std::ifstream in(path);
  if (!in) return false;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string tag;
    ls >> tag;
    if (tag == "model") {
      ls >> out.model_path;
    } else if (tag == "seq") {
      golden_seq s;
      int n = 0;
      ls >> n;
      s.tokens.resize(n);
      for (auto& t : s.tokens) ls >> t;
      out.seqs.push_back(std::move(s));
    } else if (tag == "logits") {
      if (out.seqs.empty()) return false;
      int pos = 0;
      ls >> pos;
      std::vector<float> row;
      float v;
      while (ls >> v) row.push_back(v);
      if (pos != static_cast<int>(out.seqs.back().logits.size())) return false;
      out.seqs.back().logits.push_back(std::move(row));
    } else if (tag == "tie_margins") {
      if (out.seqs.empty()) return false;
      double v;
      while (ls >> v) out.seqs.back().tie_margins.push_back(v);
    }
  }
  return !out.model_path.empty();
}

std::vector<uint8_t> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
}

double rel_err(std::span<const float> ours, const std::vector<float>& ref) {
  double err = 0, mag = 1;
  for (size_t i = 0; i < ref.size(); ++i) {
    err = std::max(err, std::fabs(double(ours[i]) - ref[i]));
    mag = std::max(mag, std::fabs(double(ref[i])));
  }
  return err / mag;
}

// Whether the avx2 table quantizes the activations of the model's attention products: it does for
// every quantized weight type (the 32-value block formats and the K-quants), not for F32 / F16.
bool is_quantized(const model& m) {
  switch (m.layers[0].wq.type) {
    case ggml_type::f32:
    case ggml_type::f16:
      return false;
    default:
      return true;
  }
}

// Tolerance against the exact goldens: the avx2 table quantizes activations for every quantized
// weight type.
double tolerance_for(const model& m, const std::string& kernels) {
  if (kernels == "avx2" && is_quantized(m)) return kMaxRelErrGoldenQuantizedActivations;
  switch (m.layers[0].wq.type) {
    case ggml_type::f32:
      return kMaxRelErrGoldenF32;
    case ggml_type::f16:
      return kMaxRelErrGoldenF16;
    case ggml_type::q8_0:
      return kMaxRelErrGoldenQ8_0;
    case ggml_type::q4_0:
    case ggml_type::q4_1:
    case ggml_type::q5_0:
    case ggml_type::q5_1:
      return kMaxRelErrGoldenQ4_0;
    case ggml_type::q4_k:
    case ggml_type::q5_k:
    case ggml_type::q6_k:
      return kMaxRelErrGoldenKQuant;
  }
  return 0;
}

// Native tables only: tests/cpp is never built for wasm (the wasmsimd path is checked against
// its own goldens, tests/fixtures/golden-wasmsimd, by tests/js/bindings.test.mjs). avx2 where the
// CPU has it (tests/cpp/test-avx2.cpp reports a CPU without it).
std::vector<std::string> kernel_names() {
  std::vector<std::string> names = {"ref"};
#if defined(INK_XNNPACK)
  names.push_back("xnnpack");
#endif
  if (select_kernels("avx2") != nullptr) names.push_back("avx2");
  return names;
}

// The .txt files of the given directories, each directory's sorted.
std::vector<std::filesystem::path> golden_files(const std::filesystem::path& root,
                                                std::initializer_list<const char*> dirs) {
  std::vector<std::filesystem::path> all;
  for (const char* dir : dirs) {
    REQUIRE(std::filesystem::is_directory(root / dir));
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(root / dir)) {
      if (e.path().extension() == ".txt") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    all.insert(all.end(), files.begin(), files.end());
  }
  return all;
}

// Per position of seq: the relative error of the batched prefill's logits and of token-by-token
// decode's (the session is reset before each).
struct position_errors {
  std::vector<double> prefill, decode;
};
position_errors errors_against(session& s, const golden_seq& seq, size_t n_vocab) {
  position_errors e;
  s.reset();
  std::vector<float> all(seq.tokens.size() * n_vocab);
  REQUIRE(s.prefill(seq.tokens, all).ok());
  for (size_t p = 0; p < seq.tokens.size(); ++p) {
    e.prefill.push_back(rel_err({all.data() + p * n_vocab, n_vocab}, seq.logits[p]));
  }
  s.reset();
  for (size_t p = 0; p < seq.tokens.size(); ++p) {
    REQUIRE(s.decode(seq.tokens[p]).ok());
    e.decode.push_back(rel_err(s.logits(), seq.logits[p]));
  }
  return e;
}

}  // namespace

TEST_CASE("golden logits: prefill and decode match the numpy reference") {
  const std::filesystem::path root = INK_SOURCE_DIR;
  std::vector<std::filesystem::path> files =
      golden_files(root / "tests/fixtures", {"golden", "golden-qwen"});
  REQUIRE(files.size() >= 9 + 6);
  // The K-quant models (n_embd 256: Q4_K/Q5_K/Q6_K; n_embd 96: Q4_K_M / Q5_K_M as llama.cpp
  // writes them for rows that are not a multiple of 256, with Q5_0 / Q5_1 fallbacks, and Q4_1)
  // keep their goldens in a directory of their own (tests/fixtures/README.md).
  const std::vector<std::filesystem::path> kquant =
      golden_files(root / "tests/fixtures", {"golden-kquant"});
  REQUIRE(kquant.size() == 6);
  files.insert(files.end(), kquant.begin(), kquant.end());
  int n_compared = 0;
  double worst_overall = 0;
  for (const auto& file : files) {
    CAPTURE(file.filename().string());
    golden_file g;
    REQUIRE(parse_golden(file, g));
    const std::vector<uint8_t> bytes = read_file(root / g.model_path);
    REQUIRE(!bytes.empty());
    auto loaded = load_model(bytes);
    REQUIRE_MESSAGE(loaded.ok(), loaded.error().to_string());
    const model& m = loaded.value();
    size_t max_len = 0;
    for (const auto& s : g.seqs) max_len = std::max(max_len, s.tokens.size());

    for (const std::string& kernels : kernel_names()) {
      CAPTURE(kernels);
      const double tol = tolerance_for(m, kernels);
      session_options o;
      o.n_ctx = static_cast<int>(max_len);
      o.n_batch = 7;  // odd chunk size: prefill crosses chunk boundaries
      o.kernels = kernels;
      auto created = session::create(m, o);
      REQUIRE_MESSAGE(created.ok(), created.error().to_string());
      session& s = *created.value();
      REQUIRE(std::string(s.kernels_name()) == kernels);
      for (size_t si = 0; si < g.seqs.size(); ++si) {
        const golden_seq& seq = g.seqs[si];
        CAPTURE(si);
        REQUIRE(seq.logits.size() == seq.tokens.size());
        const size_t n_vocab = size_t(m.hp.n_vocab);
        REQUIRE(seq.logits[0].size() == n_vocab);
        const position_errors e = errors_against(s, seq, n_vocab);
        const double worst_prefill = *std::max_element(e.prefill.begin(), e.prefill.end());
        const double worst_decode = *std::max_element(e.decode.begin(), e.decode.end());
        CHECK(worst_prefill <= tol);
        CHECK(worst_decode <= tol);
        if (tol < kMaxRelErrGoldenQuantizedActivations) {
          worst_overall = std::max({worst_overall, worst_prefill, worst_decode});
        }
        ++n_compared;
      }
    }
  }
  CHECK(n_compared >= (9 + 6) * 4);
  MESSAGE("golden logits: ", n_compared, " sequences, worst relative error (f32 activations) ",
          worst_overall);
}

TEST_CASE(
    "golden logits: avx2 with quantized weights matches the exact model of its int8 "
    "activations (golden-wasmsimd, golden-qwen-wasmsimd, golden-kquant-wasmsimd)") {
  if (select_kernels("avx2") == nullptr) return;  // test-avx2.cpp reports why
  const std::filesystem::path root = INK_SOURCE_DIR;
  std::vector<std::filesystem::path> files =
      golden_files(root / "tests/fixtures", {"golden-wasmsimd", "golden-qwen-wasmsimd"});
  REQUIRE(files.size() == 5 + 4);
  // Q4_K / Q5_K / Q6_K, and the Q4_1 / Q5_0 / Q5_1 / Q8_0 of the models with rows of 96.
  const std::vector<std::filesystem::path> kquant =
      golden_files(root / "tests/fixtures", {"golden-kquant-wasmsimd"});
  REQUIRE(kquant.size() == 6);
  files.insert(files.end(), kquant.begin(), kquant.end());
  int positions = 0;
  double worst_held = 0;
  std::set<std::string> exempt_seqs;  // "<file> seq <si> from pos <p> (tie margin <m>)"
  for (const auto& file : files) {
    CAPTURE(file.filename().string());
    golden_file g;
    REQUIRE(parse_golden(file, g));
    const std::vector<uint8_t> bytes =
        read_file(root / g.model_path);  // the model reads it in place
    auto loaded = load_model(bytes);
    REQUIRE_MESSAGE(loaded.ok(), loaded.error().to_string());
    const model& m = loaded.value();
    REQUIRE(is_quantized(m));
    size_t max_len = 0;
    for (const auto& s : g.seqs) max_len = std::max(max_len, s.tokens.size());
    session_options o;
    o.n_ctx = static_cast<int>(max_len);
    o.n_batch = 7;
    o.kernels = "avx2";
    auto created = session::create(m, o);
    REQUIRE_MESSAGE(created.ok(), created.error().to_string());
    for (size_t si = 0; si < g.seqs.size(); ++si) {
      const golden_seq& seq = g.seqs[si];
      CAPTURE(si);
      REQUIRE(seq.tie_margins.size() == seq.tokens.size());
      const position_errors e = errors_against(*created.value(), seq, size_t(m.hp.n_vocab));
      // From the first position that misses 1e-5 on (a rounding went the other way; the KV cache
      // carries it), the sequence is held to the quantization bound.
      bool flipped = false;
      for (size_t p = 0; p < seq.tokens.size(); ++p) {
        CAPTURE(p);
        CAPTURE(seq.tie_margins[p]);
        const double rel = std::max(e.prefill[p], e.decode[p]);
        ++positions;
        if (!flipped && rel <= kMaxRelErrGoldenWasmsimd) {
          worst_held = std::max(worst_held, rel);
          continue;
        }
        CHECK(seq.tie_margins[p] < kMinTieMargin);  // only a near tie may round the other way
        CHECK(rel <= kMaxRelErrGoldenQuantizedActivations);
        if (!flipped) {
          std::ostringstream where;
          where << file.filename().string() << " seq " << si << " from pos " << p << " (tie margin "
                << seq.tie_margins[p] << ")";
          exempt_seqs.insert(where.str());
        }
        flipped = true;
      }
    }
  }
  CHECK(positions == (200 + 160 + 240));
  std::string names;
  for (const std::string& e : exempt_seqs) names += e + "; ";
  CHECK_MESSAGE(int(exempt_seqs.size()) <= kMaxTieExemptSequences, "near-tie sequences: ", names);
  MESSAGE(
      "golden-wasmsimd on avx2: ", positions, " positions, worst relative error ", worst_held,
      " before any rounding flipped; flipped sequences (held to the quantization bound): ", names);
}
