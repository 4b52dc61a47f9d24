// A GGUF v3 writer (spec: ggml's docs/gguf.md): metadata of the value types the llama layout
// needs and F32 tensors, in memory. The keys a llama model carries are written by
// trainer::save_gguf (train-save.cpp); tools/gguf/gguf_writer.py is the Python twin.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace inkstone {

class gguf_writer {
 public:
  void add_u32(std::string_view key, uint32_t v);
  void add_u64(std::string_view key, uint64_t v);
  void add_f32(std::string_view key, float v);
  void add_bool(std::string_view key, bool v);
  void add_string(std::string_view key, std::string_view v);
  void add_strings(std::string_view key, std::span<const std::string> v);
  void add_f32s(std::string_view key, std::span<const float> v);
  void add_i32s(std::string_view key, std::span<const int32_t> v);
  // An F32 tensor of shape (rows, cols) (rows = 1 and n_dims = 1 for a vector); stored with
  // ne = {cols, rows} as ggml does.
  void add_tensor(std::string_view name, int64_t rows, int64_t cols, const float* data,
                  int n_dims = 2);
  // The file: header, metadata, tensor infos, data aligned to 32 bytes.
  std::vector<uint8_t> bytes() const;

 private:
  struct tensor {
    std::string name;
    int n_dims;
    int64_t rows, cols;
    const float* data;
  };
  void key(std::string_view k, uint32_t type);
  std::vector<uint8_t> kv_;
  uint64_t n_kv_ = 0;
  std::vector<tensor> tensors_;
};

}  // namespace inkstone
