// Embind bindings of the trainer (core/include/inkstone/trainer.h): translation only, as
// bindings.cpp. createTrainer(text, config, seed) builds a character vocabulary of the text,
// splits its lines into training and held-out parts, and returns a Trainer whose methods step,
// evaluate, sample, save and restore. Contract: wasm_bindings/API.md "Training".
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "inkstone/generator.h"
#include "inkstone/model.h"
#include "inkstone/status.h"
#include "inkstone/tokenizer.h"
#include "inkstone/trainer.h"
#include "js-results.h"
#include "js-values.h"

using emscripten::val;

namespace inkstone {
namespace {

using namespace bind;

// Every `every`-th non-empty line (1-based multiples) goes to the held-out text, the rest to
// training: spread over the whole text, the same for the same text.
void split_lines(std::string_view text, int every, std::string* train, std::string* held) {
  size_t start = 0;
  int n = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) {
      ++n;
      std::string* to = (every > 0 && n % every == 0) ? held : train;
      to->append(line);
      to->push_back('\n');
    }
    start = end + 1;
  }
}

val bytes_copy(const std::vector<uint8_t>& b) {
  return val(emscripten::typed_memory_view(b.size(), b.data())).call<val>("slice");
}

class Trainer {
 public:
  Trainer(std::unique_ptr<trainer> t, tokenizer_config vocab, std::vector<int32_t> train,
          std::vector<int32_t> held, adamw_options opt, int n_batch, int n_chars, int n_threads)
      : tr_(std::move(t)),
        vocab_(std::move(vocab)),
        train_(std::move(train)),
        held_(std::move(held)),
        opt_(opt),
        n_batch_(n_batch),
        n_chars_(n_chars),
        n_threads_(n_threads) {}

  val info() const {
    const train_config& c = tr_->config();
    val o = ok_object();
    o.set("nVocab", c.n_vocab);
    o.set("nChars", n_chars_);
    o.set("nEmbd", c.n_embd);
    o.set("nLayer", c.n_layer);
    o.set("nHead", c.n_head);
    o.set("nHeadKv", c.n_head_kv);
    o.set("nFf", c.n_ff);
    o.set("nCtx", c.n_ctx);
    o.set("batch", n_batch_);
    o.set("nParams", static_cast<double>(tr_->n_params()));
    o.set("trainTokens", static_cast<double>(train_.size()));
    o.set("heldOutTokens", static_cast<double>(held_.size()));
    o.set("step", tr_->step());
    o.set("totalSteps", opt_.total_steps);
    o.set("lr", opt_.lr);
    o.set("minLr", opt_.min_lr);
    o.set("warmup", opt_.warmup_steps);
    o.set("nThreads", n_threads_);
    return o;
  }

