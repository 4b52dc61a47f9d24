// Embind bindings: translation only. Functions exposed to JS are named js_* so that they never
// collide with (or overload) core functions of the same name. Every function takes JS values, calls the core, and returns
// a plain object — { ok: true, ... } or { ok: false, code, message, detail } — so nothing ever
// throws across the boundary. `code` is the JS-facing category of docs/status-codes.md and
// `detail` the fine code name. The contract is wasm_bindings/API.md.
//
// Values from JS are checked for type before conversion (a wrong type becomes invalid_argument,
// never an Embind exception): js-values.h. Result objects and model reports: js-results.h.
#include <emscripten/bind.h>
#include <emscripten/val.h>
#include <malloc.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "inkstone/cipai.h"
#include "inkstone/constraint-engine.h"
#include "inkstone/generator.h"
#include "inkstone/gguf.h"
#include "inkstone/model.h"
#include "inkstone/prosody.h"
#include "inkstone/status.h"
#include "inkstone/tokenizer.h"
#include "inkstone/utf8.h"
#include "js-results.h"
#include "js-values.h"

using emscripten::val;

namespace inkstone {
namespace {

using namespace bind;  // js-values.h (option readers), js-results.h (result objects, reports)

#ifdef __EMSCRIPTEN_PTHREADS__
constexpr bool kThreads = true;
#else
constexpr bool kThreads = false;
#endif

// ---------------------------------------------------------------- prosody tables (module-wide)

// Shared so that a constraint engine keeps the tables it was built with alive even if the page
// loads other tables later.
std::shared_ptr<const prosody_tables>& current_tables() {
  static std::shared_ptr<const prosody_tables> tables = std::make_shared<prosody_tables>();
  return tables;
}

// The 詞牌 table (module-wide, optional): {"cipai": name} constraints and 詞 analysis use it.
std::shared_ptr<const cipai_table>& current_cipai() {
  static std::shared_ptr<const cipai_table> table;
  return table;
}

// Text of a token for display: its decoded bytes when they are whole UTF-8, else the piece.
std::string display_text(const tokenizer& vocab, int32_t id) {
  std::string bytes = vocab.token_bytes(id);
  if (utf8_is_valid(bytes)) return bytes;
  return std::string(vocab.token_piece(id));
}

// ---------------------------------------------------------------- Session

class Session {
 public:
  Session(uint8_t* bytes, size_t n_bytes, std::unique_ptr<model> m,
          std::unique_ptr<generator> g)
      : bytes_(bytes), n_bytes_(n_bytes), model_(std::move(m)), gen_(std::move(g)) {}

  // Order matters: the generator and filter point into the model, the model into the bytes.
  ~Session() {
    gen_.reset();
    filter_.reset();
    model_.reset();
    std::free(bytes_);
  }

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  val info() const {
    val o = val::object();
    set_hparams(o, *model_);
    const session& s = gen_->get_session();
    o.set("nCtx", s.n_ctx());
    o.set("weightTypes", weight_types(model_->gguf));
    o.set("fileBytes", static_cast<double>(n_bytes_));
    o.set("memoryBytes", static_cast<double>(n_bytes_ + s.memory_bytes()));
    o.set("kernels", std::string(s.kernels_name()));
    o.set("nThreads", s.n_threads());
    o.set("meta", meta_object(model_->gguf));
    return o;
  }

  // Counters for tests: per pool thread (0: the thread that calls into the session), the work
  // items it ran (session::thread_work_items).
  val stats() const {
    const std::vector<int64_t> items = gen_->get_session().thread_work_items();
    val by_thread = val::array();
    for (const int64_t n : items) by_thread.call<void>("push", static_cast<double>(n));
    val o = val::object();
    o.set("workItemsByThread", by_thread);
    return o;
  }

  val tokenize(std::string text, bool add_bos) const { return encode(text, add_bos, false); }

