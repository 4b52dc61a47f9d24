// inkstone inspect MODEL.gguf [--json] [--ctx N]
// A report of a GGUF file: format, architecture, hyper-parameters, parameter count, tensor table
// and weight-type summary, tokenizer, context length and estimated memory
// (weights + KV cache + scratch). Reads the whole file into one buffer.
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "cli-common.h"
#include "inkstone/gguf.h"
#include "inkstone/model.h"

using namespace inkstone;

namespace {

struct inspect_args {
  const char* path = nullptr;
  bool json = false;
  int n_ctx = 0;  // 0: the model's context length
};

void inspect_usage(FILE* out) {
  std::fputs(
      "usage: inkstone inspect MODEL.gguf [--json] [--ctx N]\n"
      "  --json    machine-readable output\n"
      "  --ctx N   context length for the memory estimate (default: the model's)\n"
      "Exit codes (docs/status-codes.md): 0 the model would load, 2 bad option, 3 the file\n"
      "cannot be read, 4 invalid model, 5 unsupported model (the report is printed for 4 and 5\n"
      "when the header parses).\n",
      out);
}

bool read_file(const char* path, std::vector<uint8_t>* out, std::string* error) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    *error = std::string("cannot open ") + path + ": " + std::strerror(errno);
    return false;
  }
  out->assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  if (f.bad()) {
    *error = std::string("cannot read ") + path;
    return false;
  }
  return true;
}

std::string human_bytes(uint64_t n) {
  char buf[64];
  if (n < 1024) {
    std::snprintf(buf, sizeof buf, "%" PRIu64 " B", n);
  } else if (n < (uint64_t{1} << 20)) {
    std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(n) / 1024.0);
  } else if (n < (uint64_t{1} << 30)) {
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(n) / (1024.0 * 1024.0));
  } else {
    std::snprintf(buf, sizeof buf, "%.2f GiB", static_cast<double>(n) / (1024.0 * 1024.0 * 1024.0));
  }
  return buf;
}

std::string type_name(uint32_t id) {
  const ggml_type_traits* t = ggml_type_info(id);
  return t ? t->name : "type" + std::to_string(id);
}

// "(rows, cols)": dims in row-major order, as docs/model-conventions.md writes shapes.
std::string shape_string(const gguf_tensor_info& t) {
  std::string s = "(";
  for (int d = t.n_dims - 1; d >= 0; --d) {
    s += std::to_string(t.ne[d]);
    if (d > 0) s += ", ";
  }
  return s + ")";
}

