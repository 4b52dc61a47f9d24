// inkstone poem: write poems as the site writes them — a form (preset, 詞牌, 藏頭 or free), the
// model's prompt and the constraint spec built as site/app/forms.js builds them (poem-plan.h),
// the site's sampling defaults — and analyse each one.
//
//   inkstone poem -m MODEL.gguf [--form F] [--title T] [--heads H] [-n COUNT] [--drafts K]
//       [--seed S] [--json] ...                       (inkstone poem --help for all options)
//
// Everything is loaded once per call: the model, the tokenizer, the tables, one constraint
// engine (reset between poems) and one generator (which reuses the prompt's KV cache), so a
// thousand poems cost a thousand generations and nothing more.
//
// Seeds: draft k of poem i is written with seed S + i*K + k. A poem's reported seed is the seed
// of the draft that was kept, so `--seed <that> -n 1` writes the same poem again.
//
// Drafts (--drafts K): the site does not write drafts yet (issue 14 leaves them to a blind
// reading), so the CLI keeps the draft that is best by what the analyser can say: a finished
// poem (ended by the model, not cut at the token limit) before an unfinished one; then the
// fewest faults (analysis.faults); then the highest mean log-probability per token (the
// probability each token had in the distribution it was drawn from); then the earliest draft.
// With K = 1 the poem is the plain generation.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "cli-common.h"
#include "inkstone/cipai.h"
#include "inkstone/constraint-engine.h"
#include "inkstone/form.h"
#include "inkstone/generator.h"
#include "inkstone/model.h"
#include "inkstone/prosody.h"
#include "poem-plan.h"

using namespace inkstone;
using namespace inkstone::cli;

