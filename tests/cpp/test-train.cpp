// The trainer (core/include/inkstone/trainer.h): its training kernels against double-precision
// products, its gradients against finite differences, determinism over thread counts, pause and
// resume, and a real run on poems whose GGUF the runtime loads, scores and generates from.
// PyTorch comparisons live in tests/py/test_train_reference.py.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "gguf-builder.h"
#include "inkstone/generator.h"
#include "inkstone/model.h"
#include "inkstone/session.h"
#include "inkstone/trainer.h"
#include "train-kernels.h"

using namespace inkstone;

namespace {

// A deterministic stream of small numbers for fixtures.
struct lcg {
  uint64_t s;
  float next() {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return float(int64_t(s >> 40) - (int64_t{1} << 23)) / float(1 << 23);
  }
  int32_t below(int32_t n) { return int32_t((next() * 0.5f + 0.5f) * float(n)) % n; }
};

std::unique_ptr<trainer> make(const train_config& c, uint64_t seed, int n_threads = 1) {
  trainer_options o;
  o.n_threads = n_threads;
  auto r = trainer::create(c, seed, o);
  REQUIRE_MESSAGE(r.ok(), r.error().to_string());
  return std::move(r).value();
}

train_config tiny(bool tied, int n_head_kv) {
  train_config c;
  c.n_vocab = 13;
  c.n_embd = 8;
  c.n_layer = 2;
  c.n_head = 2;
  c.n_head_kv = n_head_kv;
  c.n_ff = 12;
  c.n_ctx = 6;
  c.tied_output = tied;
  return c;
}

std::vector<int32_t> random_tokens(size_t n, int32_t n_vocab, uint64_t seed) {
  lcg r{seed};
  std::vector<int32_t> t(n);
  for (int32_t& id : t) id = r.below(n_vocab);
  return t;
}

std::string poems() {
  const test::bytes_t b = test::read_file_bytes(test::fixture_path("train/wujue-200.txt"));
  REQUIRE(!b.empty());
  return std::string(b.begin(), b.end());
}

// Weights from the scalar stream (the seed's init is too small for a telling difference test).
void scramble(trainer& t, uint64_t seed, float scale) {
  lcg r{seed};
  for (const train_tensor& tt : t.tensors()) {
    float* w = t.params().data() + tt.offset;
    for (size_t i = 0; i < tt.size(); ++i) w[i] = (tt.decay ? 0.0f : 1.0f) + scale * r.next();
  }
}

}  // namespace

TEST_CASE("train kernels: nn and tn products match double sums; any row split is bit-exact") {
  const train_kernel_table* tk = select_train_kernels("auto");
  REQUIRE(tk != nullptr);
  CHECK(select_train_kernels("ref") != nullptr);
  CHECK(select_train_kernels("nope") == nullptr);
  for (int64_t rows : {1, 3, 17}) {
    for (int64_t cols : {1, 4, 7, 33}) {
      for (int64_t n : {1, 5}) {
        CAPTURE(rows);
        CAPTURE(cols);
        CAPTURE(n);
        lcg r{uint64_t(rows * 100 + cols * 10 + n)};
        std::vector<float> dy(n * rows), w(rows * cols), x(n * cols);
        for (float& v : dy) v = r.next();
        for (float& v : w) v = r.next();
        for (float& v : x) v = r.next();
        // dx (n, cols) = dy w, dw (rows, cols) = dy^T x, from an initial value of 0.5.
        std::vector<float> dx(n * cols, 0.5f), dw(rows * cols, 0.5f);
        tk->f32_matmul_nn_acc(dy.data(), w.data(), rows, cols, dx.data(), 0, n);
        tk->f32_matmul_tn_acc(dy.data(), x.data(), n, rows, cols, dw.data(), 0, rows);
        double worst = 0;
        for (int64_t t = 0; t < n; ++t) {
          for (int64_t c = 0; c < cols; ++c) {
            double want = 0.5, mag = 0.5;
            for (int64_t k = 0; k < rows; ++k) {
              want += double(dy[t * rows + k]) * w[k * cols + c];
              mag += std::fabs(double(dy[t * rows + k]) * w[k * cols + c]);
            }
            worst = std::max(worst, std::fabs(dx[t * cols + c] - want) / mag);
          }
        }
        for (int64_t k = 0; k < rows; ++k) {
          for (int64_t c = 0; c < cols; ++c) {
            double want = 0.5, mag = 0.5;
            for (int64_t t = 0; t < n; ++t) {
              want += double(dy[t * rows + k]) * x[t * cols + c];
              mag += std::fabs(double(dy[t * rows + k]) * x[t * cols + c]);
            }
            worst = std::max(worst, std::fabs(dw[k * cols + c] - want) / mag);
          }
        }
        CHECK(worst < 1e-6);  // f32 rounding of at most ~n + rows terms
        // Split in two at every point: the same bits.
        for (int64_t cut = 0; cut <= std::max(n, rows); ++cut) {
          std::vector<float> dx2(n * cols, 0.5f), dw2(rows * cols, 0.5f);
          const int64_t tc = std::min(cut, n), rc = std::min(cut, rows);
          tk->f32_matmul_nn_acc(dy.data(), w.data(), rows, cols, dx2.data(), 0, tc);
          tk->f32_matmul_nn_acc(dy.data(), w.data(), rows, cols, dx2.data(), tc, n);
          tk->f32_matmul_tn_acc(dy.data(), x.data(), n, rows, cols, dw2.data(), 0, rc);
          tk->f32_matmul_tn_acc(dy.data(), x.data(), n, rows, cols, dw2.data(), rc, rows);
          CHECK(dx2 == dx);
          CHECK(dw2 == dw);
        }
      }
    }
  }
}