std::string json_escape(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

// The first max_bytes of s, not cut inside a UTF-8 character.
std::string cut_utf8(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return std::string(s);
  size_t n = max_bytes;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return std::string(s.substr(0, n)) + "...";
}

std::string element_string(const gguf_array& a, uint64_t i) {
  char buf[64];
  int64_t iv = 0;
  double fv = 0;
  switch (a.elem_type()) {
    case gguf_type::string:
      return "\"" + cut_utf8(a.string_at(i), 24) + "\"";
    case gguf_type::boolean:
      return a.bool_at(i) ? "true" : "false";
    case gguf_type::u64:
      std::snprintf(buf, sizeof buf, "%" PRIu64, a.u64_at(i));
      return buf;
    case gguf_type::array:
      return "[" + std::to_string(a.array_at(i).size()) + " x " +
             gguf_type_name(a.array_at(i).elem_type()) + "]";
    default:
      break;
  }
  if (a.int_at(i, &iv)) return std::to_string(iv);
  if (a.float_at(i, &fv)) {
    std::snprintf(buf, sizeof buf, "%g", fv);
    return buf;
  }
  return "?";
}

// A short rendering of a metadata value: scalars in full, strings quoted (cut at 80 bytes),
// arrays as "[n x type]" plus their first few elements.
std::string value_string(const gguf_value& v, bool json) {
  char buf[64];
  switch (v.type) {
    case gguf_type::u8:
    case gguf_type::u16:
    case gguf_type::u32:
    case gguf_type::u64:
      std::snprintf(buf, sizeof buf, "%" PRIu64, v.bits);
      return buf;
    case gguf_type::i8:
      return std::to_string(static_cast<int8_t>(v.bits));
    case gguf_type::i16:
      return std::to_string(static_cast<int16_t>(v.bits));
    case gguf_type::i32:
      return std::to_string(static_cast<int32_t>(v.bits));
    case gguf_type::i64:
      return std::to_string(static_cast<int64_t>(v.bits));
    case gguf_type::f32: {
      float f;
      uint32_t b32 = static_cast<uint32_t>(v.bits);
      std::memcpy(&f, &b32, sizeof f);
      std::snprintf(buf, sizeof buf, "%.9g", f);
      return buf;
    }
    case gguf_type::f64: {
      double d;
      std::memcpy(&d, &v.bits, sizeof d);
      std::snprintf(buf, sizeof buf, "%.17g", d);
      return buf;
    }
    case gguf_type::boolean:
      return v.bits ? "true" : "false";
    case gguf_type::string: {
      const std::string str = cut_utf8(v.str, 80);
      return json ? json_escape(str) : "\"" + str + "\"";
    }
    case gguf_type::array: {
      const gguf_array& a = v.arr;
      std::string out =
          "[" + std::to_string(a.size()) + " x " + gguf_type_name(a.elem_type()) + "]";
      for (uint64_t i = 0; i < a.size() && i < 4; ++i) {
        out += i ? ", " : " ";
        out += element_string(a, i);
      }
      if (a.size() > 4) out += ", ...";
      return json ? json_escape(out) : out;
    }
  }
  return "?";
}

struct type_summary {
  int n_tensors = 0;
  uint64_t n_elements = 0;
  uint64_t n_bytes = 0;
};

std::map<std::string, type_summary> summarize(const gguf_file& g) {
  std::map<std::string, type_summary> out;
  for (const gguf_tensor_info& t : g.tensors()) {
    type_summary& s = out[type_name(t.type_id)];
    ++s.n_tensors;
    s.n_elements += t.n_elements;
    s.n_bytes += t.n_bytes;
  }
  return out;
}

std::string special_string(const tokenizer& tok, int32_t id) {
  if (id < 0) return "-";
  return std::to_string(id) + " " + std::string(tok.token_piece(id));
}

// ---------------------------------------------------------------- text report

void print_text(const inspect_args& a, size_t file_bytes, const gguf_file& g,
                const result<model>& m) {
  std::printf("file:          %s (%s, %zu bytes)\n", a.path, human_bytes(file_bytes).c_str(),
              file_bytes);
  std::printf(
      "gguf:          version %u, alignment %u, %zu metadata keys, %zu tensors, data at %" PRIu64
      "\n",
      g.version(), g.alignment(), g.kvs().size(), g.tensors().size(), g.data_offset());
  auto arch = g.get_string("general.architecture");
  std::printf("architecture:  %s\n", arch.ok() ? std::string(arch.value()).c_str() : "(missing)");
  auto name = g.get_string("general.name");
  if (name.ok()) std::printf("name:          %s\n", std::string(name.value()).c_str());

  uint64_t n_params = 0, n_weight_bytes = 0;
  for (const gguf_tensor_info& t : g.tensors()) {
    n_params += t.n_elements;
    n_weight_bytes += t.n_bytes;
  }
  if (m.ok()) {
    const model& md = m.value();
    const llama_hparams& hp = md.hp;
    std::printf(
        "hyper-params:  n_vocab %d, n_ctx %d, n_embd %d, n_layer %d, n_head %d, "
        "n_head_kv %d, head_dim %d, n_ff %d\n",
        hp.n_vocab, hp.n_ctx, hp.n_embd, hp.n_layer, hp.n_head, hp.n_head_kv, hp.head_dim, hp.n_ff);
    std::printf("               rope_base %g, rms_eps %g\n", hp.rope_base, hp.rms_eps);
  }
  std::printf(
      "parameters:    %" PRIu64 "%s\n", n_params,
      m.ok() ? (m.value().tied_output ? " (output tied to token_embd)" : " (untied output)") : "");
  std::printf("weights:       %s\n", human_bytes(n_weight_bytes).c_str());
  for (const auto& [type, s] : summarize(g)) {
    std::printf("  %-8s %4d tensors  %12" PRIu64 " elements  %s\n", type.c_str(), s.n_tensors,
                s.n_elements, human_bytes(s.n_bytes).c_str());
  }
  if (m.ok()) {
    const model& md = m.value();
    const tokenizer& tok = md.vocab;
    std::printf("tokenizer:     %s, %d tokens, %zu merges, add_bos %s, add_space_prefix %s\n",
                tokenizer_kind_name(tok.kind()), tok.n_vocab(), tok.n_merges(),
                tok.add_bos() ? "yes" : "no", tok.add_space_prefix() ? "yes" : "no");
    std::printf("  bos %s | eos %s | unk %s | pad %s\n", special_string(tok, tok.bos()).c_str(),
                special_string(tok, tok.eos()).c_str(), special_string(tok, tok.unk()).c_str(),
                special_string(tok, tok.pad()).c_str());
    const int n_ctx = a.n_ctx > 0 ? a.n_ctx : md.hp.n_ctx;
    std::printf("context:       %d (trained)\n", md.hp.n_ctx);
    std::printf("memory:        %s at n_ctx %d = weights %s + KV cache %s + scratch %s\n",
                human_bytes(md.estimated_memory(n_ctx)).c_str(), n_ctx,
                human_bytes(md.weight_bytes()).c_str(),
                human_bytes(md.kv_cache_bytes(n_ctx)).c_str(),
                human_bytes(md.scratch_bytes(n_ctx)).c_str());
  } else {
    std::printf("model:         not loadable: %s\n", m.error().to_string().c_str());
  }
  std::printf("metadata:\n");
  for (const gguf_kv& kv : g.kvs()) {
    std::printf("  %-44s %s\n", std::string(kv.key).c_str(), value_string(kv.value, false).c_str());
  }
  std::printf("tensors:\n");
  std::printf("  %-32s %-8s %-20s %12s %12s\n", "name", "type", "shape", "bytes", "offset");
  for (const gguf_tensor_info& t : g.tensors()) {
    std::printf("  %-32s %-8s %-20s %12" PRIu64 " %12" PRIu64 "\n", std::string(t.name).c_str(),
                type_name(t.type_id).c_str(), shape_string(t).c_str(), t.n_bytes, t.offset);
  }
}

// ---------------------------------------------------------------- JSON report

void print_json(const inspect_args& a, size_t file_bytes, const gguf_file& g,
                const result<model>& m) {
  std::string o = "{";
  auto field = [&](const char* k, const std::string& v) {
    if (o.size() > 1) o += ",";
    o += "\n  ";
    o += json_escape(k);
    o += ": ";
    o += v;
  };
  field("file", json_escape(a.path));
  field("file_bytes", std::to_string(file_bytes));
  field("gguf_version", std::to_string(g.version()));
  field("alignment", std::to_string(g.alignment()));
  field("n_kv", std::to_string(g.kvs().size()));
  field("data_offset", std::to_string(g.data_offset()));
  auto arch = g.get_string("general.architecture");
  field("architecture", arch.ok() ? json_escape(arch.value()) : "null");
  auto name = g.get_string("general.name");
  field("name", name.ok() ? json_escape(name.value()) : "null");
  uint64_t n_params = 0, n_weight_bytes = 0;
  for (const gguf_tensor_info& t : g.tensors()) {
    n_params += t.n_elements;
    n_weight_bytes += t.n_bytes;
  }
  field("n_params", std::to_string(n_params));
  field("weight_bytes", std::to_string(n_weight_bytes));
  std::string types = "{";
  for (const auto& [type, s] : summarize(g)) {
    if (types.size() > 1) types += ", ";
    types += json_escape(type) + ": {\"n_tensors\": " + std::to_string(s.n_tensors) +
             ", \"n_elements\": " + std::to_string(s.n_elements) +
             ", \"n_bytes\": " + std::to_string(s.n_bytes) + "}";
  }
  field("weight_types", types + "}");
  if (m.ok()) {
    const model& md = m.value();
    const llama_hparams& hp = md.hp;
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "{\"n_vocab\": %d, \"n_ctx\": %d, \"n_embd\": %d, \"n_layer\": %d, "
                  "\"n_head\": %d, \"n_head_kv\": %d, \"head_dim\": %d, \"n_ff\": %d, "
                  "\"rope_base\": %.9g, \"rms_eps\": %.9g}",
                  hp.n_vocab, hp.n_ctx, hp.n_embd, hp.n_layer, hp.n_head, hp.n_head_kv, hp.head_dim,
                  hp.n_ff, hp.rope_base, hp.rms_eps);
    field("hparams", buf);
    field("tied_output", md.tied_output ? "true" : "false");
    const tokenizer& tok = md.vocab;
    field(
        "tokenizer",
        "{\"kind\": " + json_escape(tokenizer_kind_name(tok.kind())) + ", \"n_vocab\": " +
            std::to_string(tok.n_vocab()) + ", \"n_merges\": " + std::to_string(tok.n_merges()) +
            ", \"bos\": " + std::to_string(tok.bos()) + ", \"eos\": " + std::to_string(tok.eos()) +
            ", \"unk\": " + std::to_string(tok.unk()) + ", \"pad\": " + std::to_string(tok.pad()) +
            ", \"add_bos\": " + (tok.add_bos() ? "true" : "false") +
            ", \"add_space_prefix\": " + (tok.add_space_prefix() ? "true" : "false") + "}");
    const int n_ctx = a.n_ctx > 0 ? a.n_ctx : hp.n_ctx;
    field("context_length", std::to_string(hp.n_ctx));
    field("memory", "{\"n_ctx\": " + std::to_string(n_ctx) +
                        ", \"weights\": " + std::to_string(md.weight_bytes()) +
                        ", \"kv_cache\": " + std::to_string(md.kv_cache_bytes(n_ctx)) +
                        ", \"scratch\": " + std::to_string(md.scratch_bytes(n_ctx)) +
                        ", \"total\": " + std::to_string(md.estimated_memory(n_ctx)) + "}");
    field("error", "null");
  } else {
    field("error", "{\"code\": " + json_escape(code_category(m.code())) +
                       ", \"fine_code\": " + json_escape(code_name(m.code())) +
                       ", \"message\": " + json_escape(m.error().message) + "}");
  }
  std::string meta = "{";
  for (const gguf_kv& kv : g.kvs()) {
    if (meta.size() > 1) meta += ",";
    meta += "\n    " + json_escape(kv.key) + ": " + value_string(kv.value, true);
  }
  field("metadata", meta + "\n  }");
  std::string tensors = "[";
  for (const gguf_tensor_info& t : g.tensors()) {
    if (tensors.size() > 1) tensors += ",";
    tensors += "\n    {\"name\": " + json_escape(t.name) +
               ", \"type\": " + json_escape(type_name(t.type_id)) + ", \"ne\": [";
    for (int d = 0; d < t.n_dims; ++d) {
      if (d) tensors += ", ";
      tensors += std::to_string(t.ne[d]);
    }
    tensors += "], \"n_bytes\": " + std::to_string(t.n_bytes) +
               ", \"offset\": " + std::to_string(t.offset) + "}";
  }
  field("tensors", tensors + "\n  ]");
  o += "\n}\n";
  std::fputs(o.c_str(), stdout);
}

