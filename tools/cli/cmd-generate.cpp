// inkstone generate: stream a generation to stdout, stats to stderr.
//   inkstone generate -m MODEL.gguf -p "prompt" [-n N] [--seed S] [--temp T] [--top-k K]
//       [--top-p P] [--min-p M] [--repeat-penalty R] [--repeat-last-n N] [--kernels K]
//       [-t THREADS] [-c N_CTX] [--slide] [--ignore-eos] [--no-bos]
// The model may also be given as the first positional argument.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "inkstone/generator.h"
#include "inkstone/model.h"

using namespace inkstone;

namespace {

void generate_usage(FILE* out) {
  std::fputs(
      "usage: inkstone generate -m MODEL.gguf -p PROMPT [options]\n"
      "  -n N                 tokens to generate (default 128; 0 = until EOS/context full)\n"
      "  --seed S             sampler seed (default 0)\n"
      "  --temp T             temperature, 0 = greedy (default 0.8)\n"
      "  --top-k K            (default 40; 0 = off)\n"
      "  --top-p P            (default 0.95; 1 = off)\n"
      "  --min-p M            (default 0.05; 0 = off)\n"
      "  --repeat-penalty R   (default 1.0 = off)\n"
      "  --repeat-last-n N    (default 64)\n"
      "  --kernels K          ref | xnnpack | auto (default auto)\n"
      "  -t N                 threads (default 1)\n"
      "  -c N                 context length (default: the model's)\n"
      "  --slide              slide the window when the context is full\n"
      "  --ignore-eos         keep generating after EOS\n"
      "  --no-bos             do not prepend BOS to the prompt\n",
      out);
}

bool read_whole_file(const char* path, std::vector<uint8_t>* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

// Parses a number argument; false on garbage.
bool parse_number(const char* s, double* out) {
  char* end = nullptr;
  *out = std::strtod(s, &end);
  return end != s && *end == '\0';
}

}  // namespace

int cmd_generate(int argc, char** argv) {
  const char* model_path = nullptr;
  std::string prompt;
  bool no_bos = false;
  int n_predict = 128;
  generate_options go;
  go.max_tokens = n_predict;
  session_options so;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      generate_usage(stdout);
      return 0;
    }
    if (a == "--no-bos") {
      no_bos = true;
      continue;
    }
    if (a == "--slide") {
      go.slide_window = true;
      continue;
    }
    if (a == "--ignore-eos") {
      go.stop_at_eos = false;
      continue;
    }
    if (a[0] != '-') {
      if (model_path != nullptr) {
        std::fprintf(stderr, "inkstone generate: unexpected argument '%s'\n", a.c_str());
        return 2;
      }
      model_path = argv[i];
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "inkstone generate: %s needs a value\n", a.c_str());
      return 2;
    }
    const char* v = argv[++i];
    if (a == "-m" || a == "--model") {
      model_path = v;
      continue;
    }
    if (a == "-p" || a == "--prompt") {
      prompt = v;
      continue;
    }
    if (a == "--kernels") {
      so.kernels = v;
      continue;
    }
    double x = 0;
    if (!parse_number(v, &x)) {
      std::fprintf(stderr, "inkstone generate: %s: '%s' is not a number\n", a.c_str(), v);
      return 2;
    }
    if (a == "-n")
      n_predict = static_cast<int>(x);
    else if (a == "--seed")
      go.seed = static_cast<uint64_t>(x);
    else if (a == "--temp")
      go.temperature = static_cast<float>(x);
    else if (a == "--top-k")
      go.top_k = static_cast<int32_t>(x);
    else if (a == "--top-p")
      go.top_p = static_cast<float>(x);
    else if (a == "--min-p")
      go.min_p = static_cast<float>(x);
    else if (a == "--repeat-penalty")
      go.repeat_penalty = static_cast<float>(x);
    else if (a == "--repeat-last-n")
      go.repeat_last_n = static_cast<int32_t>(x);
    else if (a == "-t" || a == "--threads")
      so.n_threads = static_cast<int>(x);
    else if (a == "-c" || a == "--ctx")
      so.n_ctx = static_cast<int>(x);
    else {
      std::fprintf(stderr, "inkstone generate: unknown option '%s'\n", a.c_str());
      generate_usage(stderr);
      return 2;
    }
  }
  if (model_path == nullptr) {
    generate_usage(stderr);
    return 2;
  }
  go.max_tokens = n_predict;

  std::vector<uint8_t> bytes;
  if (!read_whole_file(model_path, &bytes)) {
    std::fprintf(stderr, "io_error: cannot read %s\n", model_path);
    return 1;
  }
  const auto t_load = std::chrono::steady_clock::now();
  auto loaded = load_model(bytes);
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s\n", loaded.error().to_string().c_str());
    return 1;
  }
  const model& m = loaded.value();
  auto created = generator::create(m, so);
  if (!created.ok()) {
    std::fprintf(stderr, "%s\n", created.error().to_string().c_str());
    return 1;
  }
  generator& g = *created.value();
  const double load_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t_load).count();

  std::vector<int32_t> tokens = m.vocab.encode(prompt, !no_bos && m.vocab.bos() >= 0);
  if (tokens.empty()) {
    std::fprintf(stderr, "invalid_argument: the prompt is empty (give -p, or drop --no-bos)\n");
    return 2;
  }
  auto begun = g.begin(tokens, go);
  if (!begun.ok()) {
    std::fprintf(stderr, "%s\n", begun.error().to_string().c_str());
    return 1;
  }
  std::fputs(prompt.c_str(), stdout);
  std::fflush(stdout);

  const auto t0 = std::chrono::steady_clock::now();
  stop_reason reason = stop_reason::none;
  int n_gen = 0;
  for (;;) {
    auto r = g.step();
    if (!r.ok()) {
      std::fprintf(stderr, "\n%s\n", r.error().to_string().c_str());
      return 1;
    }
    ++n_gen;
    std::fwrite(r->text.data(), 1, r->text.size(), stdout);
    std::fflush(stdout);
    if (r->done) {
      reason = r->reason;
      break;
    }
  }
  const double gen_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::fputc('\n', stdout);
  std::fprintf(stderr,
               "\n[inkstone] kernels %s, threads %d, n_ctx %d | load %.1f ms | prompt %d tokens "
               "in %.1f ms (%.1f tok/s) | generated %d tokens in %.1f ms (%.1f tok/s) | stop: %s\n",
               g.get_session().kernels_name(), g.get_session().n_threads(), g.get_session().n_ctx(),
               load_ms, begun->n_prompt, begun->prefill_ms,
               begun->prefill_ms > 0 ? 1000.0 * begun->n_prompt / begun->prefill_ms : 0.0, n_gen,
               gen_ms, gen_ms > 0 ? 1000.0 * n_gen / gen_ms : 0.0, stop_reason_name(reason));
  return 0;
}
