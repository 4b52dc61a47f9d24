// inkstone train TEXT -o OUT.gguf [options]
// Trains a small llama model from scratch on a text file (one poem or line per line), with a
// character vocabulary built from the text, and writes it as an F32 GGUF that `inkstone
// generate`, the playground and llama.cpp load. Progress lines: step, loss, learning rate,
// gradient norm, tokens/s. --save-state / --resume pause and continue a run bit for bit.
// --dump DIR writes what tests/py/test_train_reference.py compares with PyTorch.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "cli-common.h"
#include "inkstone/gguf-writer.h"
#include "inkstone/trainer.h"

using namespace inkstone;
using namespace inkstone::cli;

namespace {

constexpr const char* kCmd = "train";

void train_usage(FILE* out) {
  std::fputs(
      "usage: inkstone train TEXT -o OUT.gguf [options]\n"
      "  model:  --dim N (64) --layers N (2) --heads N (4) --kv-heads N (= heads) --ff N (172)\n"
      "          --ctx N (64) --untied (separate output matrix; default tied to token_embd)\n"
      "  run:    --steps N (300) --batch N (16 windows of ctx tokens) --seed N (1) -t N (1)\n"
      "          --lr X (3e-3) --min-lr X (3e-4) --warmup N (20) --wd X (0.1) --clip X (1)\n"
      "          --beta1 X (0.9) --beta2 X (0.99) --kernels NAME (auto) --log-every N (10)\n"
      "  state:  --save-state FILE (after the last step) --resume FILE (continue a saved run)\n"
      "          --stop-after N (stop after step N: a pause; the schedule still ends at --steps)\n"
      "  tests:  --dump DIR (init.gguf, grads.gguf of the first batch, batches.bin, losses.txt)\n"
      "Exit codes (docs/status-codes.md): 0 ok, 2 bad option, 3 a file cannot be read or\n"
      "written.\n",
      out);
}

status write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  if (!f) return make_error(status_code::io_error, "cannot write ", path);
  return status::success();
}

}  // namespace