  // As tokenize, with control pieces in the text matched whole (a ChatML prompt's
  // "<|im_start|>"): the model's own markup, never text a user typed.
  val tokenize_special(std::string text, bool add_bos) const { return encode(text, add_bos, true); }

  val encode(const std::string& text, bool add_bos, bool parse_special) const {
    const std::vector<int32_t> ids = model_->vocab.encode(text, add_bos, parse_special);
    val o = ok_object();
    o.set("tokens", val::array(ids.begin(), ids.end()));
    return o;
  }

  val detokenize(val tokens) const {
    auto ids = read_tokens(tokens, model_->vocab.n_vocab(), "detokenize: tokens");
    if (!ids.ok()) return error_object(ids.error());
    const bool strip = model_->vocab.kind() == tokenizer_kind::llama &&
                       model_->vocab.add_space_prefix();
    val o = ok_object();
    o.set("text", model_->vocab.decode(*ids, strip));
    return o;
  }

  std::string token_piece(int id) const { return std::string(model_->vocab.token_piece(id)); }

  // The bytes a token decodes to (a Uint8Array; empty for control tokens such as BOS): a byte
  // token of a multi-byte character is not UTF-8 alone, so it cannot travel as a string.
  val token_bytes(int id) const {
    const std::string b = model_->vocab.token_bytes(id);
    return val::global("Uint8Array").new_(
        val(emscripten::typed_memory_view(b.size(), reinterpret_cast<const uint8_t*>(b.data()))));
  }

  val begin(val tokens, val options) {
    auto prompt = read_tokens(tokens, model_->vocab.n_vocab(), "begin: prompt");
    if (!prompt.ok()) return error_object(prompt.error());
    generate_options g;
    status err;
    if (!read_options(options, &g, &err)) return error_object(std::move(err).with_context("begin"));

    filter_.reset();
    if (is_present(options) && is_present(options["constraint"])) {
      const val spec = options["constraint"];
      if (!spec.isString()) {
        return error_object(status_code::invalid_argument,
                            "begin: options.constraint must be a JSON string");
      }
      tables_ = current_tables();
      auto engine = make_constraint_filter(spec.as<std::string>(), model_->vocab, *tables_,
                                           current_cipai().get());
      if (!engine.ok()) return error_object(std::move(engine).error().with_context("begin"));
      filter_ = std::move(engine).value();
      g.filter = filter_.get();
    }
    auto r = gen_->begin(*prompt, std::move(g));
    if (!r.ok()) return error_object(r.error());
    val o = ok_object();
    o.set("nPrompt", r->n_prompt);
    o.set("nReused", r->n_reused);
    o.set("prefillMs", r->prefill_ms);
    return o;
  }

  val step() { return step_object(gen_->step()); }

  val force_token(int token) { return step_object(gen_->force(token)); }

  int position() const { return gen_->position(); }