TEST_CASE("trainer: gradients match central finite differences on a tiny model") {
  // Along one direction per tensor, u = (g/|g| + r/|r|) / |...| (r random): the directional
  // derivative (L(w + h u) - L(w - h u)) / 2h must equal g . u.
  constexpr float kH = 1e-2f;
  constexpr double kRelTol = 2e-3, kAbsTol = 2e-5;
  for (bool tied : {true, false}) {
    for (int kv : {2, 1}) {
      CAPTURE(tied);
      CAPTURE(kv);
      auto t = make(tiny(tied, kv), 3);
      scramble(*t, 11, 0.5f);
      const int n_seq = 2, n_tok = 6;
      const std::vector<int32_t> tokens = random_tokens(n_seq * (n_tok + 1), 13, 5);
      REQUIRE(t->loss_and_grad(tokens, n_seq, n_tok).ok());
      const std::vector<float> grad(t->grads().begin(), t->grads().end());
      lcg r{77};
      for (const train_tensor& tt : t->tensors()) {
        CAPTURE(tt.name);
        std::vector<double> u(tt.size());
        double gn = 0, rn = 0;
        for (size_t i = 0; i < tt.size(); ++i)
          gn += double(grad[tt.offset + i]) * grad[tt.offset + i];
        std::vector<double> rv(tt.size());
        for (double& v : rv) {
          v = r.next();
          rn += v * v;
        }
        double un = 0;
        for (size_t i = 0; i < tt.size(); ++i) {
          u[i] = grad[tt.offset + i] / std::sqrt(gn) + rv[i] / std::sqrt(rn);
          un += u[i] * u[i];
        }
        double analytic = 0;
        for (size_t i = 0; i < tt.size(); ++i) {
          u[i] /= std::sqrt(un);
          analytic += u[i] * grad[tt.offset + i];
        }
        float* w = t->params().data() + tt.offset;
        const std::vector<float> saved(w, w + tt.size());
        for (size_t i = 0; i < tt.size(); ++i) w[i] = float(saved[i] + kH * u[i]);
        const double up = *t->loss(tokens, n_seq, n_tok);
        for (size_t i = 0; i < tt.size(); ++i) w[i] = float(saved[i] - kH * u[i]);
        const double down = *t->loss(tokens, n_seq, n_tok);
        std::copy(saved.begin(), saved.end(), w);
        const double numeric = (up - down) / (2 * kH);
        CHECK(std::fabs(numeric - analytic) <= kRelTol * std::fabs(analytic) + kAbsTol);
      }
    }
  }
}

TEST_CASE("trainer: the same seed gives the same bits with 1 and 2 threads") {
  train_config c;
  c.n_vocab = 40;
  c.n_embd = 32;
  c.n_head = 4;
  c.n_head_kv = 2;
  c.n_ff = 48;
  c.n_ctx = 24;
  const std::vector<int32_t> data = random_tokens(500, 40, 9);
  adamw_options o;
  o.total_steps = 8;
  o.warmup_steps = 2;
  std::vector<float> losses[2], weights[2];
  for (int threads : {1, 2}) {
    auto t = make(c, 42, threads);
    for (int s = 0; s < o.total_steps; ++s) {
      const std::vector<int32_t> b = t->sample_batch(data, 20, c.n_ctx);
      losses[threads - 1].push_back(*t->loss_and_grad(b, 20, c.n_ctx));
      t->apply_adamw(o);
    }
    weights[threads - 1].assign(t->params().begin(), t->params().end());
  }
  CHECK(losses[0] == losses[1]);
  CHECK(weights[0] == weights[1]);
  CHECK(losses[0].back() < losses[0].front());
}