void print_error(bool json, const status& s) {
  if (json) {
    std::printf("{\"error\": {\"code\": %s, \"fine_code\": %s, \"message\": %s}}\n",
                json_escape(code_category(s.code)).c_str(), json_escape(code_name(s.code)).c_str(),
                json_escape(s.message).c_str());
    return;
  }
  std::fprintf(stderr, "inkstone inspect: %s\n", s.to_string().c_str());
}

}  // namespace

int cmd_inspect(int argc, char** argv) {
  inspect_args a;
  for (int i = 1; i < argc; ++i) {
    const char* arg = argv[i];
    if (std::strcmp(arg, "--json") == 0) {
      a.json = true;
    } else if (std::strcmp(arg, "--ctx") == 0 && i + 1 < argc) {
      a.n_ctx = std::atoi(argv[++i]);
      if (a.n_ctx <= 0) {
        std::fprintf(stderr, "inkstone inspect: --ctx needs a positive number\n");
        return 2;
      }
    } else if (std::strcmp(arg, "-h") == 0 || std::strcmp(arg, "--help") == 0) {
      inspect_usage(stdout);
      return 0;
    } else if (arg[0] == '-' || a.path) {
      std::fprintf(stderr, "inkstone inspect: unexpected argument '%s'\n", arg);
      inspect_usage(stderr);
      return 2;
    } else {
      a.path = arg;
    }
  }
  if (!a.path) {
    inspect_usage(stderr);
    return 2;
  }
  std::vector<uint8_t> bytes;
  std::string io_error;
  if (!read_file(a.path, &bytes, &io_error)) {
    print_error(a.json, status(status_code::io_error, io_error));
    return cli::exit_code_for(status_code::io_error);
  }
  auto g = gguf_file::parse(bytes);
  if (!g.ok()) {
    print_error(a.json, g.error());
    return cli::exit_code_for(g.code());
  }
  const result<model> m = load_model(bytes);
  if (a.json) {
    print_json(a, bytes.size(), g.value(), m);
  } else {
    print_text(a, bytes.size(), g.value(), m);
  }
  return cli::exit_code_for(m.code());
}
