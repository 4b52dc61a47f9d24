// Reading JS values in the bindings: every value from JS is checked for type before conversion,
// so a wrong type becomes invalid_argument (a status), never an Embind exception.
#pragma once

#include <emscripten/val.h>

#include <cstdint>
#include <vector>

#include "inkstone/status.h"

namespace inkstone::bind {

using emscripten::val;

// Neither undefined nor null.
bool is_present(const val& v);

// options.key when present (options itself may be absent): *out keeps its value when the key is
// missing. Returns false and sets *err on a wrong type, NaN or (read_int) a non-integer or a value
// outside [lo, hi].
bool read_number(const val& options, const char* key, double* out, status* err);
bool read_int(const val& options, const char* key, int64_t lo, int64_t hi, int64_t* out,
              status* err);
bool read_float(const val& options, const char* key, float* out, status* err);
bool read_bool(const val& options, const char* key, bool* out, status* err);

// A JS array (or typed array) of integer token ids in [0, n_vocab); `what` names it in errors.
result<std::vector<int32_t>> read_tokens(const val& v, int32_t n_vocab, const char* what);

}  // namespace inkstone::bind