TEST_CASE("trainer: pause (save state) and resume gives the weights of an uninterrupted run") {
  train_config c = tiny(false, 1);
  c.n_vocab = 30;
  const std::vector<int32_t> data = random_tokens(300, 30, 4);
  adamw_options o;
  o.total_steps = 10;
  o.warmup_steps = 3;
  auto run = [&](trainer& t, int until) {
    while (t.step() < until) {
      REQUIRE(t.loss_and_grad(t.sample_batch(data, 4, c.n_ctx), 4, c.n_ctx).ok());
      t.apply_adamw(o);
    }
  };
  auto whole = make(c, 8);
  run(*whole, 10);
  auto first = make(c, 8);
  run(*first, 4);
  const std::vector<uint8_t> state = first->save_state();
  auto second = make(c, 999);  // another seed: everything must come from the state
  REQUIRE(second->load_state(state).ok());
  CHECK(second->step() == 4);
  run(*second, 10);
  CHECK(std::vector<float>(second->params().begin(), second->params().end()) ==
        std::vector<float>(whole->params().begin(), whole->params().end()));

  // A state of another shape, or not a state at all, is refused with a stable code.
  train_config other = c;
  other.n_ff = 10;
  auto wrong = make(other, 1);
  CHECK(wrong->load_state(state).code == status_code::bad_shape);
  const std::vector<uint8_t> junk = {'G', 'G', 'U', 'F', 3, 0};
  CHECK(wrong->load_state(junk).code == status_code::truncated);
}

TEST_CASE("trainer: bad configs and batches are refused with invalid_argument") {
  train_config c = tiny(true, 2);
  c.n_head_kv = 3;
  CHECK(trainer::create(c, 1).code() == status_code::invalid_argument);
  c = tiny(true, 2);
  c.n_embd = 6;  // head size 3 is odd
  CHECK(trainer::create(c, 1).code() == status_code::invalid_argument);
  trainer_options o;
  o.kernels = "nope";
  CHECK(trainer::create(tiny(true, 2), 1, o).code() == status_code::invalid_argument);
  auto t = make(tiny(true, 2), 1);
  std::vector<int32_t> tokens(2 * 7, 1);
  CHECK(t->loss(tokens, 2, 6).ok());
  CHECK(t->loss(tokens, 2, 7).code() == status_code::invalid_argument);  // longer than n_ctx
  CHECK(t->loss(tokens, 3, 6).code() == status_code::invalid_argument);  // size mismatch
  tokens[5] = 13;
  CHECK(t->loss(tokens, 2, 6).code() == status_code::invalid_argument);  // id out of range
}

TEST_CASE("char vocabulary: llama pieces per character, specials, byte fallback") {
  const tokenizer_config v = build_char_vocab("春风春 月\n春风\r\n");
  REQUIRE(v.pieces.size() == 259 + 4);
  CHECK(v.pieces[0] == "<unk>");
  CHECK(v.pieces[1] == "<s>");
  CHECK(v.pieces[2] == "</s>");
  CHECK(v.pieces[3] == "<0x00>");
  CHECK(v.pieces[258] == "<0xFF>");
  CHECK(v.types[258] == token_type::byte);
  // By count (春 3, 风 2), then first appearance (space before 月).
  CHECK(v.pieces[259] == "春");
  CHECK(v.pieces[260] == "风");
  CHECK(v.pieces[261] == "\xE2\x96\x81");
  CHECK(v.pieces[262] == "月");
  CHECK(v.scores[262] == -3.0f);
  auto tok = tokenizer::from_config(v);
  REQUIRE(tok.ok());
  // 春 月 are pieces; 花 (E8 8A B1) is not: three byte tokens.
  const std::vector<int32_t> ids = tok->encode("春 月花", false);
  CHECK(ids == std::vector<int32_t>{259, 261, 262, 3 + 0xE8, 3 + 0x8A, 3 + 0xB1});
  CHECK(tok->decode(ids) == "春 月花");
  CHECK(encode_lines(*tok, "春\n\n月\r\n") == std::vector<int32_t>{1, 259, 2, 1, 262, 2});
}

