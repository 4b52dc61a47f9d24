// Status codes and result<T>: how expected failures travel through Inkstone.
//
// Every fallible function returns `status` or `result<T>`. Codes are stable (see
// docs/status-codes.md); tests and the UI switch on them, never on message text.
// Messages gain context on the way up:
//   "load model: tensor blk.3.ffn_up.weight: type q5_1 is not supported"
// No exceptions are used anywhere.
#pragma once

#include <cassert>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace inkstone {

// Fine codes, exactly those of docs/status-codes.md, plus `ok`.
enum class status_code : uint8_t {
  ok = 0,
  bad_magic,
  unsupported_version,
  truncated,
  limit_exceeded,
  bad_alignment,
  bad_offset,
  bad_value_type,
  duplicate_name,
  overflow,
  unsupported_tensor_type,
  unsupported_architecture,
  missing_key,
  missing_tensor,
  bad_shape,
  bad_tokenizer,
  unsupported_tokenizer,
  out_of_memory,
  context_full,
  invalid_argument,
  invalid_state,
  io_error,
  aborted,
};

// Number of codes including `ok` (for tables and tests).
inline constexpr int kNumStatusCodes = static_cast<int>(status_code::aborted) + 1;

// "bad_magic", "truncated", ... ("ok" for ok). Never null.
const char* code_name(status_code code);

// The JS-facing category: "invalid_model", "unsupported_model", "out_of_memory",
// "context_full", "invalid_argument", "invalid_state", "io_error", "aborted" ("ok" for ok).
const char* code_category(status_code code);

// Parses a fine code name ("bad_magic"); nullopt when unknown. Used by tests and bindings.
std::optional<status_code> code_from_name(std::string_view name);

struct status {
  status_code code = status_code::ok;
  std::string message;

  status() = default;
  status(status_code c, std::string msg) : code(c), message(std::move(msg)) {}

  static status success() { return {}; }

  bool ok() const { return code == status_code::ok; }
  explicit operator bool() const { return ok(); }

  // Prepends context: status{truncated, "x"}.with_context("load model") -> "load model: x".
  status with_context(std::string_view context) const&;
  status with_context(std::string_view context) &&;

  // "truncated: load model: ..." (code name first), for logs and the CLI.
  std::string to_string() const;
};

// Shorthand for building an error: make_error(status_code::bad_shape, "tensor ", name, ": ...").
// Arguments are appended with operator+= on std::string (strings, string_views, chars, const
// char*) or formatted with std::to_string when arithmetic.
namespace detail {
inline void append_part(std::string& out, std::string_view s) { out += s; }
inline void append_part(std::string& out, const char* s) { out += s; }
inline void append_part(std::string& out, const std::string& s) { out += s; }
inline void append_part(std::string& out, char c) { out += c; }
template <class T>
requires std::is_arithmetic_v<T>
void append_part(std::string& out, T v) { out += std::to_string(v); }
}  // namespace detail

template <class... Parts>
status make_error(status_code code, const Parts&... parts) {
  std::string msg;
  (detail::append_part(msg, parts), ...);
  return status(code, std::move(msg));
}

// Holds either a T or a non-ok status.
template <class T>
class result {
 public:
  result(T value) : value_(std::move(value)) {}
  result(status error) : status_(std::move(error)) {
    assert(!status_.ok() && "result<T> built from an ok status without a value");
  }

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }

  // Precondition: ok().
  T& value() & {
    assert(ok());
    return *value_;
  }
  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T&& value() && {
    assert(ok());
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // ok status when a value is held.
  const status& error() const& { return status_; }
  status&& error() && { return std::move(status_); }
  status_code code() const { return status_.code; }

 private:
  std::optional<T> value_;
  status status_;
};

}  // namespace inkstone

// Early return on failure. Works in functions returning `status` or `result<U>`.
//   INK_TRY(read_header(c));                      // expr is a status
//   INK_TRY_CTX(read_header(c), "header");        // with context prepended
//   INK_ASSIGN_OR_RETURN(auto v, read_u32(c));    // expr is a result<T>
#define INK_CONCAT_INNER_(a, b) a##b
#define INK_CONCAT_(a, b) INK_CONCAT_INNER_(a, b)

#define INK_TRY(expr)                                  \
  do {                                                 \
    ::inkstone::status ink_try_status_ = (expr);       \
    if (!ink_try_status_.ok()) return ink_try_status_; \
  } while (0)

#define INK_TRY_CTX(expr, context)                                                      \
  do {                                                                                  \
    ::inkstone::status ink_try_status_ = (expr);                                        \
    if (!ink_try_status_.ok()) return std::move(ink_try_status_).with_context(context); \
  } while (0)

#define INK_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return std::move(tmp).error();    \
  lhs = std::move(tmp).value()

#define INK_ASSIGN_OR_RETURN(lhs, expr) \
  INK_ASSIGN_OR_RETURN_IMPL_(INK_CONCAT_(ink_result_, __LINE__), lhs, expr)