int cmd_train(int argc, char** argv) {
  std::string text_path, out_path, state_out, resume, dump;
  train_config cfg;
  adamw_options opt;
  trainer_options to;
  int n_batch = 16, log_every = 10, stop_after = -1, kv_heads = 0;
  uint64_t seed = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      train_usage(stdout);
      return kExitOk;
    }
    if (a == "--untied") {
      cfg.tied_output = false;
      continue;
    }
    if (a.empty() || a[0] != '-') {
      if (!text_path.empty()) return usage_error(kCmd, "unexpected argument '" + a + "'");
      text_path = a;
      continue;
    }
    if (i + 1 >= argc) return usage_error(kCmd, a + " needs a value, or is unknown");
    const char* v = argv[++i];
    status bad;
    auto integer = [&](int64_t lo, int64_t hi) {
      auto r = parse_int(a, v, lo, hi);
      if (!r.ok()) bad = r.error();
      return r.ok() ? int(r.value()) : 0;
    };
    auto number = [&](double lo, double hi) {
      auto r = parse_number(a, v, lo, hi);
      if (!r.ok()) bad = r.error();
      return float(r.ok() ? r.value() : 0.0);
    };
    if (a == "-o" || a == "--out")
      out_path = v;
    else if (a == "--dim")
      cfg.n_embd = integer(2, 8192);
    else if (a == "--layers")
      cfg.n_layer = integer(1, 64);
    else if (a == "--heads")
      cfg.n_head = integer(1, 256);
    else if (a == "--kv-heads")
      kv_heads = integer(1, 256);
    else if (a == "--ff")
      cfg.n_ff = integer(1, 32768);
    else if (a == "--ctx")
      cfg.n_ctx = integer(2, 8192);
    else if (a == "--steps")
      opt.total_steps = integer(1, 1 << 24);
    else if (a == "--batch")
      n_batch = integer(1, 4096);
    else if (a == "--seed") {
      auto r = parse_u64(a, v);
      if (!r.ok()) bad = r.error();
      seed = r.ok() ? r.value() : 0;
    } else if (a == "-t" || a == "--threads")
      to.n_threads = integer(1, 256);
    else if (a == "--lr")
      opt.lr = number(0, 10);
    else if (a == "--min-lr")
      opt.min_lr = number(0, 10);
    else if (a == "--warmup")
      opt.warmup_steps = integer(0, 1 << 24);
    else if (a == "--wd")
      opt.weight_decay = number(0, 10);
    else if (a == "--clip")
      opt.clip = number(0, 1e6);
    else if (a == "--beta1")
      opt.beta1 = number(0, 0.999999);
    else if (a == "--beta2")
      opt.beta2 = number(0, 0.999999);
    else if (a == "--kernels")
      to.kernels = v;
    else if (a == "--log-every")
      log_every = integer(1, 1 << 24);
    else if (a == "--save-state")
      state_out = v;
    else if (a == "--resume")
      resume = v;
    else if (a == "--stop-after")
      stop_after = integer(0, 1 << 24);
    else if (a == "--dump")
      dump = v;
    else
      return usage_error(kCmd, "unknown option '" + a + "'");
    if (!bad.ok()) return usage_error(kCmd, bad.message);
  }
  if (text_path.empty()) return usage_error(kCmd, "give the training text: inkstone train TEXT");
  if (out_path.empty() && state_out.empty() && dump.empty()) {
    return usage_error(kCmd, "give -o OUT.gguf (or --save-state / --dump)");
  }
  cfg.n_head_kv = kv_heads > 0 ? kv_heads : cfg.n_head;

  // Data: a character vocabulary of the text, and every line as <s> line </s>.
  auto text = read_file_text(text_path);
  if (!text.ok()) return fail(kCmd, text.error());
  const tokenizer_config vocab = build_char_vocab(*text);
  auto tok = tokenizer::from_config(vocab);
  if (!tok.ok()) return fail(kCmd, tok.error());
  const std::vector<int32_t> data = encode_lines(*tok, *text);
  if (data.size() < size_t(cfg.n_ctx) + 1) {
    return fail(kCmd, make_error(status_code::invalid_argument, "the text has ", data.size(),
                                 " tokens; --ctx ", cfg.n_ctx, " needs at least ", cfg.n_ctx + 1));
  }
  cfg.n_vocab = tok->n_vocab();

  auto created = trainer::create(cfg, seed, to);
  if (!created.ok()) return fail(kCmd, created.error());
  trainer& tr = **created;
  if (!resume.empty()) {
    auto bytes = read_file_bytes(resume);
    if (!bytes.ok()) return fail(kCmd, bytes.error().with_context("--resume"));
    status s = tr.load_state(*bytes);
    if (!s.ok()) return fail(kCmd, s);
  }
  std::fprintf(stderr,
               "train: %zu tokens, vocabulary %d (%d characters), %lld parameters, batch %d x %d\n",
               data.size(), cfg.n_vocab, cfg.n_vocab - 259, static_cast<long long>(tr.n_params()),
               n_batch, cfg.n_ctx);
  if (!dump.empty()) {
    status s = write_file(dump + "/init.gguf", tr.save_gguf(vocab, "inkstone-train"));
    if (!s.ok()) return fail(kCmd, s);
  }

  std::vector<int32_t> all_batches;
  std::string losses;
  const int last = stop_after >= 0 ? std::min(stop_after, opt.total_steps) : opt.total_steps;
  auto t_log = std::chrono::steady_clock::now();
  int64_t tokens_since_log = 0;
  while (tr.step() < last) {
    const std::vector<int32_t> batch = tr.sample_batch(data, n_batch, cfg.n_ctx);
    auto loss = tr.loss_and_grad(batch, n_batch, cfg.n_ctx);
    if (!loss.ok()) return fail(kCmd, loss.error());
    const float gnorm = tr.grad_norm();
    if (!dump.empty()) {
      all_batches.insert(all_batches.end(), batch.begin(), batch.end());
      char line[64];
      std::snprintf(line, sizeof line, "%.9g %.9g\n", double(*loss), double(gnorm));
      losses += line;
      if (tr.step() == 0) {
        gguf_writer gw;
        for (const train_tensor& t : tr.tensors()) {
          gw.add_tensor(t.name, t.rows, t.cols, tr.grads().data() + t.offset);
        }
        status s = write_file(dump + "/grads.gguf", gw.bytes());
        if (!s.ok()) return fail(kCmd, s);
      }
    }
    const float lr = learning_rate(opt, tr.step());
    tr.apply_adamw(opt);
    tokens_since_log += int64_t(n_batch) * cfg.n_ctx;
    if (tr.step() % log_every == 0 || tr.step() == last) {
      const auto now = std::chrono::steady_clock::now();
      const double s = std::chrono::duration<double>(now - t_log).count();
      std::printf("step %d loss %.4f lr %.3g gnorm %.3f tok/s %.0f\n", tr.step(), double(*loss),
                  double(lr), double(gnorm), s > 0 ? double(tokens_since_log) / s : 0.0);
      std::fflush(stdout);
      t_log = now;
      tokens_since_log = 0;
    }
  }

  if (!dump.empty()) {
    const auto* b = reinterpret_cast<const uint8_t*>(all_batches.data());
    status s = write_file(dump + "/batches.bin",
                          std::vector<uint8_t>(b, b + all_batches.size() * sizeof(int32_t)));
    if (s.ok())
      s = write_file(dump + "/losses.txt", std::vector<uint8_t>(losses.begin(), losses.end()));
    if (!s.ok()) return fail(kCmd, s);
  }
  if (!state_out.empty()) {
    status s = write_file(state_out, tr.save_state());
    if (!s.ok()) return fail(kCmd, s);
  }
  if (!out_path.empty()) {
    status s = write_file(out_path, tr.save_gguf(vocab, "inkstone-train"));
    if (!s.ok()) return fail(kCmd, s);
    std::fprintf(stderr, "train: wrote %s\n", out_path.c_str());
  }
  return kExitOk;
}