namespace {

constexpr const char* kCmd = "poem";
constexpr int kMaxDrafts = 64;
constexpr int64_t kMaxPoems = 1000000;

void poem_usage(FILE* out) {
  std::fputs(
      "usage: inkstone poem -m MODEL.gguf [options]\n"
      "Writes poems as the site does: the form and the title prompt the model (Inkstone's\n"
      "form tags; ChatML for a chat template that uses it, as Qwen's; else plain words), the\n"
      "constraint engine holds it to the form, and each poem is analysed (tones, rhymes, faults).\n"
      "Form:\n"
      "  --form F            五言絕句 | 七言絕句 (default) | 五言律詩 | 七言律詩 (also 五绝 七绝\n"
      "                      五律 七律, 绝句/律诗 and wuyan-jueju ... spellings); a 詞牌 by its\n"
      "                      Simplified name (浣溪沙, 菩萨蛮, ...; prompted <词>詞牌, or <其他> "
      "when\n"
      "                      an Inkstone model has no <词> token); cangtou (藏頭); free\n"
      "                      (unconstrained)\n"
      "  --variant N         a 詞牌's 又一體 (default 0, its main structure)\n"
      "  --heads TEXT        藏頭: the characters that start the lines (with a preset or a 詞牌,\n"
      "                      or alone: 4 or 8 make a 絕句 or 律詩, other counts rhyming couplets)\n"
      "  --line-length 5|7   characters per line of a 藏頭 poem (default 7)\n"
      "  --title TEXT        the title (Simplified; not for a 詞, whose title is its 詞牌)\n"
      "  --start 平起|仄起     the opening tone pattern of a 絕句 or 律詩 (default: the usual "
      "one)\n"
      "  --tones, --no-tones enforce 平仄 (default on)\n"
      "  --rhyme, --no-rhyme enforce the rhyme (default on)\n"
      "  --rhyme-book B      xinyun 中华新韵 (default) | classical 平水韵 | ci 詞韻 (default for "
      "a\n"
      "                      詞) | a rhyme-*.tsv file; used by the constraints and the analysis\n"
      "  --prosody DIR       the tables' directory (default: $INK_PROSODY_DIR, else\n"
      "                      assets/prosody of the build's source tree)\n"
      "  --list-forms        list the presets and the 詞牌 (no model needed), then exit\n"
      "Writing:\n"
      "  -n COUNT            poems to write (default 1)\n"
      "  --drafts K          write K drafts of each poem and keep the best: finished first, then\n"
      "                      the fewest faults, then the highest mean log-probability (default 1)\n"
      "  --seed S            seed of the first draft of the first poem (default 0); draft k of\n"
      "                      poem i uses S + i*K + k\n"
      "  --temp T            temperature, 0 = greedy (default 0.8, as the site)\n"
      "  --top-k K           (default 40)   --top-p P (default 0.95)   --min-p M (default 0.05)\n"
      "  --guidance S        classifier-free guidance toward the title against 无题 (default\n"
      "                      2.5 as the site; 1 = off; not for a 詞 or an empty title)\n"
      "  --repeats           allow a character twice (default: not, as the site; a 詞 always may)\n"
      "  --kernels K         ref | avx2 | xnnpack | auto (default auto)\n"
      "  -t N                threads (default 1)\n"
      "Output:\n"
      "  --json              one JSON object per poem per line: index, title, text, tokens, seed,\n"
      "                      draft, reason, complete, logprob, relaxed, analysis (the fields of\n"
      "                      the wasm analysePoem), settings; with --drafts > 1 also drafts\n"
      "                      (seed, text, complete, faults, logprob of each)\n"
      "                      Without --json: the poems as text, progress and a count on stderr.\n"
      "Exit codes (docs/status-codes.md): 0 ok, 2 bad option or value, 3 a file cannot be read,\n"
      "4 invalid model, 5 unsupported model, 1 other.\n",
      out);
}

struct poem_args {
  std::string model_path;
  poem_request request;
  std::string rhyme_book;  // "" = xinyun, or ci for a 詞
  std::string prosody_dir;
  int64_t n_poems = 1;
  int drafts = 1;
  uint64_t seed = 0;
  bool json = false;
  bool list_forms = false;
  generate_options sampling;
  session_options session;
};

// Parses argv into args; returns -1 to go on, else the exit code.
int parse_args(int argc, char** argv, poem_args& a) {
  a.sampling.temperature = 0.8f;  // the playground's defaults (site/app/settings.js, engine.js)
  a.sampling.top_k = 40;
  a.sampling.top_p = 0.95f;
  a.sampling.min_p = 0.05f;
  a.sampling.repeat_penalty = 1.0f;
  a.sampling.repeat_last_n = 64;
  for (int i = 1; i < argc; ++i) {
    const std::string opt = argv[i];
    if (opt == "-h" || opt == "--help") {
      poem_usage(stdout);
      return 0;
    }
    if (opt == "--json") {
      a.json = true;
      continue;
    }
    if (opt == "--repeats") {
      a.request.no_repeat = false;
      continue;
    }
    if (opt == "--list-forms") {
      a.list_forms = true;
      continue;
    }
    if (opt == "--tones" || opt == "--no-tones") {
      a.request.tones = opt == "--tones";
      continue;
    }
    if (opt == "--rhyme" || opt == "--no-rhyme") {
      a.request.rhyme = opt == "--rhyme";
      continue;
    }
    if (opt.empty() || opt[0] != '-') {
      if (!a.model_path.empty()) return usage_error(kCmd, "unexpected argument '" + opt + "'");
      a.model_path = opt;
      continue;
    }
    static const char* const kWithValue[] = {
        "-m",      "--model",   "--form",       "--variant", "--heads", "--line-length",
        "--title", "--start",   "--rhyme-book", "--prosody", "-n",      "--drafts",
        "--seed",  "--temp",    "--top-k",      "--top-p",   "--min-p", "--kernels",
        "-t",      "--threads", "--guidance"};
    bool known = false;
    for (const char* k : kWithValue) known = known || opt == k;
    if (!known) return usage_error(kCmd, "unknown option '" + opt + "'");
    if (i + 1 >= argc) return usage_error(kCmd, opt + " needs a value");
    const char* v = argv[++i];
    status bad;
    auto integer = [&](int64_t lo, int64_t hi, int64_t def) {
      auto r = parse_int(opt, v, lo, hi);
      if (!r.ok()) bad = r.error();
      return r.ok() ? r.value() : def;
    };
    auto number = [&](double lo, double hi) {
      auto r = parse_number(opt, v, lo, hi);
      if (!r.ok()) bad = r.error();
      return r.ok() ? r.value() : 0.0;
    };
    if (opt == "-m" || opt == "--model") {
      a.model_path = v;
    } else if (opt == "--form") {
      a.request.form = v;
    } else if (opt == "--variant") {
      a.request.variant = static_cast<int>(integer(0, 15, 0));
    } else if (opt == "--heads") {
      a.request.heads = v;
    } else if (opt == "--line-length") {
      a.request.line_length = static_cast<int>(integer(5, 7, 7));
      if (bad.ok() && a.request.line_length == 6) {
        bad = make_error(status_code::invalid_argument, opt, ": '", v, "' is neither 5 nor 7");
      }
    } else if (opt == "--title") {
      a.request.title = v;
    } else if (opt == "--start") {
      a.request.start = v;
    } else if (opt == "--rhyme-book") {
      a.rhyme_book = v;
    } else if (opt == "--prosody") {
      a.prosody_dir = v;
    } else if (opt == "-n") {
      a.n_poems = integer(1, kMaxPoems, 1);
    } else if (opt == "--drafts") {
      a.drafts = static_cast<int>(integer(1, kMaxDrafts, 1));
    } else if (opt == "--seed") {
      auto r = parse_u64(opt, v);
      if (!r.ok()) bad = r.error();
      a.seed = r.ok() ? r.value() : 0;
    } else if (opt == "--temp") {
      a.sampling.temperature = static_cast<float>(number(0, 100));
    } else if (opt == "--top-k") {
      a.sampling.top_k = static_cast<int32_t>(integer(0, 1 << 30, 40));
    } else if (opt == "--top-p") {
      a.sampling.top_p = static_cast<float>(number(0, 1));
    } else if (opt == "--min-p") {
      a.sampling.min_p = static_cast<float>(number(0, 1));
    } else if (opt == "--guidance") {
      a.request.guidance = static_cast<float>(number(0, 16));
    } else if (opt == "--kernels") {
      a.session.kernels = v;
    } else if (opt == "-t" || opt == "--threads") {
      a.session.n_threads = static_cast<int>(integer(1, 256, 1));
    }
    if (!bad.ok()) return usage_error(kCmd, bad.message);
  }
  return -1;
}

// One written draft.
struct draft {
  uint64_t seed = 0;
  std::string text;
  std::vector<int32_t> tokens;
  stop_reason reason = stop_reason::none;
  double logprob = 0;  // sum of ln(prob) of the sampled tokens
  int n_relaxed = 0;   // steps where the constraint engine loosened its rules
  poem_analysis analysis;