 private:
  bool read_options(const val& options, generate_options* g, status* err) {
    if (is_present(options) && options.typeOf().as<std::string>() != "object") {
      *err = make_error(status_code::invalid_argument, "options must be an object");
      return false;
    }
    // The seed: a number (integer up to 2^53) or a decimal string (full 64 bits).
    if (is_present(options) && is_present(options["seed"])) {
      const val seed = options["seed"];
      if (seed.isString()) {
        const std::string s = seed.as<std::string>();
        char* end = nullptr;
        g->seed = std::strtoull(s.c_str(), &end, 10);
        if (s.empty() || *end != '\0') {
          *err = make_error(status_code::invalid_argument, "options.seed: not a decimal integer");
          return false;
        }
      } else {
        int64_t seed_int = 0;
        if (!read_int(options, "seed", 0, int64_t{1} << 53, &seed_int, err)) return false;
        g->seed = static_cast<uint64_t>(seed_int);
      }
    }
    int64_t top_k = g->top_k, repeat_last_n = g->repeat_last_n, max_tokens = g->max_tokens;
    if (!read_float(options, "temperature", &g->temperature, err)) return false;
    if (!read_int(options, "topK", -1, 1 << 30, &top_k, err)) return false;
    if (!read_float(options, "topP", &g->top_p, err)) return false;
    if (!read_float(options, "minP", &g->min_p, err)) return false;
    if (!read_float(options, "repeatPenalty", &g->repeat_penalty, err)) return false;
    if (!read_int(options, "repeatLastN", 0, 1 << 30, &repeat_last_n, err)) return false;
    if (!read_int(options, "maxTokens", 0, 1 << 30, &max_tokens, err)) return false;
    if (!read_bool(options, "slideWindow", &g->slide_window, err)) return false;
    if (!read_bool(options, "stopAtEos", &g->stop_at_eos, err)) return false;
    g->top_k = static_cast<int32_t>(top_k);
    g->repeat_last_n = static_cast<int32_t>(repeat_last_n);
    g->max_tokens = static_cast<int32_t>(max_tokens);

    if (is_present(options) && is_present(options["logitBias"])) {
      const val bias = options["logitBias"];
      if (bias.typeOf().as<std::string>() != "object") {
        *err = make_error(status_code::invalid_argument, "options.logitBias must be an object");
        return false;
      }
      const val keys = val::global("Object").call<val>("keys", bias);
      const int n = keys["length"].as<int>();
      for (int i = 0; i < n; ++i) {
        const std::string key = keys[i].as<std::string>();
        char* end = nullptr;
        const long id = std::strtol(key.c_str(), &end, 10);
        if (key.empty() || *end != '\0' || id < 0 || id >= model_->vocab.n_vocab()) {
          *err = make_error(status_code::invalid_argument, "options.logitBias: \"", key,
                            "\" is not a token id");
          return false;
        }
        const val b = bias[key];
        if (!b.isNumber()) {
          *err = make_error(status_code::invalid_argument, "options.logitBias[", key,
                            "] must be a number");
          return false;
        }
        g->logit_bias.emplace_back(static_cast<int32_t>(id), static_cast<float>(b.as<double>()));
      }
    }

    // guidanceScale (1 = off) with guidancePrompt: the unconditioned prompt's token ids.
    if (!read_float(options, "guidanceScale", &g->guidance_scale, err)) return false;
    if (is_present(options) && is_present(options["guidancePrompt"])) {
      auto gp = read_tokens(options["guidancePrompt"], model_->vocab.n_vocab(),
                            "options.guidancePrompt");
      if (!gp.ok()) {
        *err = std::move(gp).error();
        return false;
      }
      g->guidance_prompt = std::move(gp).value();
    }
    // forcedPrefix: token ids taken before the first step, prefilled with the prompt.
    if (is_present(options) && is_present(options["forcedPrefix"])) {
      auto fp = read_tokens(options["forcedPrefix"], model_->vocab.n_vocab(),
                            "options.forcedPrefix");
      if (!fp.ok()) {
        *err = std::move(fp).error();
        return false;
      }
      g->forced_prefix = std::move(fp).value();
    }

    if (is_present(options) && is_present(options["probes"])) {
      const val probes = options["probes"];
      int64_t top = 0;
      if (!read_int(probes, "topAlternatives", 0, 1 << 20, &top, err)) return false;
      g->probes.top_alternatives = static_cast<int>(top);
      if (!read_bool(probes, "attention", &g->probes.attention, err)) return false;
      bool logits = false;
      if (!read_bool(probes, "distribution", &g->probes.distribution, err)) return false;
      if (!read_bool(probes, "logits", &logits, err)) return false;
      if (!read_bool(probes, "guidance", &g->probes.guidance, err)) return false;
      g->probes.distribution = g->probes.distribution || logits;
      // qkv: { layer, head } -> the Q/K/V probe of that head (implies attention).
      const val qkv = probes["qkv"];
      if (is_present(qkv)) {
        int64_t layer = -1, head = -1;
        if (qkv.typeOf().as<std::string>() != "object" || !is_present(qkv["layer"]) ||
            !is_present(qkv["head"])) {
          *err = make_error(status_code::invalid_argument,
                            "options.probes.qkv must be { layer, head }");
          return false;
        }
        if (!read_int(qkv, "layer", 0, model_->hp.n_layer - 1, &layer, err)) return false;
        if (!read_int(qkv, "head", 0, model_->hp.n_head - 1, &head, err)) return false;
        g->probes.qkv_layer = static_cast<int>(layer);
        g->probes.qkv_head = static_cast<int>(head);
        g->probes.attention = true;
      }
    }
    return true;
  }

