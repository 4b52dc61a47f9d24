// Cost of the poetry constraint mask per token, against an unconstrained decode step of the same
// model, measured in the same process (only the ratio means anything on a shared machine).
//
//   ./build/inkstone_bench [model.gguf]      (default: $INK_POETRY_MODEL, else the shipped model)
//
// For each preset (tones on), a poem is generated with the engine as the sampler's filter; every
// step times session::decode() and constraint_engine::allow() separately. Output: mean
// microseconds per step for each (thread CPU time), and the mask's share of a decode step.
//
// `main` is weak so that this file can share the inkstone_bench executable with other
// benchmarks that bring their own main (then call bench_constraints_main from there).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "inkstone/constraint-engine.h"
#include "inkstone/model.h"
#include "inkstone/prosody.h"
#include "inkstone/sampler.h"
#include "inkstone/session.h"
#include "inkstone/tokenizer.h"

#ifndef INK_SOURCE_DIR
#define INK_SOURCE_DIR "."
#endif

using namespace inkstone;

namespace {

// CPU time of this thread (the machine running benchmarks is often shared; CPU time is what
// the step costs). The session runs single-threaded here (n_threads = 1).
double now_us() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec * 1e-3;
}

}  // namespace

int bench_constraints_main(int argc, char** argv) {
  const char* env = std::getenv("INK_POETRY_MODEL");
  std::string path = argc > 1      ? argv[1]
                     : env && *env ? env
                                   : INK_SOURCE_DIR "/assets/models/inkstone-poetry-q8_0.gguf";
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
  if (bytes.empty()) {
    std::fprintf(stderr, "bench-constraints: cannot read %s\n", path.c_str());
    return 1;
  }
  auto m = load_model(bytes);
  if (!m.ok()) {
    std::fprintf(stderr, "bench-constraints: %s\n", m.error().to_string().c_str());
    return 1;
  }
  const std::string dir = INK_SOURCE_DIR "/assets/prosody/";
  auto tables = load_prosody_tables(dir + "tones.tsv", dir + "rhyme-classical.tsv");
  if (!tables.ok()) {
    std::fprintf(stderr, "bench-constraints: %s\n", tables.error().to_string().c_str());
    return 1;
  }
  const tokenizer& tok = m->vocab;
  auto s = session::create(*m, session_options{.n_ctx = 256});
  if (!s.ok()) {
    std::fprintf(stderr, "bench-constraints: %s\n", s.error().to_string().c_str());
    return 1;
  }
  const int32_t n_vocab = m->hp.n_vocab;
  std::printf("model %s: n_vocab %d\n", path.c_str(), n_vocab);
  std::printf("%-10s %8s %12s %12s %8s\n", "form", "steps", "decode_us", "mask_us", "ratio");

  std::vector<float> probs(n_vocab);
  std::vector<uint8_t> allowed(n_vocab);
  for (const std::string& kind : preset_names()) {
    double t_decode = 0, t_mask = 0;
    int n_steps = 0;
    for (int rep = 0; rep < 20; rep++) {
      auto form = make_preset(kind, {});
      auto engine = constraint_engine::create(std::move(form).value(), tok, tables.value());
      if (!engine.ok()) return 1;
      auto smp = sampler::create(n_vocab, sampler_params{.seed = static_cast<uint64_t>(rep)});
      s.value()->reset();
      std::vector<int32_t> prompt = {tok.bos()};
      for (int32_t t : tok.encode("春望\n", false)) prompt.push_back(t);
      if (!s.value()->prefill(prompt).ok()) return 1;
      smp->reset(prompt);
      for (int step = 0; step < 120; step++) {
        std::span<const float> logits = s.value()->logits();
        // The mask alone, on this step's distribution.
        const float mx = *std::max_element(logits.begin(), logits.end());
        double sum = 0;
        for (int32_t i = 0; i < n_vocab; i++) sum += probs[i] = std::exp(logits[i] - mx);
        for (float& p : probs) p = static_cast<float>(p / sum);
        std::fill(allowed.begin(), allowed.end(), 1);
        const double t0 = now_us();
        engine.value()->allow(probs, allowed);
        t_mask += now_us() - t0;
        const int32_t token = smp->sample(logits, engine.value().get());
        smp->accept(token, engine.value().get());
        if (token == tok.eos()) break;
        const double t1 = now_us();
        if (!s.value()->decode(token).ok()) break;
        t_decode += now_us() - t1;
        n_steps++;
      }
    }
    std::printf("%-10s %8d %12.2f %12.2f %7.2f%%\n", kind.c_str(), n_steps, t_decode / n_steps,
                t_mask / n_steps, 100.0 * t_mask / t_decode);
  }
  return 0;
}

[[gnu::weak]] int main(int argc, char** argv) { return bench_constraints_main(argc, argv); }