  bool complete() const { return reason == stop_reason::eos; }
  double mean_logprob() const { return tokens.empty() ? 0 : logprob / tokens.size(); }
};

// The ranking of the file comment: true when a is better than b (ties keep the earlier draft).
bool better(const draft& a, const draft& b) {
  if (a.complete() != b.complete()) return a.complete();
  if (a.analysis.faults.size() != b.analysis.faults.size()) {
    return a.analysis.faults.size() < b.analysis.faults.size();
  }
  return a.mean_logprob() > b.mean_logprob();
}

std::string trim(const std::string& s) {
  const char* ws = " \t\r\n";
  const size_t b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

// Everything that stays the same from poem to poem.
struct writer {
  generator* gen = nullptr;
  constraint_engine* engine = nullptr;  // null when unconstrained
  const prosody_tables* tables = nullptr;
  const cipai_table* cipai = nullptr;
  const poem_plan* plan = nullptr;
  std::vector<int32_t> prompt;
  generate_options options;
  int64_t n_tokens = 0;  // generated, all drafts

  result<draft> write(uint64_t seed) {
    draft d;
    d.seed = seed;
    if (engine != nullptr) engine->reset();
    generate_options go = options;
    go.seed = seed;
    go.filter = engine;
    auto begun = gen->begin(prompt, go);
    if (!begun.ok()) return std::move(begun).error();
    for (;;) {
      INK_ASSIGN_OR_RETURN(step_result r, gen->step());
      d.tokens.push_back(r.token);
      if (r.prob > 0) d.logprob += std::log(static_cast<double>(r.prob));
      d.n_relaxed += r.report.relaxed;
      d.text.append(r.text);
      if (r.done) {
        d.reason = r.reason;
        break;
      }
    }
    n_tokens += static_cast<int64_t>(d.tokens.size());
    d.text = trim(d.text);
    d.analysis = analyse_for(d.text, *tables, *cipai, plan->pattern);
    return d;
  }
};

std::string settings_json(const poem_args& a, const poem_plan& plan, const std::string& book,
                          const prosody_tables& tables) {
  const generate_options& s = a.sampling;
  std::string o = "{\"model\":" + json_string(a.model_path);
  o += ",\"form\":" + json_string(plan.form);
  o += ",\"kind\":" + json_string(poem_kind_name(plan.kind));
  if (plan.kind == poem_kind::cipai) o += ",\"variant\":" + std::to_string(plan.variant);
  o += ",\"tag\":" + json_string(plan.tag);
  o += ",\"title\":" + json_string(plan.title);
  o += ",\"prompt_style\":" + json_string(prompt_style_name(plan.style));
  o += ",\"prompt\":" + json_string(plan.prompt);
  o += ",\"add_bos\":" + std::string(plan.add_bos ? "true" : "false");
  o += ",\"heads\":" + json_string(a.request.heads);
  o += ",\"start\":" + json_string(a.request.start);
  o += std::string(",\"tones\":") + (a.request.tones ? "true" : "false");
  o += std::string(",\"rhyme\":") + (a.request.rhyme ? "true" : "false");
  o += ",\"rhyme_book\":" + json_string(book);
  o += ",\"rhyme_book_name\":" + json_string(tables.rhyme_book());
  o += ",\"drafts\":" + std::to_string(a.drafts);
  o += ",\"temperature\":" + json_number(s.temperature, 7);
  o += ",\"top_k\":" + std::to_string(s.top_k);
  o += ",\"top_p\":" + json_number(s.top_p, 7);
  o += ",\"min_p\":" + json_number(s.min_p, 7);
  o += ",\"repeat_penalty\":" + json_number(s.repeat_penalty, 7);
  o += ",\"repeat_last_n\":" + std::to_string(s.repeat_last_n);
  o += ",\"guidance\":" + json_number(plan.guidance_prompt.empty() ? 1.0 : a.request.guidance, 7);
  o += ",\"guidance_prompt\":" + json_string(plan.guidance_prompt);
  o += ",\"max_tokens\":" + std::to_string(plan.max_tokens);
  o += ",\"constraint\":" + (plan.spec_json.empty() ? std::string("null") : plan.spec_json);
  return o + "}";
}

std::string poem_json(int64_t index, const poem_plan& plan, const std::vector<draft>& drafts,
                      size_t best, const std::string& settings, const prosody_tables& tables) {
  const draft& d = drafts[best];
  std::string o = "{\"index\":" + std::to_string(index);
  o += ",\"title\":" + json_string(plan.title);
  o += ",\"text\":" + json_string(d.text);
  o += ",\"tokens\":[";
  for (size_t t = 0; t < d.tokens.size(); t++) {
    if (t > 0) o += ',';
    o += std::to_string(d.tokens[t]);
  }
  o += "],\"seed\":" + std::to_string(d.seed);
  o += ",\"draft\":" + std::to_string(best);
  o += ",\"reason\":" + json_string(stop_reason_name(d.reason));
  o += std::string(",\"complete\":") + (d.complete() ? "true" : "false");
  o += ",\"logprob\":" + json_number(d.logprob, 17);
  o += ",\"relaxed\":" + std::to_string(d.n_relaxed);
  o += ",\"analysis\":" + d.analysis.to_json(tables);
  o += ",\"settings\":" + settings;
  if (drafts.size() > 1) {
    o += ",\"drafts\":[";
    for (size_t k = 0; k < drafts.size(); k++) {
      const draft& x = drafts[k];
      if (k > 0) o += ',';
      o += "{\"seed\":" + std::to_string(x.seed) + ",\"text\":" + json_string(x.text) +
           ",\"complete\":" + (x.complete() ? "true" : "false") +
           ",\"faults\":" + std::to_string(x.analysis.faults.size()) +
           ",\"logprob\":" + json_number(x.logprob, 17) +
           ",\"n_tokens\":" + std::to_string(x.tokens.size()) + "}";
    }
    o += "]";
  }
  return o + "}\n";
}

// The poem as a reader wants it: a heading, then one sentence (up to 。？！) a line.
std::string poem_text(const poem_plan& plan, const draft& d) {
  std::string o;
  if (plan.kind != poem_kind::cipai && !plan.title.empty()) o += plan.title + " · ";
  o += plan.form;
  if (plan.kind == poem_kind::cipai && plan.variant != 0) {
    o += " (又一體 " + std::to_string(plan.variant) + ")";
  }
  o += " · seed " + std::to_string(d.seed) + "\n";
  std::string line;
  for (char32_t c : decode_code_points(d.text)) {
    if (c == U'\n') {
      if (!line.empty()) o += line + "\n";
      line.clear();
      continue;
    }
    append_code_point(line, c);
    if (c == U'。' || c == U'？' || c == U'！') {
      o += line + "\n";
      line.clear();
    }
  }
  if (!line.empty()) o += line + "\n";
  for (const prosody_fault& f : d.analysis.faults) {
    o += "  [" + f.name + "] " + f.message + "\n";
  }
  if (!d.complete()) o += std::string("  (unfinished: ") + stop_reason_name(d.reason) + ")\n";
  return o + "\n";
}

}  // namespace

int cmd_poem(int argc, char** argv) {
  poem_args a;
  if (const int rc = parse_args(argc, argv, a); rc >= 0) return rc;

  auto dir = find_prosody_dir(a.prosody_dir);
  if (!dir.ok()) return fail(kCmd, dir.error());
  auto cipai_text = read_file_text(dir.value() + "/cipai.tsv");
  if (!cipai_text.ok()) return fail(kCmd, cipai_text.error());
  auto cipai = cipai_table::parse(cipai_text.value());
  if (!cipai.ok()) return fail(kCmd, cipai.error().with_context("cipai.tsv"));
  if (a.list_forms) {
    std::fputs(list_forms(cipai.value()).c_str(), stdout);
    return kExitOk;
  }
  if (a.model_path.empty()) return usage_error(kCmd, "give the model: -m MODEL.gguf");

  const auto t_load = std::chrono::steady_clock::now();
  auto bytes = read_file_bytes(a.model_path);
  if (!bytes.ok()) return fail(kCmd, bytes.error().with_context("-m"));
  auto loaded = load_model(bytes.value());
  if (!loaded.ok()) return fail(kCmd, loaded.error());
  const model& m = loaded.value();

  auto planned = plan_poem(a.request, cipai.value(), m.vocab, prompt_manner_of(m));
  if (!planned.ok()) {
    return planned.code() == status_code::invalid_argument
               ? usage_error(kCmd, planned.error().message)
               : fail(kCmd, planned.error().with_context(a.model_path));
  }
  const poem_plan& plan = planned.value();
  if (!plan.note.empty()) std::fprintf(stderr, "inkstone poem: note: %s\n", plan.note.c_str());

  const std::string book = !a.rhyme_book.empty()           ? a.rhyme_book
                           : plan.kind == poem_kind::cipai ? "ci"
                                                           : "xinyun";
  auto book_path = rhyme_book_path(dir.value(), book);
  if (!book_path.ok()) return usage_error(kCmd, book_path.error().message);
  auto tables = load_prosody_tables(dir.value() + "/tones.tsv", book_path.value());
  if (!tables.ok()) return fail(kCmd, tables.error().with_context("prosody tables"));

  std::unique_ptr<constraint_engine> engine;
  if (!plan.spec_json.empty()) {
    auto form = parse_form_spec(plan.spec_json, tables.value(), &cipai.value());
    if (!form.ok()) return usage_error(kCmd, form.error().message);
    auto made = constraint_engine::create(std::move(form).value(), m.vocab, tables.value());
    if (!made.ok()) return fail(kCmd, made.error().with_context("constraint engine"));
    engine = std::move(made).value();
  }
  auto created = generator::create(m, a.session);
  if (!created.ok()) {
    return created.code() == status_code::invalid_argument
               ? usage_error(kCmd, created.error().message)
               : fail(kCmd, created.error());
  }
  const double load_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t_load).count();

