// A tiny GGUF writer for tests: builds valid (or deliberately broken) files in memory.
// Independent of core/src/gguf.cpp: it writes the layout from ggml's docs/gguf.md.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace inkstone::test {

using bytes_t = std::vector<uint8_t>;

template <class T>
void put(bytes_t& out, T v) {
  uint8_t b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));  // little-endian hosts only (as ggml)
  out.insert(out.end(), b, b + sizeof(T));
}

inline void put_string(bytes_t& out, std::string_view s) {
  put<uint64_t>(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

// GGUF value type ids.
enum : uint32_t {
  kU8 = 0,
  kI8 = 1,
  kU16 = 2,
  kI16 = 3,
  kU32 = 4,
  kI32 = 5,
  kF32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kU64 = 10,
  kI64 = 11,
  kF64 = 12,
};

// Encoded array bodies (elem type + count + elements), usable as kv values or nested elements.
template <class T>
bytes_t array_body(uint32_t elem_type, const std::vector<T>& values) {
  bytes_t b;
  put<uint32_t>(b, elem_type);
  put<uint64_t>(b, values.size());
  for (const T& v : values) put<T>(b, v);
  return b;
}

inline bytes_t string_array_body(const std::vector<std::string>& values) {
  bytes_t b;
  put<uint32_t>(b, kString);
  put<uint64_t>(b, values.size());
  for (const std::string& s : values) put_string(b, s);
  return b;
}

inline bytes_t nested_array_body(const std::vector<bytes_t>& children) {
  bytes_t b;
  put<uint32_t>(b, kArray);
  put<uint64_t>(b, children.size());
  for (const bytes_t& c : children) b.insert(b.end(), c.begin(), c.end());
  return b;
}

class gguf_builder {
 public:
  explicit gguf_builder(uint32_t alignment = 32, uint32_t version = 3)
      : alignment_(alignment), version_(version) {}

  // Raw value bytes (for arrays: an *_array_body).
  gguf_builder& kv_raw(std::string_view key, uint32_t type, const bytes_t& value) {
    put_string(kv_, key);
    put<uint32_t>(kv_, type);
    kv_.insert(kv_.end(), value.begin(), value.end());
    ++n_kv_;
    return *this;
  }
  template <class T>
  gguf_builder& kv(std::string_view key, uint32_t type, T v) {
    bytes_t b;
    put<T>(b, v);
    return kv_raw(key, type, b);
  }
  gguf_builder& kv_u32(std::string_view key, uint32_t v) { return kv<uint32_t>(key, kU32, v); }
  gguf_builder& kv_f32(std::string_view key, float v) { return kv<float>(key, kF32, v); }
  gguf_builder& kv_bool(std::string_view key, bool v) { return kv<uint8_t>(key, kBool, v); }
  gguf_builder& kv_string(std::string_view key, std::string_view s) {
    bytes_t b;
    put_string(b, s);
    return kv_raw(key, kString, b);
  }
  gguf_builder& kv_strings(std::string_view key, const std::vector<std::string>& v) {
    return kv_raw(key, kArray, string_array_body(v));
  }
  template <class T>
  gguf_builder& kv_array(std::string_view key, uint32_t elem_type, const std::vector<T>& v) {
    return kv_raw(key, kArray, array_body(elem_type, v));
  }

  // A tensor with explicit data (placed at the next aligned offset unless offset is given).
  // An explicit offset far past the data is written as is (no data is added).
  static constexpr uint64_t kAutoOffset = ~uint64_t{0};
  gguf_builder& tensor(std::string_view name, uint32_t type, std::vector<uint64_t> ne,
                       const bytes_t& data, uint64_t offset = kAutoOffset) {
    const uint64_t off = offset != kAutoOffset ? offset : align(data_.size());
    if (off >= data_.size() && off - data_.size() < (1u << 20)) data_.resize(off, 0);
    if (off == data_.size()) data_.insert(data_.end(), data.begin(), data.end());
    put_string(ti_, name);
    put<uint32_t>(ti_, static_cast<uint32_t>(ne.size()));
    for (uint64_t d : ne) put<uint64_t>(ti_, d);
    put<uint32_t>(ti_, type);
    put<uint64_t>(ti_, off);
    ++n_tensors_;
    return *this;
  }

  bytes_t build() const {
    bytes_t out = {'G', 'G', 'U', 'F'};
    put<uint32_t>(out, version_);
    put<uint64_t>(out, n_tensors_);
    put<uint64_t>(out, n_kv_);
    out.insert(out.end(), kv_.begin(), kv_.end());
    out.insert(out.end(), ti_.begin(), ti_.end());
    out.resize(align(out.size()), 0);
    out.insert(out.end(), data_.begin(), data_.end());
    return out;
  }

 private:
  uint64_t align(uint64_t x) const { return (x + alignment_ - 1) / alignment_ * alignment_; }
  uint32_t alignment_;
  uint32_t version_;
  uint64_t n_kv_ = 0;
  uint64_t n_tensors_ = 0;
  bytes_t kv_, ti_, data_;
};

// Float data helpers.
inline bytes_t f32_bytes(const std::vector<float>& v) {
  bytes_t b;
  for (float x : v) put<float>(b, x);
  return b;
}

}  // namespace inkstone::test

#include <fstream>
#include <iterator>

namespace inkstone::test {

// Whole file as bytes; empty when it cannot be read.
inline bytes_t read_file_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return {};
  return bytes_t(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

inline std::string fixture_path(std::string_view rel) {
  return std::string(INK_SOURCE_DIR) + "/tests/fixtures/" + std::string(rel);
}

}  // namespace inkstone::test
