// inkstone generate: stream a generation to stdout, stats to stderr.
//   inkstone generate -m MODEL.gguf -p "prompt" [-n N] [--seed S] [--temp T] [--top-k K]
//       [--top-p P] [--min-p M] [--repeat-penalty R] [--repeat-last-n N] [--kernels K]
//       [-t THREADS] [-c N_CTX] [--slide] [--ignore-eos] [--no-bos] [--json]
// The model may also be given as the first positional argument.
//
// --json streams one JSON object a line instead of text, with the field names of the web
// client's events (web/protocol.js TokenEvent, GenerateSummary):
//   {"type":"token","index":0,"token":1234,"piece":"春","text":"春","prob":0.41,"logprob":-0.89}
//     piece: the token's raw piece (byte tokens as <0xNN>); text: the UTF-8-safe text it adds
//     ("" while a character is incomplete); prob: its probability in the distribution it was
//     drawn from (after temperature, top-k/p, min-p); logprob: ln(prob)
//   {"type":"done","tokens":[...],"text":"...","nPrompt":5,"reason":"eos","timings":{"loadMs",
//     "prefillMs","decodeMs","totalMs"},"tokensPerSecond":402.4,"kernels":"xnnpack","threads":1,
//     "nCtx":256}
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cli-common.h"
#include "inkstone/generator.h"
#include "inkstone/model.h"

using namespace inkstone;
using namespace inkstone::cli;

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
      "  --kernels K          ref | avx2 | xnnpack | auto (default auto)\n"
      "  -t N                 threads (default 1)\n"
      "  -c N                 context length (default: the model's)\n"
      "  --slide              slide the window when the context is full\n"
      "  --ignore-eos         keep generating after EOS\n"
      "  --no-bos             do not prepend BOS to the prompt\n"
      "  --json               stream one JSON event a line: a token event per token (index,\n"
      "                       token, piece, text, prob, logprob), then a done event (tokens,\n"
      "                       text, nPrompt, reason, timings, tokensPerSecond)\n"
      "Exit codes (docs/status-codes.md): 0 ok, 2 bad option or value, 3 the model cannot be\n"
      "read, 4 invalid model, 5 unsupported model, 6 out of memory, 7 context full, 1 other.\n",
      out);
}

}  // namespace

