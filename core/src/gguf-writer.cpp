// GGUF v3 writer (gguf-writer.h); the layout of ggml's docs/gguf.md, little-endian.
#include "inkstone/gguf-writer.h"

#include <cstring>

namespace inkstone {

namespace {

constexpr uint32_t kTypeU32 = 4, kTypeI32 = 5, kTypeF32 = 6, kTypeBool = 7, kTypeString = 8,
                   kTypeArray = 9, kTypeU64 = 10;
constexpr size_t kAlignment = 32;

template <class T>
void put(std::vector<uint8_t>& out, T v) {
  uint8_t b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.insert(out.end(), b, b + sizeof(T));
}

void put_string(std::vector<uint8_t>& out, std::string_view s) {
  put<uint64_t>(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

void pad_to(std::vector<uint8_t>& out, size_t alignment) {
  out.resize((out.size() + alignment - 1) / alignment * alignment, 0);
}

}  // namespace

void gguf_writer::key(std::string_view k, uint32_t type) {
  put_string(kv_, k);
  put<uint32_t>(kv_, type);
  ++n_kv_;
}

void gguf_writer::add_u32(std::string_view k, uint32_t v) {
  key(k, kTypeU32);
  put(kv_, v);
}
void gguf_writer::add_u64(std::string_view k, uint64_t v) {
  key(k, kTypeU64);
  put(kv_, v);
}
void gguf_writer::add_f32(std::string_view k, float v) {
  key(k, kTypeF32);
  put(kv_, v);
}
void gguf_writer::add_bool(std::string_view k, bool v) {
  key(k, kTypeBool);
  put<uint8_t>(kv_, v ? 1 : 0);
}
void gguf_writer::add_string(std::string_view k, std::string_view v) {
  key(k, kTypeString);
  put_string(kv_, v);
}
void gguf_writer::add_strings(std::string_view k, std::span<const std::string> v) {
  key(k, kTypeArray);
  put<uint32_t>(kv_, kTypeString);
  put<uint64_t>(kv_, v.size());
  for (const std::string& s : v) put_string(kv_, s);
}
void gguf_writer::add_f32s(std::string_view k, std::span<const float> v) {
  key(k, kTypeArray);
  put<uint32_t>(kv_, kTypeF32);
  put<uint64_t>(kv_, v.size());
  for (float x : v) put(kv_, x);
}
void gguf_writer::add_i32s(std::string_view k, std::span<const int32_t> v) {
  key(k, kTypeArray);
  put<uint32_t>(kv_, kTypeI32);
  put<uint64_t>(kv_, v.size());
  for (int32_t x : v) put(kv_, x);
}

void gguf_writer::add_tensor(std::string_view name, int64_t rows, int64_t cols, const float* data,
                             int n_dims) {
  tensors_.push_back({std::string(name), n_dims, rows, cols, data});
}

std::vector<uint8_t> gguf_writer::bytes() const {
  std::vector<uint8_t> out;
  out.insert(out.end(), {'G', 'G', 'U', 'F'});
  put<uint32_t>(out, 3);
  put<uint64_t>(out, tensors_.size());
  put<uint64_t>(out, n_kv_);
  out.insert(out.end(), kv_.begin(), kv_.end());
  // Tensor infos: name, dims (innermost first), type F32, offset in the aligned data section.
  uint64_t offset = 0;
  for (const tensor& t : tensors_) {
    put_string(out, t.name);
    put<uint32_t>(out, uint32_t(t.n_dims));
    put<uint64_t>(out, uint64_t(t.cols));
    if (t.n_dims > 1) put<uint64_t>(out, uint64_t(t.rows));
    put<uint32_t>(out, 0);
    put<uint64_t>(out, offset);
    const uint64_t n_bytes = uint64_t(t.rows) * uint64_t(t.cols) * 4;
    offset += (n_bytes + kAlignment - 1) / kAlignment * kAlignment;
  }
  pad_to(out, kAlignment);
  for (const tensor& t : tensors_) {
    const size_t n_bytes = size_t(t.rows) * size_t(t.cols) * 4;
    const auto* b = reinterpret_cast<const uint8_t*>(t.data);
    out.insert(out.end(), b, b + n_bytes);
    pad_to(out, kAlignment);
  }
  return out;
}

}  // namespace inkstone
