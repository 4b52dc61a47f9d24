// libFuzzer harness: GGUF reader (full and header-only) + load_model validation.
//
// Untrusted bytes in, a status out: the reader must never read outside the input, overflow,
// allocate without bound or trip an assert. When a parse succeeds every metadata value and
// tensor info is walked through the public accessors (so the index tables that arrays point
// into are exercised), and the model's memory estimates are computed (overflow is UB here).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string_view>

#include "inkstone/gguf.h"
#include "inkstone/model.h"
#include "inkstone/status.h"

using namespace inkstone;

namespace {

// Invariant checks that must hold for any input; a failure is a bug (abort = crash report).
#define FUZZ_CHECK(cond)                                                       \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "FUZZ_CHECK failed: %s (%s:%d)\n", #cond, __FILE__, \
                   __LINE__);                                                  \
      std::abort();                                                            \
    }                                                                          \
  } while (0)

// Keeps the reads from being optimised away.
volatile uint64_t g_sink = 0;
void sink(uint64_t v) { g_sink = g_sink + v; }

void walk_array(const gguf_array& a, int depth) {
  FUZZ_CHECK(depth <= kGgufMaxArrayDepth + 1);
  const uint64_t n = a.size() < 64 ? a.size() : 64;  // a sample: arrays may hold 16M elements
  for (uint64_t i = 0; i < n; ++i) {
    int64_t iv = 0;
    double fv = 0;
    switch (a.elem_type()) {
      case gguf_type::string: sink(a.string_at(i).size()); break;
      case gguf_type::array: walk_array(a.array_at(i), depth + 1); break;
      case gguf_type::boolean: sink(a.bool_at(i)); break;
      case gguf_type::f32:
      case gguf_type::f64:
        FUZZ_CHECK(a.float_at(i, &fv));
        break;
      default:
        if (a.int_at(i, &iv)) sink(static_cast<uint64_t>(iv));
    }
  }
}

void walk(const gguf_file& f) {
  for (const gguf_kv& kv : f.kvs()) {
    FUZZ_CHECK(f.find(kv.key) == &kv);  // duplicate keys are refused
    if (kv.value.type == gguf_type::array) walk_array(kv.value.arr, 1);
    if (kv.value.type == gguf_type::string) sink(kv.value.str.size());
    auto i = f.get_int(kv.key);
    auto d = f.get_float(kv.key);
    sink(i.ok() + d.ok());
  }
  const auto bytes = f.bytes();
  for (const gguf_tensor_info& t : f.tensors()) {
    FUZZ_CHECK(f.find_tensor(t.name) == &t);
    FUZZ_CHECK(t.n_dims >= 0 && t.n_dims <= static_cast<int>(kGgufMaxDims));
    if (t.data == nullptr) continue;
    // Tensor data lies inside the caller's bytes.
    FUZZ_CHECK(t.data >= bytes.data());
    FUZZ_CHECK(static_cast<uint64_t>(t.data - bytes.data()) <= bytes.size());
    FUZZ_CHECK(t.n_bytes <= bytes.size() - static_cast<uint64_t>(t.data - bytes.data()));
    if (t.n_bytes > 0) sink(t.data[0] + t.data[t.n_bytes - 1]);
  }
  if (f.data_complete()) FUZZ_CHECK(f.data_end() <= bytes.size());
}

void check_model(const model& m, bool header_only) {
  const llama_hparams& hp = m.hp;
  FUZZ_CHECK(hp.n_vocab > 0 && hp.n_embd > 0 && hp.n_layer > 0 && hp.n_head > 0);
  FUZZ_CHECK(static_cast<int>(m.layers.size()) == hp.n_layer);
  FUZZ_CHECK(m.vocab.n_vocab() == hp.n_vocab);
  sink(m.n_params() + m.weight_bytes());
  for (int n_ctx : {1, 64, 4096}) sink(m.estimated_memory(n_ctx));
  if (header_only) return;
  // Weight views are inside the file and sized for their shape.
  const auto bytes = m.gguf.bytes();
  auto inside = [&](const tensor_view& t) {
    FUZZ_CHECK(t.data != nullptr);
    FUZZ_CHECK(t.data >= bytes.data() && t.data + t.n_bytes <= bytes.data() + bytes.size());
    FUZZ_CHECK(static_cast<uint64_t>(t.rows()) * t.row_bytes() <= t.n_bytes);
  };
  inside(m.token_embd);
  inside(m.output_norm);
  inside(m.output);
  for (const layer_weights& l : m.layers) {
    for (const tensor_view* t : {&l.attn_norm, &l.wq, &l.wk, &l.wv, &l.wo, &l.ffn_norm,
                                 &l.w_gate, &l.w_up, &l.w_down}) {
      inside(*t);
    }
  }
  // The tokenizer built from untrusted metadata must handle text.
  auto ids = m.vocab.encode("床前明月光 the moon\n", true);
  for (int32_t id : ids) FUZZ_CHECK(m.vocab.valid(id));
  sink(m.vocab.decode(ids, true).size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  for (bool header_only : {false, true}) {
    gguf_parse_options po;
    po.header_only = header_only;
    auto f = gguf_file::parse(bytes, po);
    if (f.ok()) {
      walk(*f);
    } else {
      FUZZ_CHECK(f.code() != status_code::ok);
      sink(f.error().message.size());
    }
    load_options lo;
    lo.header_only = header_only;
    auto m = load_model(bytes, lo);
    if (m.ok()) {
      check_model(*m, header_only);
    } else {
      // Every failure carries a documented code and the "load model: " context.
      FUZZ_CHECK(std::string_view(code_category(m.code())) != "ok");
      FUZZ_CHECK(m.error().message.rfind("load model: ", 0) == 0);
    }
  }
  return 0;
}
