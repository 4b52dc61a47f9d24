// Result objects of the bindings: { ok: true, ... } or { ok: false, code, message, detail }
// (wasm_bindings/API.md), copies of float data, and the model reports of inspectModel and
// createSession.
#pragma once

#include <emscripten/val.h>

#include <span>
#include <string>

#include "inkstone/cipai.h"
#include "inkstone/gguf.h"
#include "inkstone/model.h"
#include "inkstone/status.h"

namespace inkstone::bind {

using emscripten::val;

// { ok: false, code: the JS-facing category (docs/status-codes.md), message, detail: the code's
// name }.
val error_object(const status& s);
val error_object(status_code code, std::string message);
// { ok: true }
val ok_object();
// A Float32Array that owns a copy (wasm memory may move or be overwritten by the next step).
val float_array_copy(std::span<const float> data);

// A metadata value as JS: scalars as numbers/booleans/strings, short arrays as arrays, long
// arrays (token lists, merges) as a summary string.
val meta_value(const gguf_value& v);
// { key: meta_value } of every metadata entry.
val meta_object(const gguf_file& g);
// The sorted names of the tensor types in the file.
val weight_types(const gguf_file& g);
// The hyperparameters, tokenizer and size of m as fields of o.
void set_hparams(val& o, const model& m);

// The 詞牌 patterns: [{ name, variant, poems, agreeing, stanzaBreak, slotTones: ["仄", "平"],
// lines: [{ chars, tones: "中仄⊖平", punct: "。", slot: 0 | -1 }] }] (tones in cipai.tsv's
// notation: 平/仄 fixed, ⊕/⊖ preferred, 中 either).
val cipai_patterns(const cipai_table& table);

}  // namespace inkstone::bind
