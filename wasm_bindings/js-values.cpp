// Reading JS values in the bindings (js-values.h).
#include "js-values.h"

#include <cmath>

namespace inkstone::bind {

bool is_present(const val& v) { return !v.isUndefined() && !v.isNull(); }

// Reads options.key as a number when present. Returns false (and sets *err) on a wrong type.
bool read_number(const val& options, const char* key, double* out, status* err) {
  if (!is_present(options)) return true;
  const val v = options[key];
  if (!is_present(v)) return true;
  if (!v.isNumber()) {
    *err = make_error(status_code::invalid_argument, "options.", key, " must be a number");
    return false;
  }
  *out = v.as<double>();
  if (std::isnan(*out)) {
    *err = make_error(status_code::invalid_argument, "options.", key, " is NaN");
    return false;
  }
  return true;
}

bool read_int(const val& options, const char* key, int64_t lo, int64_t hi, int64_t* out,
              status* err) {
  double d = static_cast<double>(*out);
  if (!read_number(options, key, &d, err)) return false;
  if (d != std::floor(d) || d < static_cast<double>(lo) || d > static_cast<double>(hi)) {
    *err = make_error(status_code::invalid_argument, "options.", key, " must be an integer in [",
                      lo, ", ", hi, "]");
    return false;
  }
  *out = static_cast<int64_t>(d);
  return true;
}

bool read_float(const val& options, const char* key, float* out, status* err) {
  double d = *out;
  if (!read_number(options, key, &d, err)) return false;
  *out = static_cast<float>(d);
  return true;
}

bool read_bool(const val& options, const char* key, bool* out, status* err) {
  if (!is_present(options)) return true;
  const val v = options[key];
  if (!is_present(v)) return true;
  if (v.typeOf().as<std::string>() != "boolean") {
    *err = make_error(status_code::invalid_argument, "options.", key, " must be a boolean");
    return false;
  }
  *out = v.as<bool>();
  return true;
}

// A JS array (or typed array) of integer token ids in [0, n_vocab).
result<std::vector<int32_t>> read_tokens(const val& v, int32_t n_vocab, const char* what) {
  const bool typed = is_present(v) && val::global("ArrayBuffer").call<bool>("isView", v);
  if (!is_present(v) || (!v.isArray() && !typed)) {
    return make_error(status_code::invalid_argument, what, " must be an array of token ids");
  }
  const std::vector<double> raw = emscripten::convertJSArrayToNumberVector<double>(v);
  std::vector<int32_t> out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    const double d = raw[i];
    if (!(d == std::floor(d)) || d < 0 || d >= n_vocab) {
      return make_error(status_code::invalid_argument, what, "[", i, "] is not a token id in [0, ",
                        n_vocab, ")");
    }
    out.push_back(static_cast<int32_t>(d));
  }
  return out;
}

}  // namespace inkstone::bind