TEST_CASE("trainer: 300 steps on 200 poems learn; the GGUF loads, scores as trained, generates") {
  const std::string text = poems();
  const tokenizer_config vocab = build_char_vocab(text);
  auto tok = tokenizer::from_config(vocab);
  REQUIRE(tok.ok());
  const std::vector<int32_t> data = encode_lines(*tok, text);
  train_config c;  // the ~0.1M-parameter preset with a narrower embedding: 1538 x 32
  c.n_vocab = tok->n_vocab();
  c.n_embd = 32;
  c.n_head = 4;
  c.n_ff = 96;
  c.n_ctx = 32;
  adamw_options o;
  o.lr = 1e-2f;
  o.min_lr = 1e-3f;
  o.total_steps = 300;
  auto t = make(c, 1, 2);
  const int n_seq = 8;
  float first = 0, last_avg = 0;
  for (int s = 0; s < o.total_steps; ++s) {
    auto loss = t->loss_and_grad(t->sample_batch(data, n_seq, c.n_ctx), n_seq, c.n_ctx);
    REQUIRE(loss.ok());
    if (s == 0) first = *loss;
    if (s >= o.total_steps - 20) last_avg += *loss / 20;
    t->apply_adamw(o);
  }
  // ln(1538) = 7.34 at the start. A unigram model of this text scores about 6.2 nats; the
  // bound asks for context use (the 五言 layout: punctuation every sixth token, </s> after 24).
  constexpr float kMaxFinalLoss = 4.5f;  // measured 3.72
  MESSAGE("loss " << first << " -> " << last_avg << " (mean of the last 20 steps)");
  CHECK(first > 7.0f);
  CHECK(last_avg < kMaxFinalLoss);

  // Saved and loaded by the runtime: the session's logits give the trainer's loss.
  const std::vector<uint8_t> bytes = t->save_gguf(vocab, "test-train");
  auto loaded = load_model(bytes);
  REQUIRE_MESSAGE(loaded.ok(), loaded.error().to_string());
  const model& m = *loaded;
  CHECK(m.tied_output);
  CHECK(m.n_params() == t->n_params());
  CHECK(m.vocab.n_vocab() == c.n_vocab);
  CHECK(m.vocab.encode("春风", true) == tok->encode("春风", true));
  const std::vector<int32_t> window(data.begin(), data.begin() + c.n_ctx + 1);
  const float want = *t->loss(window, 1, c.n_ctx);
  session_options so;
  so.kernels = "ref";
  auto sess = session::create(m, so);
  REQUIRE(sess.ok());
  std::vector<float> logits(size_t(c.n_ctx) * c.n_vocab);
  REQUIRE((*sess)->prefill(std::span(window.data(), c.n_ctx), logits).ok());
  double ce = 0;
  for (int i = 0; i < c.n_ctx; ++i) {
    const float* z = logits.data() + size_t(i) * c.n_vocab;
    double mx = z[0], sum = 0;
    for (int k = 0; k < c.n_vocab; ++k) mx = std::max(mx, double(z[k]));
    for (int k = 0; k < c.n_vocab; ++k) sum += std::exp(z[k] - mx);
    ce += std::log(sum) + mx - z[window[i + 1]];
  }
  CHECK(std::fabs(ce / c.n_ctx - want) < 1e-4 * want);

  // The trainer reads the file back to the same weights.
  auto again = trainer::from_model(m);
  REQUIRE(again.ok());
  CHECK(std::vector<float>((*again)->params().begin(), (*again)->params().end()) ==
        std::vector<float>(t->params().begin(), t->params().end()));

  // It writes: from <s>, a sampled line of characters that ends with </s>.
  auto gen = generator::create(m, so);
  REQUIRE(gen.ok());
  generate_options go;
  go.seed = 5;
  go.max_tokens = 40;
  REQUIRE((*gen)->begin(std::vector<int32_t>{1}, go).ok());
  std::string out;
  int n = 0;
  for (;; ++n) {
    auto r = (*gen)->step();
    REQUIRE(r.ok());
    out += r->text;
    if (r->done) break;
  }
  MESSAGE("generated: " << out);
  CHECK(n >= 4);
  CHECK(out.size() >= 12);
}