  val step_object(const result<step_result>& r) const {
    if (!r.ok()) return error_object(r.error());
    const step_result& s = *r;
    val o = ok_object();
    o.set("token", s.token);
    o.set("text", std::string(s.text));
    o.set("prob", s.prob);
    o.set("done", s.done);
    if (s.reason == stop_reason::none) {
      o.set("reason", val::null());
    } else {
      o.set("reason", std::string(stop_reason_name(s.reason)));
    }
    o.set("draw", s.draw);
    if (filter_) {
      o.set("maskedMass", s.masked_mass);
      if (!s.report.top_rule.empty()) o.set("rule", s.report.top_rule);
      if (s.report.relaxed) o.set("relaxed", true);
    }
    const step_probes& p = s.probes;
    if (!p.alternatives.empty()) {
      val alternatives = val::array();
      for (const token_prob& tp : p.alternatives) {
        val a = val::object();
        a.set("token", tp.token);
        a.set("text", display_text(model_->vocab, tp.token));
        a.set("prob", tp.prob);
        alternatives.call<void>("push", a);
      }
      o.set("alternatives", alternatives);
    }
    if (!p.attention.empty()) {
      o.set("attention", float_array_copy(p.attention));
      o.set("nPos", p.n_pos);
      o.set("nLayer", p.n_layer);
      o.set("nHead", p.n_head);
    }
    if (!p.q.empty()) {
      val qkv = val::object();
      qkv.set("layer", p.qkv_layer);
      qkv.set("head", p.qkv_head);
      qkv.set("headDim", p.head_dim);
      qkv.set("q", float_array_copy(p.q));
      qkv.set("k", float_array_copy(p.k));
      qkv.set("v", float_array_copy(p.v));
      qkv.set("out", float_array_copy(p.head_out));
      qkv.set("embedding", float_array_copy(p.embedding));
      o.set("qkv", qkv);
    }
    if (!p.logits.empty()) o.set("logits", float_array_copy(p.logits));
    if (!p.probs.empty()) o.set("distribution", float_array_copy(p.probs));
    if (!p.cond.empty()) {
      o.set("condLogits", float_array_copy(p.cond));
      o.set("uncondLogits", float_array_copy(p.uncond));
    }
    return o;
  }

