// Golden logits: the runtime against the independent numpy forward pass
// (tools/reference/llama_ref.py; fixtures and goldens written by tools/fixtures/make_fixtures.py).
// For every tests/fixtures/golden/<model>.txt and every kernel table built in, both the batched
// prefill and token-by-token decode must match every position's logits.
//
// Error measure per position: max_i |ours_i - ref_i| / max(1, max_i |ref_i|).
// The reference runs on exactly dequantized weights in float64/float32, and our kernels keep
// activations in f32 (no activation quantization), so every weight type differs only by
// accumulation order and f32 rounding (measured: <= 1.3e-6 on every fixture, ref and xnnpack).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "inkstone/model.h"
#include "inkstone/session.h"

using namespace inkstone;

namespace {

constexpr double kMaxRelErrGoldenF32 = 1e-5;
constexpr double kMaxRelErrGoldenF16 = 1e-5;
constexpr double kMaxRelErrGoldenQ8_0 = 1e-5;
constexpr double kMaxRelErrGoldenQ4_0 = 1e-5;

struct golden_seq {
  std::vector<int32_t> tokens;
  std::vector<std::vector<float>> logits;  // one row per position
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

double tolerance_for(const model& m) {
  switch (m.layers[0].wq.type) {
    case ggml_type::f32:
      return kMaxRelErrGoldenF32;
    case ggml_type::f16:
      return kMaxRelErrGoldenF16;
    case ggml_type::q8_0:
      return kMaxRelErrGoldenQ8_0;
    case ggml_type::q4_0:
      return kMaxRelErrGoldenQ4_0;
  }
  return 0;
}

// Native tables only: tests/cpp is never built for wasm (the wasmsimd path is checked against
// its own goldens, tests/fixtures/golden-wasmsimd, by tests/js/bindings.test.mjs).
std::vector<std::string> kernel_names() {
  std::vector<std::string> names = {"ref"};
#if defined(INK_XNNPACK)
  names.push_back("xnnpack");
#endif
  return names;
}

}  // namespace

TEST_CASE("golden logits: prefill and decode match the numpy reference") {
  const std::filesystem::path root = INK_SOURCE_DIR;
  const std::filesystem::path dir = root / "tests/fixtures/golden";
  REQUIRE(std::filesystem::is_directory(dir));
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".txt") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  REQUIRE(!files.empty());
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
      const double tol = tolerance_for(m);
      session_options o;
      o.n_ctx = static_cast<int>(max_len);
      o.n_batch = 7;  // odd chunk size: prefill crosses chunk boundaries
      o.kernels = kernels;
      auto created = session::create(m, o);
      REQUIRE_MESSAGE(created.ok(), created.error().to_string());
      session& s = *created.value();
      for (size_t si = 0; si < g.seqs.size(); ++si) {
        const golden_seq& seq = g.seqs[si];
        CAPTURE(si);
        REQUIRE(seq.logits.size() == seq.tokens.size());
        const size_t n_vocab = size_t(m.hp.n_vocab);
        REQUIRE(seq.logits[0].size() == n_vocab);

        // Batched prefill, every position's logits.
        s.reset();
        std::vector<float> all(seq.tokens.size() * n_vocab);
        REQUIRE(s.prefill(seq.tokens, all).ok());
        double worst_prefill = 0;
        for (size_t p = 0; p < seq.tokens.size(); ++p) {
          worst_prefill =
              std::max(worst_prefill, rel_err({all.data() + p * n_vocab, n_vocab}, seq.logits[p]));
        }
        CHECK(worst_prefill <= tol);

        // Token-by-token decode.
        s.reset();
        double worst_decode = 0;
        for (size_t p = 0; p < seq.tokens.size(); ++p) {
          REQUIRE(s.decode(seq.tokens[p]).ok());
          worst_decode = std::max(worst_decode, rel_err(s.logits(), seq.logits[p]));
        }
        CHECK(worst_decode <= tol);
        worst_overall = std::max({worst_overall, worst_prefill, worst_decode});
        ++n_compared;
      }
    }
  }
  CHECK(n_compared >= 9 * 4);
  MESSAGE("golden logits: ", n_compared, " sequences, worst relative error ", worst_overall);
}