  // n optimizer steps: { ok, step, losses: number[], loss, gradNorm, lr, tokens, ms,
  // tokensPerSecond } (gradNorm and lr of the last step; tokens = trained this call).
  val step(int n) {
    if (n < 1 || n > 100000) {
      return error_object(status_code::invalid_argument, "train step: n must be in 1..100000");
    }
    const int n_ctx = tr_->config().n_ctx;
    val losses = val::array();
    float loss_v = 0, gnorm = 0, lr = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) {
      const std::vector<int32_t> batch = tr_->sample_batch(train_, n_batch_, n_ctx);
      auto loss = tr_->loss_and_grad(batch, n_batch_, n_ctx);
      if (!loss.ok()) return error_object(std::move(loss).error().with_context("train step"));
      loss_v = *loss;
      gnorm = tr_->grad_norm();
      lr = learning_rate(opt_, tr_->step());
      tr_->apply_adamw(opt_);
      losses.call<void>("push", loss_v);
    }
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    const double tokens = double(n) * n_batch_ * n_ctx;
    val o = ok_object();
    o.set("step", tr_->step());
    o.set("losses", losses);
    o.set("loss", loss_v);
    o.set("gradNorm", gnorm);
    o.set("lr", lr);
    o.set("tokens", tokens);
    o.set("ms", ms);
    o.set("tokensPerSecond", ms > 0 ? tokens * 1000.0 / ms : 0.0);
    return o;
  }

  // Mean loss over up to maxWindows consecutive, non-overlapping windows from the start of the
  // held-out tokens (the same windows every time, so the numbers are comparable).
  val held_out_loss(int max_windows) {
    const int n_ctx = tr_->config().n_ctx;
    const int avail = held_.size() > size_t(n_ctx) ? int((held_.size() - 1) / size_t(n_ctx)) : 0;
    const int n_seq = std::min(std::max(max_windows, 1), avail);
    if (n_seq < 1) {
      return error_object(status_code::invalid_state,
                          "held-out loss: the held-out text has fewer than ctx + 1 tokens");
    }
    std::vector<int32_t> windows;
    windows.reserve(size_t(n_seq) * (n_ctx + 1));
    for (int s = 0; s < n_seq; ++s) {
      const auto* b = held_.data() + size_t(s) * n_ctx;
      windows.insert(windows.end(), b, b + n_ctx + 1);
    }
    auto loss = tr_->loss(windows, n_seq, n_ctx);
    if (!loss.ok()) return error_object(std::move(loss).error().with_context("held-out loss"));
    val o = ok_object();
    o.set("loss", *loss);
    o.set("windows", n_seq);
    return o;
  }

  // A text sampled from the current weights: they are saved as a GGUF and loaded as a model,
  // so this is exactly what the playground would write. options: { seed, temperature, topK,
  // maxTokens } -> { ok, text, tokens }.
  val sample(std::string prompt, val options) {
    generate_options go;
    go.max_tokens = 64;
    status err;
    double seed = 0;
    int64_t top_k = go.top_k, max_tokens = go.max_tokens;
    if (!read_number(options, "seed", &seed, &err) ||
        !read_float(options, "temperature", &go.temperature, &err) ||
        !read_int(options, "topK", 0, 1 << 20, &top_k, &err) ||
        !read_int(options, "maxTokens", 1, 4096, &max_tokens, &err)) {
      return error_object(std::move(err).with_context("sample"));
    }
    go.seed = uint64_t(seed);
    go.top_k = int32_t(top_k);
    go.max_tokens = int32_t(max_tokens);
    const std::vector<uint8_t> bytes = tr_->save_gguf(vocab_, "inkstone-classroom");
    auto m = load_model(bytes);
    if (!m.ok()) return error_object(std::move(m).error().with_context("sample"));
    session_options so;
    so.n_ctx = tr_->config().n_ctx;
    auto g = generator::create(*m, so);
    if (!g.ok()) return error_object(std::move(g).error().with_context("sample"));
    const std::vector<int32_t> ids = m->vocab.encode(prompt, true);
    auto b = (*g)->begin(ids, go);
    if (!b.ok()) return error_object(std::move(b).error().with_context("sample"));
    std::string text;
    val tokens = val::array();
    for (;;) {
      auto r = (*g)->step();
      if (!r.ok()) return error_object(std::move(r).error().with_context("sample"));
      text.append(r->text);
      if (!(r->done && r->reason == stop_reason::eos)) tokens.call<void>("push", r->token);
      if (r->done) break;
    }
    val o = ok_object();
    o.set("text", text);
    o.set("tokens", tokens);
    return o;
  }

  val save_gguf(std::string name) const { return bytes_copy(tr_->save_gguf(vocab_, name)); }
  val save_state() const { return bytes_copy(tr_->save_state()); }

  val load_state(val bytes) {
    const std::vector<uint8_t> b = emscripten::convertJSArrayToNumberVector<uint8_t>(bytes);
    status s = tr_->load_state(b);
    if (!s.ok()) return error_object(std::move(s).with_context("load state"));
    val o = ok_object();
    o.set("step", tr_->step());
    return o;
  }

 private:
  std::unique_ptr<trainer> tr_;
  tokenizer_config vocab_;
  std::vector<int32_t> train_, held_;
  adamw_options opt_;
  int n_batch_;
  int n_chars_;
  int n_threads_;  // config nThreads: the trainer's thread pool size
};

