// Session, generator and probes on the tiny fixture model (tests/fixtures/models).
// Independent checks: prefill vs decode (two code paths), truncate/re-decode, a fresh session fed
// the retained tokens after a slide, probability axioms, and the sampler's own distribution.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <new>
#include <set>
#include <string>
#include <vector>

#include "inkstone/generator.h"
#include "inkstone/model.h"
#include "inkstone/session.h"
#include "kernel-table.h"

using namespace inkstone;

// ------------------------------------------------------------------ allocation counter
// The test binary's global operator new counts the bytes the current thread asks for while a
// counting_scope is open: what session::create() really allocates, measured outside the
// session's own bookkeeping (memory_bytes() is the plan, not a measurement).
namespace {
thread_local bool t_counting = false;
thread_local size_t t_counted_bytes = 0;

void* counted_alloc(size_t n) {
  if (t_counting) t_counted_bytes += n;
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) std::abort();
  return p;
}

struct counting_scope {
  counting_scope() {
    t_counted_bytes = 0;
    t_counting = true;
  }
  ~counting_scope() { t_counting = false; }
  size_t bytes() const { return t_counted_bytes; }
};
}  // namespace

void* operator new(size_t n) { return counted_alloc(n); }
void* operator new[](size_t n) { return counted_alloc(n); }
// The nothrow forms too (std::stable_sort's temporary buffer uses them): without them they would
// come from the runtime's allocator and reach the free() below (ASan: alloc-dealloc-mismatch).
void* operator new(size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n); }
void* operator new[](size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }

