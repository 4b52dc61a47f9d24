// The qkv probe (classroom formula panel) on the grouped-query fixture, ref kernels: from the
// recorded q and K, softmax(q . k_j / sqrt(head_dim)) computed here in double must be the head's
// row of the attention probe, sum_j a_j v_j the recorded head output, and the embedding the
// token's row of token_embd; K and V must be the prefix of the cache seen by a second session
// (prefill vs step-by-step). Every head of every layer, so the kv-head grouping is exercised.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

#include "inkstone/generator.h"
#include "inkstone/model.h"
#include "kernel-table.h"

using namespace inkstone;

namespace {

constexpr double kMaxAttentionErr = 1e-5;  // float32 softmax in the kernel vs double here
constexpr double kMaxOutputErr = 1e-4;     // float32 weighted sum vs double, |v| ~ 1

std::unique_ptr<model> load(std::vector<uint8_t>& bytes, const char* name) {
  const std::filesystem::path path =
      std::filesystem::path(INK_SOURCE_DIR) / "tests/fixtures/models" / name;
  std::ifstream in(path, std::ios::binary);
  bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  REQUIRE(!bytes.empty());
  auto r = load_model(bytes);
  REQUIRE_MESSAGE(r.ok(), r.error().to_string());
  return std::make_unique<model>(std::move(r).value());
}

}  // namespace

TEST_CASE("qkv probe: softmax(q K^T / sqrt(d)) is the attention row; sum a v is the output") {
  std::vector<uint8_t> bytes;
  const std::unique_ptr<model> m = load(bytes, "tiny-gqa-untied-q8_0.gguf");
  const llama_hparams& hp = m->hp;
  REQUIRE(hp.n_head_kv < hp.n_head);  // grouped-query: the kv-head mapping matters
  session_options so;
  so.kernels = "ref";
  so.n_ctx = 32;
  auto g = std::move(generator::create(*m, so)).value();
  std::vector<int32_t> prompt;
  for (int i = 0; i < 5; ++i) prompt.push_back((i * 37 + 11) % hp.n_vocab);

  for (int layer = 0; layer < hp.n_layer; ++layer) {
    for (int head = 0; head < hp.n_head; ++head) {
      generate_options go;
      go.temperature = 0;
      go.max_tokens = 3;
      go.stop_at_eos = false;
      go.probes.qkv_layer = layer;
      go.probes.qkv_head = head;
      REQUIRE(g->begin(prompt, go).ok());
      for (int step = 0; step < 3; ++step) {
        auto r = g->step();
        REQUIRE(r.ok());
        const step_probes& p = r->probes;
        const int d = hp.head_dim;
        const int n_pos = 5 + step;
        CHECK(p.attention.empty());  // attention itself was not asked for
        REQUIRE(p.n_pos == n_pos);
        CHECK(p.qkv_layer == layer);
        CHECK(p.qkv_head == head);
        REQUIRE(p.head_dim == d);
        REQUIRE(p.q.size() == size_t(d));
        REQUIRE(p.k.size() == size_t(n_pos) * d);
        REQUIRE(p.v.size() == size_t(n_pos) * d);
        REQUIRE(p.head_out.size() == size_t(d));
        REQUIRE(p.embedding.size() == size_t(hp.n_embd));

        std::vector<double> a(n_pos);
        double max = -1e300, z = 0;
        for (int j = 0; j < n_pos; ++j) {
          double s = 0;
          for (int c = 0; c < d; ++c) s += double(p.q[c]) * p.k[size_t(j) * d + c];
          a[j] = s / std::sqrt(double(d));
          max = std::max(max, a[j]);
        }
        for (double& x : a) z += (x = std::exp(x - max));
        for (double& x : a) x /= z;

        // The attention probe of the same step (recorded separately, with attention on).
        generate_options ga = go;
        ga.probes.attention = true;
        auto g2 = std::move(generator::create(*m, so)).value();
        std::vector<int32_t> prefix(prompt);
        for (int32_t t : g->get_session().tokens().subspan(5, step)) prefix.push_back(t);
        REQUIRE(g2->begin(prefix, ga).ok());
        auto r2 = g2->step();
        REQUIRE(r2.ok());
        const step_probes& p2 = r2->probes;
        REQUIRE(p2.n_pos == n_pos);
        const float* row = p2.attention.data() + (size_t(layer) * hp.n_head + head) * n_pos;
        for (int j = 0; j < n_pos; ++j) CHECK(std::fabs(a[j] - row[j]) < kMaxAttentionErr);
        for (int c = 0; c < d; ++c) {
          double o = 0;
          for (int j = 0; j < n_pos; ++j) o += a[j] * p.v[size_t(j) * d + c];
          CHECK(std::fabs(o - p.head_out[c]) < kMaxOutputErr);
          CHECK(std::fabs(p2.q[c] - p.q[c]) < 1e-5f);  // prefill path == step-by-step path
        }
        // The embedding is the query token's row of token_embd (dequantized by the reference).
        std::vector<float> row_embd(hp.n_embd);
        const int32_t query_token = prefix.back();
        ref_kernels().get_rows[static_cast<int>(m->token_embd.type == ggml_type::f32    ? 0
                                                : m->token_embd.type == ggml_type::f16  ? 1
                                                : m->token_embd.type == ggml_type::q4_0 ? 2
                                                                                        : 3)](
            m->token_embd.data, hp.n_embd, query_token, row_embd.data());
        for (int c = 0; c < hp.n_embd; ++c) CHECK(p.embedding[c] == row_embd[c]);
      }
    }
  }

  // Off by default; out-of-range layer/head leaves it off.
  generate_options off;
  off.max_tokens = 1;
  REQUIRE(g->begin(prompt, off).ok());
  CHECK(g->step()->probes.q.empty());
  off.probes.qkv_layer = hp.n_layer;
  off.probes.qkv_head = 0;
  REQUIRE(g->begin(prompt, off).ok());
  CHECK(g->step()->probes.q.empty());
}