// config: { dim 64, layers 2, heads 4, kvHeads (= heads), ff 172, ctx 64, batch 16, steps 300,
// lr 3e-3, minLr 3e-4, warmup 20, weightDecay 0.1, clip 1, heldOutEvery 20, maxChars 4096,
// nThreads 1, kernels 'auto' }.
val js_create_trainer(std::string text, val config, double seed) {
  train_config c;
  adamw_options opt;
  trainer_options to;
  status err;
  int64_t dim = c.n_embd, layers = c.n_layer, heads = c.n_head, kv = 0, ff = c.n_ff, ctx = c.n_ctx,
          batch = 16, steps = opt.total_steps, warmup = opt.warmup_steps, every = 20,
          max_chars = 4096, threads = 1;
  if (!read_int(config, "dim", 2, 4096, &dim, &err) ||
      !read_int(config, "layers", 1, 64, &layers, &err) ||
      !read_int(config, "heads", 1, 256, &heads, &err) ||
      !read_int(config, "kvHeads", 0, 256, &kv, &err) ||
      !read_int(config, "ff", 1, 32768, &ff, &err) ||
      !read_int(config, "ctx", 2, 4096, &ctx, &err) ||
      !read_int(config, "batch", 1, 4096, &batch, &err) ||
      !read_int(config, "steps", 1, 1 << 24, &steps, &err) ||
      !read_int(config, "warmup", 0, 1 << 24, &warmup, &err) ||
      !read_int(config, "heldOutEvery", 0, 1 << 20, &every, &err) ||
      !read_int(config, "maxChars", 1, 1 << 20, &max_chars, &err) ||
      !read_int(config, "nThreads", 1, 256, &threads, &err) ||
      !read_float(config, "lr", &opt.lr, &err) || !read_float(config, "minLr", &opt.min_lr, &err) ||
      !read_float(config, "weightDecay", &opt.weight_decay, &err) ||
      !read_float(config, "clip", &opt.clip, &err)) {
    return error_object(std::move(err).with_context("create trainer"));
  }
  if (is_present(config) && is_present(config["kernels"])) {
    if (!config["kernels"].isString()) {
      return error_object(status_code::invalid_argument,
                          "create trainer: config.kernels must be a string");
    }
    to.kernels = config["kernels"].as<std::string>();
  }
  if (!(seed >= 0 && seed <= 9007199254740991.0)) {
    return error_object(status_code::invalid_argument,
                        "create trainer: seed must be an integer in 0..2^53");
  }
  c.n_embd = int(dim);
  c.n_layer = int(layers);
  c.n_head = int(heads);
  c.n_head_kv = kv > 0 ? int(kv) : int(heads);
  c.n_ff = int(ff);
  c.n_ctx = int(ctx);
  opt.total_steps = int(steps);
  opt.warmup_steps = int(warmup);
  to.n_threads = int(threads);

  tokenizer_config vocab = build_char_vocab(text, int(max_chars));
  auto tok = tokenizer::from_config(vocab);
  if (!tok.ok()) return error_object(std::move(tok).error().with_context("create trainer"));
  std::string train_text, held_text;
  split_lines(text, int(every), &train_text, &held_text);
  std::vector<int32_t> train = encode_lines(*tok, train_text);
  std::vector<int32_t> held = encode_lines(*tok, held_text);
  if (train.size() < size_t(c.n_ctx) + 1) {
    return error_object(status_code::invalid_argument,
                        "create trainer: the training text has " + std::to_string(train.size()) +
                            " tokens; ctx " + std::to_string(c.n_ctx) + " needs at least " +
                            std::to_string(c.n_ctx + 1));
  }
  c.n_vocab = tok->n_vocab();
  const int n_chars = int(vocab.pieces.size()) - 259;
  auto t = trainer::create(c, uint64_t(seed), to);
  if (!t.ok()) return error_object(std::move(t).error().with_context("create trainer"));
  auto out = std::make_unique<Trainer>(std::move(t).value(), std::move(vocab), std::move(train),
                                       std::move(held), opt, int(batch), n_chars, int(threads));
  val o = ok_object();
  o.set("trainer", val(std::move(out)));
  return o;
}

}  // namespace
}  // namespace inkstone

EMSCRIPTEN_BINDINGS(inkstone_train) {
  using namespace emscripten;
  class_<inkstone::Trainer>("Trainer")
      .function("info", &inkstone::Trainer::info)
      .function("step", &inkstone::Trainer::step)
      .function("heldOutLoss", &inkstone::Trainer::held_out_loss)
      .function("sample", &inkstone::Trainer::sample)
      .function("saveGguf", &inkstone::Trainer::save_gguf)
      .function("saveState", &inkstone::Trainer::save_state)
      .function("loadState", &inkstone::Trainer::load_state);
  function("createTrainer", &inkstone::js_create_trainer);
}