namespace {

constexpr double kMaxRelErrXnnpackVsRef = 1e-5;  // batched vs single-row XNNPACK blocking

struct fixture {
  std::vector<uint8_t> bytes;
  std::unique_ptr<model> m;
};

fixture load_fixture(const char* name) {
  fixture f;
  const std::filesystem::path path =
      std::filesystem::path(INK_SOURCE_DIR) / "tests/fixtures/models" / name;
  std::ifstream in(path, std::ios::binary);
  f.bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  REQUIRE(!f.bytes.empty());
  auto r = load_model(f.bytes);
  REQUIRE_MESSAGE(r.ok(), r.error().to_string());
  f.m = std::make_unique<model>(std::move(r).value());
  return f;
}

std::unique_ptr<session> make_session(const model& m, session_options o) {
  auto r = session::create(m, std::move(o));
  REQUIRE_MESSAGE(r.ok(), r.error().to_string());
  return std::move(r).value();
}

std::vector<int32_t> some_tokens(const model& m, int n, int salt = 0) {
  std::vector<int32_t> t(n);
  for (int i = 0; i < n; ++i) t[i] = (i * 37 + 11 + salt * 101) % m.hp.n_vocab;
  return t;
}

bool same_bits(std::span<const float> a, std::span<const float> b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

double rel_diff(std::span<const float> a, std::span<const float> b) {
  double err = 0, mag = 1;
  for (size_t i = 0; i < a.size(); ++i) {
    err = std::max(err, std::fabs(double(a[i]) - b[i]));
    mag = std::max(mag, std::fabs(double(b[i])));
  }
  return err / mag;
}

}  // namespace

TEST_CASE(
    "session: prefill (any chunk size, any thread count) == token-by-token decode (ref, bitwise)") {
  fixture f = load_fixture("tiny-llama-q8_0.gguf");
  const model& m = *f.m;
  const std::vector<int32_t> toks = some_tokens(m, 20);
  const size_t nv = m.hp.n_vocab;

  session_options o;
  o.kernels = "ref";
  o.n_ctx = 32;
  auto step = make_session(m, o);
  std::vector<float> step_logits;
  for (int32_t t : toks) {
    REQUIRE(step->decode(t).ok());
    step_logits.insert(step_logits.end(), step->logits().begin(), step->logits().end());
  }
  for (int n_batch : {1, 5, 64}) {
    for (int n_threads : {1, 3}) {
      CAPTURE(n_batch);
      CAPTURE(n_threads);
      session_options ob = o;
      ob.n_batch = n_batch;
      ob.n_threads = n_threads;
      ob.min_split_macs = 0;  // split every product, however small this model's
      auto batched = make_session(m, ob);
      std::vector<float> all(toks.size() * nv);
      REQUIRE(batched->prefill(toks, all).ok());
      CHECK(batched->position() == 20);
      CHECK(same_bits(all, step_logits));
      CHECK(same_bits(batched->logits(), {step_logits.data() + 19 * nv, nv}));
    }
  }
}

#if defined(INK_XNNPACK)
TEST_CASE("session: xnnpack prefill == decode within tolerance, and close to ref") {
  fixture f = load_fixture("tiny-llama-f32.gguf");
  const model& m = *f.m;
  const std::vector<int32_t> toks = some_tokens(m, 12);
  session_options o;
  o.n_ctx = 16;
  o.kernels = "xnnpack";
  auto a = make_session(m, o);
  REQUIRE(std::string(a->kernels_name()) == "xnnpack");
  o.kernels = "ref";
  auto r = make_session(m, o);
  REQUIRE(a->prefill(toks).ok());
  REQUIRE(r->prefill(toks).ok());
  CHECK(rel_diff(a->logits(), r->logits()) <= kMaxRelErrXnnpackVsRef);
  a->reset();
  for (int32_t t : toks) REQUIRE(a->decode(t).ok());
  CHECK(rel_diff(a->logits(), r->logits()) <= kMaxRelErrXnnpackVsRef);
}

TEST_CASE("session: XNNPACK's F32 operators split over the pool's threads agree with one thread") {
  fixture f = load_fixture("tiny-llama-f32.gguf");
  const model& m = *f.m;
  const std::vector<int32_t> toks = some_tokens(m, 12);
  const size_t nv = m.hp.n_vocab;
  session_options o;
  o.n_ctx = 16;
  o.kernels = "ref";
  auto r = make_session(m, o);
  std::vector<float> want(toks.size() * nv);
  REQUIRE(r->prefill(toks, want).ok());
  // xnnpack (every batch through the operators) and, where the CPU has it, avx2 (batches of 3
  // or more through them; this prefill is one batch of 12).
  std::vector<std::string> tables = {"xnnpack"};
  if (select_kernels("avx2") != nullptr) tables.push_back("avx2");
  for (const std::string& kernels : tables) {
    std::vector<float> one(toks.size() * nv);
    for (int n_threads : {1, 2, 3}) {
      CAPTURE(kernels);
      CAPTURE(n_threads);
      o.kernels = kernels;
      o.n_threads = n_threads;
      o.min_split_macs = 0;  // split every product
      auto s = make_session(m, o);
      std::vector<float> all(toks.size() * nv);
      REQUIRE(s->prefill(toks, all).ok());
      CHECK(rel_diff(all, want) <= kMaxRelErrXnnpackVsRef);
      if (n_threads == 1) one = all;
      CHECK(same_bits(all, one));
    }
  }
}
#endif

TEST_CASE("session: truncate then re-decode reproduces the logits") {
  fixture f = load_fixture("tiny-llama-f32.gguf");
  const model& m = *f.m;
  session_options o;
  o.kernels = "ref";
  o.n_ctx = 32;
  auto s = make_session(m, o);
  const std::vector<int32_t> toks = some_tokens(m, 10);
  REQUIRE(s->prefill(toks).ok());
  const std::vector<float> want(s->logits().begin(), s->logits().end());
  REQUIRE(s->decode(5).ok());
  REQUIRE(s->decode(6).ok());
  REQUIRE(s->truncate(9).ok());
  CHECK(s->logits().empty());
  CHECK(s->position() == 9);
  REQUIRE(s->decode(toks[9]).ok());
  CHECK(same_bits(s->logits(), want));
  CHECK(s->truncate(11).code == status_code::invalid_argument);
}

TEST_CASE("session: context_full leaves the session unchanged") {
  fixture f = load_fixture("tiny-llama-f32.gguf");
  const model& m = *f.m;
  session_options o;
  o.kernels = "ref";
  o.n_ctx = 8;
  auto s = make_session(m, o);
  REQUIRE(s->prefill(some_tokens(m, 8)).ok());
  const std::vector<float> before(s->logits().begin(), s->logits().end());
  CHECK(s->decode(3).code == status_code::context_full);
  CHECK(s->position() == 8);
  CHECK(same_bits(s->logits(), before));
  s->reset();
  CHECK(s->prefill(some_tokens(m, 9)).code == status_code::context_full);
  CHECK(s->position() == 0);
  CHECK(s->decode(m.hp.n_vocab).code == status_code::invalid_argument);
}

TEST_CASE("session: slide_window keeps n_keep + the recent half, recomputed") {
  fixture f = load_fixture("tiny-llama-f32.gguf");
  const model& m = *f.m;
  session_options o;
  o.kernels = "ref";
  o.n_ctx = 8;
  o.slide_window = true;
  o.n_keep = 1;
  auto s = make_session(m, o);
  const std::vector<int32_t> toks = some_tokens(m, 9);
  REQUIRE(s->prefill({toks.data(), 8}).ok());
  REQUIRE(s->decode(toks[8]).ok());
  CHECK(s->n_slides() == 1);
  // Kept: toks[0] + the most recent (8 - 1) / 2 = 3 (toks[5..7]), then the new toks[8].
  const std::vector<int32_t> want = {toks[0], toks[5], toks[6], toks[7], toks[8]};
  CHECK(std::vector<int32_t>(s->tokens().begin(), s->tokens().end()) == want);
  // Same logits as a fresh session given those tokens (positions 0..4).
  session_options of = o;
  of.slide_window = false;
  auto fresh = make_session(m, of);
  REQUIRE(fresh->prefill(want).ok());
  CHECK(same_bits(s->logits(), fresh->logits()));
  // A long prompt slides as it goes and ends with the last tokens.
  s->reset();
  const std::vector<int32_t> longer = some_tokens(m, 30, 1);
  REQUIRE(s->prefill(longer).ok());
  CHECK(s->position() <= 8);
  CHECK(s->tokens()[0] == longer[0]);
  CHECK(s->tokens().back() == longer.back());
}

TEST_CASE("session: memory estimate and cap") {
  fixture f = load_fixture("tiny-llama-f32.gguf");
  const model& m = *f.m;
  session_options o;
  o.kernels = "ref";
  o.n_ctx = 64;
  const size_t est = session::estimate_memory(m, o);
  CHECK(est >= m.kv_cache_bytes(64));
  auto s = make_session(m, o);
  CHECK(s->memory_bytes() == est);
  o.max_memory_bytes = est - 1;
  CHECK(session::create(m, o).code() == status_code::out_of_memory);
  o.max_memory_bytes = 0;
  o.kernels = "nonsense";
  CHECK(session::create(m, o).code() == status_code::invalid_argument);
  o.kernels = "ref";
  o.n_ctx = -1;
  CHECK(session::create(m, o).code() == status_code::invalid_argument);
}

TEST_CASE("session: create() allocates what the memory plan says") {
  // Besides the planned buffers, create() allocates a few small objects (the session, its thread
  // pool and KV cache structs, the list of weight operators) whose size does not depend on
  // n_ctx, n_batch or the model's dimensions. So the bytes measured by the allocation counter,
  // minus estimate_memory(), must be one constant for every n_ctx, n_batch and model of the same
  // layer count (per thread count), and small: a buffer the plan forgets or sizes wrongly shows
  // up as a difference that moves with the sizes. "ref" kernels: nothing is prepacked (packed
  // XNNPACK weights are allocated by XNNPACK, not through operator new, and are not measured).
  constexpr size_t kMaxFixedOverheadBytes = 4096;
  std::vector<fixture> models;
  for (const char* name :
       {"tiny-llama-f32.gguf", "tiny-gpt2-f32.gguf", "tiny-gqa-untied-q8_0.gguf"})
    models.push_back(load_fixture(name));
  for (int n_threads : {1, 3}) {
    std::set<size_t> overheads;
    for (const fixture& f : models) {
      REQUIRE(f.m->hp.n_layer == 2);
      for (int n_ctx : {2, 5, 32, 64}) {
        for (int n_batch : {1, 7, 64, 512}) {
          session_options o;
          o.kernels = "ref";
          o.n_ctx = n_ctx;
          o.n_batch = n_batch;
          o.n_threads = n_threads;
          const size_t est = session::estimate_memory(*f.m, o);
          size_t measured = 0;
          auto r = [&] {
            counting_scope count;
            auto created = session::create(*f.m, o);
            measured = count.bytes();
            return created;
          }();
          REQUIRE_MESSAGE(r.ok(), r.error().to_string());
          CAPTURE(n_ctx);
          CAPTURE(n_batch);
          CAPTURE(n_threads);
          CAPTURE(est);
          CHECK(measured >= est);
          overheads.insert(measured - est);
        }
      }
    }
    CAPTURE(n_threads);
    CHECK(overheads.size() == 1);
    CHECK(*overheads.rbegin() <= kMaxFixedOverheadBytes);
    MESSAGE("threads ", n_threads,
            ": bytes allocated by create() beyond the plan: ", *overheads.begin());
  }
}

TEST_CASE("probes: attention rows sum to 1; alternatives match the final distribution") {
  fixture f = load_fixture("tiny-gqa-untied-q8_0.gguf");
  const model& m = *f.m;
  session_options so;
  so.kernels = "ref";
  so.n_ctx = 32;
  auto g = std::move(generator::create(m, so)).value();
  generate_options go;
  go.seed = 7;
  go.temperature = 0.9f;
  go.top_k = 20;
  go.probes.top_alternatives = 5;
  go.probes.attention = true;
  go.probes.distribution = true;
  go.max_tokens = 6;
  go.stop_at_eos = false;
  const std::vector<int32_t> prompt = some_tokens(m, 4);
  REQUIRE(g->begin(prompt, go).ok());
  for (int i = 0; i < 6; ++i) {
    auto r = g->step();
    REQUIRE(r.ok());
    const step_probes& p = r->probes;
    CHECK(p.n_layer == m.hp.n_layer);
    CHECK(p.n_head == m.hp.n_head);
    CHECK(p.n_pos == 4 + i);  // the query that produced this step's logits sees 4 + i positions
    REQUIRE(p.attention.size() == size_t(p.n_layer) * p.n_head * p.n_pos);
    for (int row = 0; row < p.n_layer * p.n_head; ++row) {
      double sum = 0;
      for (int j = 0; j < p.n_pos; ++j) sum += p.attention[size_t(row) * p.n_pos + j];
      CHECK(sum == doctest::Approx(1.0).epsilon(1e-5));
    }
    REQUIRE(p.alternatives.size() == 5);
    REQUIRE(p.probs.size() == size_t(m.hp.n_vocab));
    REQUIRE(p.logits.size() == size_t(m.hp.n_vocab));
    double total = 0;
    for (float q : p.probs) total += q;
    CHECK(total == doctest::Approx(1.0).epsilon(1e-5));
    for (size_t k = 0; k < p.alternatives.size(); ++k) {
      CHECK(p.alternatives[k].prob == p.probs[p.alternatives[k].token]);
      if (k > 0) CHECK(p.alternatives[k].prob <= p.alternatives[k - 1].prob);
    }
    // Top-20 from the raw logits: the first alternative is the argmax of the logits.
    int argmax = 0;
    for (int v = 1; v < m.hp.n_vocab; ++v) {
      if (p.logits[v] > p.logits[argmax]) argmax = v;
    }
    CHECK(p.alternatives[0].token == argmax);
    CHECK(r->prob == p.probs[r->token]);
    CHECK(r->draw >= 0.0f);
    CHECK(r->done == (i == 5));
  }
  CHECK(g->step().code() == status_code::invalid_state);

  // Probes off: nothing recorded.
  go.probes = {};
  REQUIRE(g->begin(prompt, go).ok());
  auto r = g->step();
  REQUIRE(r.ok());
  CHECK(r->probes.attention.empty());
  CHECK(r->probes.alternatives.empty());
  CHECK(r->probes.probs.empty());
}

TEST_CASE("generator: same seed -> same tokens; greedy == argmax; prefix reuse; force") {
  fixture f = load_fixture("tiny-llama-q4_0.gguf");
  const model& m = *f.m;
  session_options so;
  so.kernels = "ref";
  so.n_ctx = 48;
  auto g = std::move(generator::create(m, so)).value();
  const std::vector<int32_t> prompt = some_tokens(m, 5);

  auto run = [&](uint64_t seed, float temperature) {
    generate_options go;
    go.seed = seed;
    go.temperature = temperature;
    go.max_tokens = 12;
    go.stop_at_eos = false;
    REQUIRE(g->begin(prompt, go).ok());
    std::vector<int32_t> out;
    for (;;) {
      auto r = g->step();
      REQUIRE(r.ok());
      out.push_back(r->token);
      if (r->done) {
        CHECK(r->reason == stop_reason::max_tokens);
        break;
      }
    }
    return out;
  };
  const auto a = run(1, 1.0f);
  CHECK(a.size() == 12);
  CHECK(run(1, 1.0f) == a);
  CHECK(run(2, 1.0f) != a);

  // Greedy: every token is the argmax of a plain session's logits for the same sequence.
  const auto greedy = run(0, 0.0f);
  auto s = make_session(m, so);
  REQUIRE(s->prefill(prompt).ok());
  for (int32_t t : greedy) {
    const auto lg = s->logits();
    int argmax = 0;
    for (int v = 1; v < m.hp.n_vocab; ++v) {
      if (lg[v] > lg[argmax]) argmax = v;
    }
    CHECK(t == argmax);
    REQUIRE(s->decode(t).ok());
  }

  // Prefix reuse: the cache holds prompt + greedy[0..10] (the last token ended the run and was
  // not decoded). A prompt inside the cached sequence reuses all but its last token, which is
  // recomputed for fresh logits.
  generate_options go;
  go.temperature = 0;
  go.stop_at_eos = false;
  std::vector<int32_t> longer = prompt;
  longer.insert(longer.end(), greedy.begin(), greedy.begin() + 3);
  auto br = g->begin(longer, go);
  REQUIRE(br.ok());
  CHECK(br->n_reused == 7);
  CHECK(g->position() == 8);
  // ... and gives the same continuation as the uninterrupted greedy run.
  auto r = g->step();
  REQUIRE(r.ok());
  CHECK(r->token == greedy[3]);
  // A prompt that diverges after 6 tokens reuses exactly those.
  std::vector<int32_t> diverging = prompt;
  diverging.push_back(greedy[0]);
  diverging.push_back((greedy[1] + 1) % m.hp.n_vocab);
  br = g->begin(diverging, go);
  REQUIRE(br.ok());
  CHECK(br->n_reused == 6);
  br = g->begin(longer, go);
  REQUIRE(br.ok());
  CHECK(br->n_reused == 6);

  // force() takes the given token and reports its probability.
  const int32_t forced = (greedy[3] + 1) % m.hp.n_vocab;
  auto fr = g->force(forced);
  REQUIRE(fr.ok());
  CHECK(fr->token == forced);
  CHECK(fr->draw == -1.0f);
  CHECK(g->position() == 9);
  CHECK(g->get_session().tokens().back() == forced);
  CHECK(g->force(-1).code() == status_code::invalid_argument);
}

TEST_CASE("generator: context_full ends generation; slide_window continues; eos stops") {
  fixture f = load_fixture("tiny-llama-f32.gguf");
  const model& m = *f.m;
  session_options so;
  so.kernels = "ref";
  so.n_ctx = 10;
  auto g = std::move(generator::create(m, so)).value();
  generate_options go;
  go.temperature = 0;
  go.max_tokens = 0;
  go.stop_at_eos = false;
  const std::vector<int32_t> prompt = some_tokens(m, 6);
  REQUIRE(g->begin(prompt, go).ok());
  int n = 0;
  for (;;) {
    auto r = g->step();
    REQUIRE(r.ok());
    ++n;
    if (r->done) {
      CHECK(r->reason == stop_reason::context_full);
      break;
    }
  }
  CHECK(n == 5);  // 4 tokens fill positions 6..9; the 5th cannot be added
  CHECK(g->step().code() == status_code::invalid_state);

  go.slide_window = true;
  go.max_tokens = 30;
  REQUIRE(g->begin(prompt, go).ok());
  for (int i = 0; i < 30; ++i) {
    auto r = g->step();
    REQUIRE(r.ok());
    CHECK(r->done == (i == 29));
  }
  CHECK(g->get_session().n_slides() > 0);

  // EOS: force a logit bias that makes EOS certain.
  go.slide_window = false;
  go.stop_at_eos = true;
  go.logit_bias = {{m.vocab.eos(), 100.0f}};
  REQUIRE(m.vocab.eos() >= 0);
  REQUIRE(g->begin(prompt, go).ok());
  auto r = g->step();
  REQUIRE(r.ok());
  CHECK(r->done);
  CHECK(r->reason == stop_reason::eos);
  CHECK(r->token == m.vocab.eos());
  CHECK(g->position() == 6);

  CHECK(g->begin({}, go).code() == status_code::invalid_argument);
  CHECK(g->begin(some_tokens(m, 11), go).code() == status_code::context_full);
}