  writer w;
  w.gen = created.value().get();
  w.engine = engine.get();
  w.tables = &tables.value();
  w.cipai = &cipai.value();
  w.plan = &plan;
  w.prompt = m.vocab.encode(plan.prompt, plan.add_bos, plan.parse_special);
  w.options = a.sampling;
  w.options.max_tokens = plan.max_tokens;
  if (!plan.guidance_prompt.empty()) {
    w.options.guidance_scale = a.request.guidance;
    w.options.guidance_prompt =
        m.vocab.encode(plan.guidance_prompt, plan.add_bos, plan.parse_special);
  }
  const std::string settings = a.json ? settings_json(a, plan, book, tables.value()) : "";
  const bool progress = !a.json && a.n_poems > 1 && stderr_is_terminal();

  const auto t0 = std::chrono::steady_clock::now();
  int64_t n_complete = 0, n_with_faults = 0, n_relaxed = 0;
  std::vector<draft> drafts;
  for (int64_t i = 0; i < a.n_poems; i++) {
    drafts.clear();
    size_t best = 0;
    for (int k = 0; k < a.drafts; k++) {
      auto d = w.write(a.seed + static_cast<uint64_t>(i) * a.drafts + k);
      if (!d.ok()) return fail(kCmd, d.error().with_context("poem " + std::to_string(i)));
      drafts.push_back(std::move(d).value());
      if (k > 0 && better(drafts.back(), drafts[best])) best = drafts.size() - 1;
    }
    const draft& kept = drafts[best];
    n_complete += kept.complete();
    n_with_faults += !kept.analysis.faults.empty();
    n_relaxed += kept.n_relaxed > 0;
    const std::string out =
        a.json ? poem_json(i, plan, drafts, best, settings, tables.value()) : poem_text(plan, kept);
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
    if (progress) {
      std::fprintf(stderr, "\r[inkstone] %lld/%lld poems", static_cast<long long>(i + 1),
                   static_cast<long long>(a.n_poems));
    }
  }
  if (progress) std::fputc('\n', stderr);
  if (!a.json) {
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const session& sess = w.gen->get_session();
    std::fprintf(stderr,
                 "[inkstone] %lld poem%s (%lld finished, %lld with faults, %lld with relaxed "
                 "constraints) from %lld draft%s in %.2f s: %lld tokens, %.0f tok/s | load %.0f ms,"
                 " kernels %s, threads %d\n",
                 static_cast<long long>(a.n_poems), a.n_poems == 1 ? "" : "s",
                 static_cast<long long>(n_complete), static_cast<long long>(n_with_faults),
                 static_cast<long long>(n_relaxed), static_cast<long long>(a.n_poems * a.drafts),
                 a.n_poems * a.drafts == 1 ? "" : "s", s, static_cast<long long>(w.n_tokens),
                 s > 0 ? w.n_tokens / s : 0.0, load_ms, sess.kernels_name(), sess.n_threads());
  }
  return kExitOk;
}