int cmd_generate(int argc, char** argv) {
  constexpr const char* kCmd = "generate";
  std::string model_path;
  std::string prompt;
  bool no_bos = false;
  bool json = false;
  generate_options go;
  go.max_tokens = 128;
  session_options so;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      generate_usage(stdout);
      return kExitOk;
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
    if (a == "--json") {
      json = true;
      continue;
    }
    if (a.empty() || a[0] != '-') {
      if (!model_path.empty()) return usage_error(kCmd, "unexpected argument '" + a + "'");
      model_path = a;
      continue;
    }
    static const char* const kWithValue[] = {"-m",
                                             "--model",
                                             "-p",
                                             "--prompt",
                                             "--kernels",
                                             "-n",
                                             "--seed",
                                             "--temp",
                                             "--top-k",
                                             "--top-p",
                                             "--min-p",
                                             "--repeat-penalty",
                                             "--repeat-last-n",
                                             "-t",
                                             "--threads",
                                             "-c",
                                             "--ctx"};
    bool known = false;
    for (const char* k : kWithValue) known = known || a == k;
    if (!known) return usage_error(kCmd, "unknown option '" + a + "'");
    if (i + 1 >= argc) return usage_error(kCmd, a + " needs a value");
    const char* v = argv[++i];
    status bad;
    auto integer = [&](int64_t lo, int64_t hi) {
      auto r = parse_int(a, v, lo, hi);
      if (!r.ok()) bad = r.error();
      return r.ok() ? r.value() : 0;
    };
    auto number = [&](double lo, double hi) {
      auto r = parse_number(a, v, lo, hi);
      if (!r.ok()) bad = r.error();
      return static_cast<float>(r.ok() ? r.value() : 0.0);
    };
    if (a == "-m" || a == "--model") {
      model_path = v;
    } else if (a == "-p" || a == "--prompt") {
      prompt = v;
    } else if (a == "--kernels") {
      so.kernels = v;
    } else if (a == "-n") {
      go.max_tokens = static_cast<int32_t>(integer(0, 1 << 24));
    } else if (a == "--seed") {
      auto r = parse_u64(a, v);
      if (!r.ok()) bad = r.error();
      go.seed = r.ok() ? r.value() : 0;
    } else if (a == "--temp") {
      go.temperature = number(0, 100);
    } else if (a == "--top-k") {
      go.top_k = static_cast<int32_t>(integer(0, 1 << 30));
    } else if (a == "--top-p") {
      go.top_p = number(0, 1);
    } else if (a == "--min-p") {
      go.min_p = number(0, 1);
    } else if (a == "--repeat-penalty") {
      go.repeat_penalty = number(0, 100);
    } else if (a == "--repeat-last-n") {
      go.repeat_last_n = static_cast<int32_t>(integer(0, 1 << 24));
    } else if (a == "-t" || a == "--threads") {
      so.n_threads = static_cast<int>(integer(1, 256));
    } else if (a == "-c" || a == "--ctx") {
      so.n_ctx = static_cast<int>(integer(0, 1 << 24));
    }
    if (!bad.ok()) return usage_error(kCmd, bad.message);
  }
  if (model_path.empty()) return usage_error(kCmd, "give the model: -m MODEL.gguf");

  auto bytes = read_file_bytes(model_path);
  if (!bytes.ok()) return fail(kCmd, bytes.error().with_context("-m"));
  const auto t_load = std::chrono::steady_clock::now();
  auto loaded = load_model(bytes.value());
  if (!loaded.ok()) return fail(kCmd, loaded.error());
  const model& m = loaded.value();
  auto created = generator::create(m, so);
  if (!created.ok()) return fail(kCmd, created.error());
  generator& g = *created.value();
  const double load_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t_load).count();

  std::vector<int32_t> tokens = m.vocab.encode(prompt, !no_bos && m.vocab.bos() >= 0);
  if (tokens.empty())
    return usage_error(kCmd, "-p: the prompt is empty (give -p, or drop --no-bos)");
  const auto t_begin = std::chrono::steady_clock::now();
  auto begun = g.begin(tokens, go);
  if (!begun.ok()) return fail(kCmd, begun.error());
  if (!json) {
    std::fputs(prompt.c_str(), stdout);
    std::fflush(stdout);
  }

  const auto t0 = std::chrono::steady_clock::now();
  stop_reason reason = stop_reason::none;
  std::vector<int32_t> generated;
  std::string text;
  for (;;) {
    auto r = g.step();
    if (!r.ok()) {
      if (!json) std::fputc('\n', stdout);
      return fail(kCmd, r.error());
    }
    generated.push_back(r->token);
    if (json) {
      text.append(r->text);
      const std::string ev =
          "{\"type\":\"token\",\"index\":" + std::to_string(generated.size() - 1) +
          ",\"token\":" + std::to_string(r->token) +
          ",\"piece\":" + json_string(m.vocab.token_piece(r->token)) +
          ",\"text\":" + json_string(r->text) + ",\"prob\":" + json_number(r->prob, 7) +
          ",\"logprob\":" + (r->prob > 0 ? json_number(std::log(r->prob), 7) : "null") + "}\n";
      std::fwrite(ev.data(), 1, ev.size(), stdout);
    } else {
      std::fwrite(r->text.data(), 1, r->text.size(), stdout);
    }
    std::fflush(stdout);
    if (r->done) {
      reason = r->reason;
      break;
    }
  }
  const auto t_end = std::chrono::steady_clock::now();
  const double gen_ms = std::chrono::duration<double, std::milli>(t_end - t0).count();
  const double total_ms = std::chrono::duration<double, std::milli>(t_end - t_begin).count();
  const int n_gen = static_cast<int>(generated.size());
  const double tok_s = gen_ms > 0 ? 1000.0 * n_gen / gen_ms : 0.0;
  const session& sess = g.get_session();
  if (json) {
    std::string ids;
    for (size_t t = 0; t < generated.size(); t++) {
      ids += (t > 0 ? "," : "") + std::to_string(generated[t]);
    }
    const std::string done =
        "{\"type\":\"done\",\"tokens\":[" + ids + "],\"text\":" + json_string(text) +
        ",\"nPrompt\":" + std::to_string(begun->n_prompt) +
        ",\"reason\":" + json_string(stop_reason_name(reason)) +
        ",\"timings\":{\"loadMs\":" + json_number(load_ms) +
        ",\"prefillMs\":" + json_number(begun->prefill_ms) +
        ",\"decodeMs\":" + json_number(gen_ms) + ",\"totalMs\":" + json_number(total_ms) +
        "},\"tokensPerSecond\":" + json_number(tok_s) +
        ",\"kernels\":" + json_string(sess.kernels_name()) +
        ",\"threads\":" + std::to_string(sess.n_threads()) +
        ",\"nCtx\":" + std::to_string(sess.n_ctx()) + "}\n";
    std::fwrite(done.data(), 1, done.size(), stdout);
    return kExitOk;
  }
  std::fputc('\n', stdout);
  std::fprintf(stderr,
               "\n[inkstone] kernels %s, threads %d, n_ctx %d | load %.1f ms | prompt %d tokens "
               "in %.1f ms (%.1f tok/s) | generated %d tokens in %.1f ms (%.1f tok/s) | stop: %s\n",
               sess.kernels_name(), sess.n_threads(), sess.n_ctx(), load_ms, begun->n_prompt,
               begun->prefill_ms,
               begun->prefill_ms > 0 ? 1000.0 * begun->n_prompt / begun->prefill_ms : 0.0, n_gen,
               gen_ms, tok_s, stop_reason_name(reason));
  return kExitOk;
}
