// inkstone bench: prompt N tokens, then decode M, and print tokens/s for each phase.
//   inkstone bench -m MODEL.gguf [-p 128] [-n 120] [-r 3] [--kernels K] [-t THREADS]
// tools/bench/run.mjs runs it with --kernels ref and auto (avx2 on x86-64) next to llama.cpp.
// Tokens are a fixed pseudo-random sequence; each decoded token is the argmax of the previous
// logits (no sampler cost). Each repetition starts from an empty cache; the first run is a
// warm-up and is not reported when -r > 1. The speed issue extends this (wasm, wllama, JSON).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "inkstone/model.h"
#include "inkstone/session.h"

using namespace inkstone;

namespace {

void bench_usage(FILE* out) {
  std::fputs(
      "usage: inkstone bench -m MODEL.gguf [-p PROMPT_TOKENS=128] [-n DECODE_TOKENS=120] "
      "[-r REPEATS=3] [--kernels auto|ref|avx2|xnnpack] [-t THREADS=1]\n",
      out);
}

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int cmd_bench(int argc, char** argv) {
  const char* model_path = nullptr;
  int n_prompt = 128, n_decode = 120, repeats = 3;
  session_options so;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      bench_usage(stdout);
      return 0;
    }
    if (a[0] != '-' && model_path == nullptr) {
      model_path = argv[i];
      continue;
    }
    if (i + 1 >= argc) {
      bench_usage(stderr);
      return 2;
    }
    const char* v = argv[++i];
    if (a == "-m")
      model_path = v;
    else if (a == "-p")
      n_prompt = std::atoi(v);
    else if (a == "-n")
      n_decode = std::atoi(v);
    else if (a == "-r")
      repeats = std::max(1, std::atoi(v));
    else if (a == "-t")
      so.n_threads = std::atoi(v);
    else if (a == "--kernels")
      so.kernels = v;
    else {
      bench_usage(stderr);
      return 2;
    }
  }
  if (model_path == nullptr || n_prompt < 1 || n_decode < 0) {
    bench_usage(stderr);
    return 2;
  }
  std::ifstream in(model_path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "io_error: cannot read %s\n", model_path);
    return 1;
  }
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
  auto loaded = load_model(bytes);
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s\n", loaded.error().to_string().c_str());
    return 1;
  }
  const model& m = loaded.value();
  so.n_ctx = n_prompt + n_decode;
  auto created = session::create(m, so);
  if (!created.ok()) {
    std::fprintf(stderr, "%s\n", created.error().to_string().c_str());
    return 1;
  }
  session& s = *created.value();

  std::vector<int32_t> prompt(n_prompt);
  for (int i = 0; i < n_prompt; ++i) prompt[i] = (i * 7919 + 13) % m.hp.n_vocab;

  std::printf("model %s: n_embd %d, n_layer %d, n_head %d/%d, n_ff %d, n_vocab %d, weights %s\n",
              model_path, m.hp.n_embd, m.hp.n_layer, m.hp.n_head, m.hp.n_head_kv, m.hp.n_ff,
              m.hp.n_vocab, ggml_type_name(m.layers[0].wq.type));
  std::printf("kernels %s, threads %d, prompt %d, decode %d\n", s.kernels_name(), s.n_threads(),
              n_prompt, n_decode);
  double best_prefill = 0, best_decode = 0;
  const int runs = repeats > 1 ? repeats + 1 : 1;
  for (int run = 0; run < runs; ++run) {
    s.reset();
    auto t = std::chrono::steady_clock::now();
    status st = s.prefill(prompt);
    const double prefill_ms = ms_since(t);
    if (!st.ok()) {
      std::fprintf(stderr, "%s\n", st.to_string().c_str());
      return 1;
    }
    t = std::chrono::steady_clock::now();
    for (int i = 0; i < n_decode; ++i) {
      const auto lg = s.logits();
      const int32_t next =
          static_cast<int32_t>(std::max_element(lg.begin(), lg.end()) - lg.begin());
      st = s.decode(next);
      if (!st.ok()) {
        std::fprintf(stderr, "%s\n", st.to_string().c_str());
        return 1;
      }
    }
    const double decode_ms = ms_since(t);
    if (runs > 1 && run == 0) continue;  // warm-up
    const double pf = 1000.0 * n_prompt / prefill_ms;
    const double dc = n_decode > 0 ? 1000.0 * n_decode / decode_ms : 0.0;
    best_prefill = std::max(best_prefill, pf);
    best_decode = std::max(best_decode, dc);
    std::printf("run %d: prefill %.1f ms (%.1f tok/s), decode %.1f ms (%.1f tok/s)\n", run,
                prefill_ms, pf, decode_ms, dc);
  }
  std::printf("best: prefill %.1f tok/s, decode %.1f tok/s\n", best_prefill, best_decode);
  return 0;
}
