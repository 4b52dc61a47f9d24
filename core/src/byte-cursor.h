// A bounds-checked little-endian reader over untrusted bytes. Every read checks the bytes
// remaining first and fails with `truncated`; values are copied with memcpy (no aliasing or
// alignment assumptions). Private to core/src.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>

#include "inkstone/status.h"

namespace inkstone {

// Overflow-checked arithmetic on sizes.
inline bool checked_add(uint64_t a, uint64_t b, uint64_t* out) {
  return !__builtin_add_overflow(a, b, out);
}
inline bool checked_mul(uint64_t a, uint64_t b, uint64_t* out) {
  return !__builtin_mul_overflow(a, b, out);
}
// Rounds x up to a multiple of `align` (a power of two); false on overflow.
inline bool checked_align_up(uint64_t x, uint64_t align, uint64_t* out) {
  uint64_t t;
  if (!checked_add(x, align - 1, &t)) return false;
  *out = t & ~(align - 1);
  return true;
}

// Reads a little-endian scalar from p (no bounds check: callers have checked).
template <class T>
inline T load_le(const uint8_t* p) {
  static_assert(std::is_trivially_copyable_v<T>);
  T v;
  std::memcpy(&v, p, sizeof v);  // Inkstone targets little-endian hosts (x86, arm, wasm).
  return v;
}

class byte_cursor {
 public:
  explicit byte_cursor(std::span<const uint8_t> bytes, size_t pos = 0) : bytes_(bytes), pos_(pos) {}

  size_t pos() const { return pos_; }
  size_t size() const { return bytes_.size(); }
  size_t remaining() const { return pos_ <= bytes_.size() ? bytes_.size() - pos_ : 0; }
  const uint8_t* here() const { return bytes_.data() + pos_; }

  status need(uint64_t n, std::string_view what) const {
    if (n <= remaining()) return {};
    return make_error(status_code::truncated, what, ": need ", n, " bytes at offset ", pos_,
                      ", only ", remaining(), " left");
  }

  template <class T>
  status read(T* out, std::string_view what) {
    INK_TRY(need(sizeof(T), what));
    *out = load_le<T>(here());
    pos_ += sizeof(T);
    return {};
  }

  status skip(uint64_t n, std::string_view what) {
    INK_TRY(need(n, what));
    pos_ += static_cast<size_t>(n);
    return {};
  }

  // A GGUF string: u64 length + bytes. Lengths above max_len fail with limit_exceeded.
  status read_string(std::string_view* out, uint64_t max_len, std::string_view what) {
    uint64_t len = 0;
    INK_TRY(read(&len, what));
    if (len > max_len) {
      return make_error(status_code::limit_exceeded, what, ": string length ", len,
                        " exceeds the cap of ", max_len);
    }
    INK_TRY(need(len, what));
    *out = std::string_view(reinterpret_cast<const char*>(here()), static_cast<size_t>(len));
    pos_ += static_cast<size_t>(len);
    return {};
  }

 private:
  std::span<const uint8_t> bytes_;
  size_t pos_;
};

}  // namespace inkstone
