// Result objects and model reports of the bindings (js-results.h).
#include "js-results.h"

#include <cstdint>
#include <cstring>
#include <set>
#include <utility>

namespace inkstone::bind {

val error_object(const status& s) {
  val o = val::object();
  o.set("ok", false);
  o.set("code", std::string(code_category(s.code)));
  o.set("message", s.message);
  o.set("detail", std::string(code_name(s.code)));
  return o;
}

val error_object(status_code code, std::string message) {
  return error_object(status(code, std::move(message)));
}

val ok_object() {
  val o = val::object();
  o.set("ok", true);
  return o;
}

val float_array_copy(std::span<const float> data) {
  return val(emscripten::typed_memory_view(data.size(), data.data())).call<val>("slice");
}

val meta_value(const gguf_value& v) {
  constexpr uint64_t kMaxArrayShown = 64;
  switch (v.type) {
    case gguf_type::u8:
    case gguf_type::u16:
    case gguf_type::u32:
    case gguf_type::u64:
      return val(static_cast<double>(v.bits));
    case gguf_type::i8:
      return val(static_cast<double>(static_cast<int8_t>(v.bits)));
    case gguf_type::i16:
      return val(static_cast<double>(static_cast<int16_t>(v.bits)));
    case gguf_type::i32:
      return val(static_cast<double>(static_cast<int32_t>(v.bits)));
    case gguf_type::i64:
      return val(static_cast<double>(static_cast<int64_t>(v.bits)));
    case gguf_type::f32: {
      float f;
      const uint32_t b = static_cast<uint32_t>(v.bits);
      std::memcpy(&f, &b, sizeof f);
      return val(static_cast<double>(f));
    }
    case gguf_type::f64: {
      double d;
      std::memcpy(&d, &v.bits, sizeof d);
      return val(d);
    }
    case gguf_type::boolean:
      return val(v.bits != 0);
    case gguf_type::string:
      return val(std::string(v.str));
    case gguf_type::array: {
      const gguf_array& a = v.arr;
      if (a.size() > kMaxArrayShown || a.elem_type() == gguf_type::array) {
        return val("[" + std::to_string(a.size()) + " x " + gguf_type_name(a.elem_type()) + "]");
      }
      val out = val::array();
      for (uint64_t i = 0; i < a.size(); ++i) {
        int64_t n;
        double d;
        if (a.elem_type() == gguf_type::string) {
          out.call<void>("push", std::string(a.string_at(i)));
        } else if (a.elem_type() == gguf_type::boolean) {
          out.call<void>("push", a.bool_at(i));
        } else if (a.int_at(i, &n)) {
          out.call<void>("push", static_cast<double>(n));
        } else if (a.float_at(i, &d)) {
          out.call<void>("push", d);
        }
      }
      return out;
    }
  }
  return val::null();
}

val meta_object(const gguf_file& g) {
  val meta = val::object();
  for (const gguf_kv& kv : g.kvs()) meta.set(std::string(kv.key), meta_value(kv.value));
  return meta;
}

val weight_types(const gguf_file& g) {
  std::set<std::string> names;
  for (const gguf_tensor_info& t : g.tensors()) {
    const ggml_type_traits* info = ggml_type_info(t.type_id);
    names.insert(info ? info->name : "type " + std::to_string(t.type_id));
  }
  val out = val::array();
  for (const std::string& n : names) out.call<void>("push", n);
  return out;
}

void set_hparams(val& o, const model& m) {
  const llama_hparams& hp = m.hp;
  o.set("architecture", std::string(model_arch_name(hp.arch)));
  o.set("name", std::string(m.name()));
  o.set("nVocab", hp.n_vocab);
  o.set("nCtxTrain", hp.n_ctx);
  o.set("nCtx", hp.n_ctx);
  o.set("nEmbd", hp.n_embd);
  o.set("nLayer", hp.n_layer);
  o.set("nHead", hp.n_head);
  o.set("nHeadKv", hp.n_head_kv);
  o.set("nFf", hp.n_ff);
  o.set("headDim", hp.head_dim);
  o.set("ropeBase", hp.rope_base);
  o.set("rmsEps", hp.rms_eps);
  o.set("tiedOutput", m.tied_output);
  o.set("tokenizer", std::string(tokenizer_kind_name(m.vocab.kind())));
  o.set("bos", m.vocab.bos());
  o.set("eos", m.vocab.eos());
  o.set("nParams", static_cast<double>(m.n_params()));
  o.set("weightBytes", static_cast<double>(m.weight_bytes()));
}

val cipai_patterns(const cipai_table& table) {
  auto mark = [](tone_req t, bool fixed) {
    if (t == tone_req::level) return fixed ? "平" : "⊕";
    if (t == tone_req::oblique) return fixed ? "仄" : "⊖";
    return "中";
  };
  val out = val::array();
  for (const cipai_pattern& p : table.patterns()) {
    val o = val::object();
    o.set("name", p.name);
    o.set("variant", p.variant);
    o.set("poems", p.n_poems);
    o.set("agreeing", p.n_agreeing);
    o.set("stanzaBreak", p.stanza_break);
    val slots = val::array();
    for (tone_req t : p.slot_tones) slots.call<void>("push", std::string(mark(t, true)));
    o.set("slotTones", slots);
    val lines = val::array();
    for (const cipai_line& l : p.lines) {
      std::string tones;
      for (size_t i = 0; i < l.tones.size(); i++) tones += mark(l.tones[i], l.fixed[i] != 0);
      val lo = val::object();
      lo.set("chars", static_cast<int>(l.tones.size()));
      lo.set("tones", tones);
      lo.set("punct", l.punct);
      lo.set("slot", l.slot);
      lines.call<void>("push", lo);
    }
    o.set("lines", lines);
    out.call<void>("push", o);
  }
  return out;
}

}  // namespace inkstone::bind