  uint8_t* bytes_;
  size_t n_bytes_;
  std::unique_ptr<model> model_;
  std::unique_ptr<generator> gen_;
  std::shared_ptr<const prosody_tables> tables_;
  std::unique_ptr<constraint_engine> filter_;
};

// ---------------------------------------------------------------- module functions

// Takes ownership of bytes [ptr, ptr + len) (malloc'ed by the caller) in every case.
val js_create_session(uintptr_t ptr, double len, val options) {
  uint8_t* bytes = reinterpret_cast<uint8_t*>(ptr);
  const size_t n_bytes = static_cast<size_t>(len);
  if (bytes == nullptr) {
    return error_object(status_code::invalid_argument, "create session: null model bytes");
  }
  session_options so;
  status err;
  int64_t n_ctx = 0, max_ctx = 0, n_threads = 1, n_batch = so.n_batch;
  double max_memory = static_cast<double>(so.max_memory_bytes);
  int64_t min_split = so.min_split_macs;
  if (!read_int(options, "nCtx", 0, 1 << 20, &n_ctx, &err) ||
      !read_int(options, "maxCtx", 0, 1 << 20, &max_ctx, &err) ||
      !read_int(options, "minSplitMacs", 0, int64_t{1} << 40, &min_split, &err) ||
      !read_int(options, "nThreads", 1, 64, &n_threads, &err) ||
      !read_int(options, "nBatch", 1, 4096, &n_batch, &err) ||
      !read_number(options, "maxMemoryBytes", &max_memory, &err)) {
    std::free(bytes);
    return error_object(std::move(err).with_context("create session"));
  }
  if (is_present(options) && is_present(options["kernels"])) {
    if (!options["kernels"].isString()) {
      std::free(bytes);
      return error_object(status_code::invalid_argument,
                          "create session: options.kernels must be a string");
    }
    so.kernels = options["kernels"].as<std::string>();
  }
  so.n_ctx = static_cast<int>(n_ctx);
  so.n_threads = kThreads ? static_cast<int>(n_threads) : 1;
  so.n_batch = static_cast<int>(n_batch);
  so.max_memory_bytes = static_cast<size_t>(max_memory);
  so.min_split_macs = min_split;

  auto loaded = load_model({bytes, n_bytes});
  if (!loaded.ok()) {
    std::free(bytes);
    return error_object(loaded.error());
  }
  auto m = std::make_unique<model>(std::move(loaded).value());
  // maxCtx: with nCtx 0 (the model's context), at most this many positions (a 32k-context model's
  // whole KV cache would not fit the wasm heap; a poem needs a few hundred).
  if (so.n_ctx == 0 && max_ctx > 0) so.n_ctx = static_cast<int>(std::min<int64_t>(m->hp.n_ctx, max_ctx));

  // wasm32 guard: session::estimate_memory() sums in size_t, which is 32 bits here and wraps
  // for a context of millions of positions; the KV cache and attention buffers alone, in 64
  // bits, must fit the cap and the address space.
  {
    const llama_hparams& hp = m->hp;
    const uint64_t ctx = static_cast<uint64_t>(so.n_ctx > 0 ? so.n_ctx : hp.n_ctx);
    const uint64_t kv = uint64_t(hp.n_layer) * ctx * uint64_t(hp.n_head_kv) * hp.head_dim * 2 * 4;
    const uint64_t att = (uint64_t(hp.n_layer) + 1) * hp.n_head * ctx * 4;
    const uint64_t cap = so.max_memory_bytes != 0 ? so.max_memory_bytes : uint64_t{SIZE_MAX};
    if (kv + att > cap || kv + att > uint64_t{SIZE_MAX} / 2) {
      m.reset();
      std::free(bytes);
      return error_object(status_code::out_of_memory,
                          "create session: n_ctx " + std::to_string(ctx) + " needs " +
                              std::to_string(kv + att) + " bytes of KV cache and attention buffers, over the limit of " +
                              std::to_string(std::min<uint64_t>(cap, SIZE_MAX / 2)));
    }
  }
  // The session allocates with std::vector and this build has no exceptions, so a failed
  // allocation would abort. Ask the allocator first and report out_of_memory instead.
  const size_t need = session::estimate_memory(*m, so);
  void* probe = std::malloc(need + (size_t{16} << 20));
  if (probe == nullptr) {
    m.reset();
    std::free(bytes);
    return error_object(status_code::out_of_memory,
                        "create session: cannot allocate " + std::to_string(need) +
                            " bytes for the KV cache and scratch in wasm memory");
  }
  std::free(probe);

  auto g = generator::create(*m, so);
  if (!g.ok()) {
    m.reset();
    std::free(bytes);
    return error_object(g.error());
  }
  auto s = std::make_unique<Session>(bytes, n_bytes, std::move(m), std::move(g).value());
  val o = ok_object();
  o.set("session", val(std::move(s)));
  return o;
}

// Header-only report of a GGUF file (or a prefix of it). Does not take ownership of ptr.
val js_inspect_model(uintptr_t ptr, double len) {
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(ptr),
                                       static_cast<size_t>(len));
  gguf_parse_options po;
  po.header_only = true;
  auto parsed = gguf_file::parse(bytes, po);
  if (!parsed.ok()) return error_object(std::move(parsed).error().with_context("inspect"));
  const gguf_file& g = *parsed;

  val info = val::object();
  const gguf_kv* arch = g.find("general.architecture");
  info.set("architecture", arch && arch->value.type == gguf_type::string
                               ? std::string(arch->value.str) : std::string());
  const gguf_kv* name = g.find("general.name");
  info.set("name", name && name->value.type == gguf_type::string ? std::string(name->value.str)
                                                                 : std::string());
  info.set("weightTypes", weight_types(g));
  info.set("fileBytes", static_cast<double>(g.data_end()));
  info.set("meta", meta_object(g));

  val header = val::object();
  header.set("version", g.version());
  header.set("alignment", g.alignment());
  header.set("nTensors", static_cast<double>(g.tensors().size()));
  header.set("nKv", static_cast<double>(g.kvs().size()));
  header.set("dataOffset", static_cast<double>(g.data_offset()));
  header.set("dataEnd", static_cast<double>(g.data_end()));
  header.set("bytesGiven", static_cast<double>(bytes.size()));
  header.set("dataComplete", g.data_complete());
  constexpr size_t kMaxTensorsListed = 1024;
  val tensors = val::array();
  for (size_t i = 0; i < g.tensors().size() && i < kMaxTensorsListed; ++i) {
    const gguf_tensor_info& t = g.tensors()[i];
    val ti = val::object();
    ti.set("name", std::string(t.name));
    const ggml_type_traits* traits = ggml_type_info(t.type_id);
    ti.set("type", traits ? std::string(traits->name) : "type " + std::to_string(t.type_id));
    val shape = val::array();
    for (int d = 0; d < t.n_dims; ++d) shape.call<void>("push", static_cast<double>(t.ne[d]));
    ti.set("shape", shape);
    ti.set("bytes", static_cast<double>(t.n_bytes));
    tensors.call<void>("push", ti);
  }
  header.set("tensors", tensors);
  info.set("header", header);

  // Would Inkstone run it? The same checks as loading, without the tensor data.
  load_options lo;
  lo.header_only = true;
  auto m = load_model(bytes, lo);
  if (m.ok()) {
    set_hparams(info, *m);
    info.set("runnable", true);
  } else {
    info.set("runnable", false);
    val problem = val::object();
    problem.set("code", std::string(code_category(m.code())));
    problem.set("detail", std::string(code_name(m.code())));
    problem.set("message", m.error().message);
    info.set("problem", problem);
  }
  val o = ok_object();
  o.set("info", info);
  return o;
}

val js_set_prosody_tables(std::string tones_tsv, std::string rhyme_tsv) {
  auto t = prosody_tables::parse(tones_tsv, rhyme_tsv);
  if (!t.ok()) return error_object(std::move(t).error().with_context("prosody tables"));
  auto tables = std::make_shared<prosody_tables>(std::move(t).value());
  val o = ok_object();
  o.set("nTones", static_cast<double>(tables->n_tones()));
  o.set("nRhymes", static_cast<double>(tables->n_rhymes()));
  o.set("nRhymeGroups", tables->n_rhyme_groups());
  o.set("rhymeBook", tables->rhyme_book());
  current_tables() = std::move(tables);
  return o;
}

val js_analyse_poem(std::string text) {
  const std::shared_ptr<const prosody_tables> tables = current_tables();
  val o = ok_object();
  const std::shared_ptr<const cipai_table> cipai = current_cipai();
  o.set("json", analyse_poem_json(text, *tables, cipai.get()));
  return o;
}

// analysePoem read as a given 詞牌 (analyse_poem_as): a text written to it is read as it even
// where its structure alone reads otherwise (a 生查子 has a 五律's shape).
val js_analyse_poem_as(std::string text, std::string cipai_name, int variant) {
  const std::shared_ptr<const prosody_tables> tables = current_tables();
  const std::shared_ptr<const cipai_table> cipai = current_cipai();
  if (!cipai) return error_object(status_code::invalid_argument, "analyse: no 詞牌 table is loaded");
  const cipai_pattern* pattern = cipai->find(cipai_name, variant);
  if (pattern == nullptr) {
    return error_object(status_code::invalid_argument,
                        "analyse: no 詞牌 " + cipai_name + " (variant " + std::to_string(variant) +
                            ") in the table");
  }
  val o = ok_object();
  o.set("json", analyse_poem_as(text, *tables, *pattern, cipai.get()).to_json(*tables));
  return o;
}

val js_set_cipai_table(std::string tsv) {
  auto t = cipai_table::parse(tsv);
  if (!t.ok()) return error_object(std::move(t).error().with_context("cipai table"));
  auto table = std::make_shared<cipai_table>(std::move(t).value());
  val o = ok_object();
  o.set("nPatterns", static_cast<double>(table->patterns().size()));
  current_cipai() = std::move(table);
  return o;
}

// The loaded 詞牌 patterns (cipai_patterns in js-results.h); [] when none is loaded.
val js_cipai_patterns() {
  const std::shared_ptr<const cipai_table> table = current_cipai();
  return table ? cipai_patterns(*table) : val::array();
}

val js_form_presets() {
  val out = val::array();
  for (const std::string& n : preset_names()) out.call<void>("push", n);
  return out;
}

val js_build_info() {
  val o = val::object();
  o.set("threads", kThreads);
  o.set("simd", true);
  o.set("apiVersion", 1);
  return o;
}

// Bytes the allocator has handed out and not had back (dlmalloc's mallinfo().uordblks): a leak
// of any size shows here, where the heap size (which only grows) shows only large ones.
double js_heap_in_use() { return static_cast<double>(mallinfo().uordblks); }

// Tests only: a real wasm abort, as a broken invariant would cause.
void js_abort_for_test() { std::abort(); }

}  // namespace
}  // namespace inkstone

EMSCRIPTEN_BINDINGS(inkstone) {
  using namespace emscripten;
  using inkstone::Session;
  class_<Session>("Session")
      .function("info", &Session::info)
      .function("stats", &Session::stats)
      .function("tokenize", &Session::tokenize)
      .function("tokenizeSpecial", &Session::tokenize_special)
      .function("detokenize", &Session::detokenize)
      .function("tokenPiece", &Session::token_piece)
      .function("tokenBytes", &Session::token_bytes)
      .function("begin", &Session::begin)
      .function("step", &Session::step)
      .function("forceToken", &Session::force_token)
      .function("position", &Session::position);
  function("createSession", &inkstone::js_create_session);
  function("inspectModel", &inkstone::js_inspect_model);
  function("setProsodyTables", &inkstone::js_set_prosody_tables);
  function("analysePoem", &inkstone::js_analyse_poem);
  function("analysePoemAs", &inkstone::js_analyse_poem_as);
  function("setCipaiTable", &inkstone::js_set_cipai_table);
  function("cipaiPatterns", &inkstone::js_cipai_patterns);
  function("formPresets", &inkstone::js_form_presets);
  function("buildInfo", &inkstone::js_build_info);
  function("heapInUse", &inkstone::js_heap_in_use);
  function("abortForTest", &inkstone::js_abort_for_test);
}
