// GGUF reader: a read-only, zero-copy view of a GGUF v2/v3 file held in ONE caller-owned buffer.
//
// Every read goes through a bounds-checked cursor; counts, lengths and dimensions are capped
// (constants below); size arithmetic is overflow-checked. Strings, arrays and tensor data are
// views into the caller's buffer, which must outlive the gguf_file.
//
// File layout (ggml docs/gguf.md):
//   magic "GGUF" | u32 version | u64 n_tensors | u64 n_kv
//   n_kv x { string key | u32 value_type | value }
//   n_tensors x { string name | u32 n_dims | u64 ne[n_dims] | u32 ggml_type | u64 offset }
//   padding to general.alignment | tensor data (each tensor at data_offset + offset)
// A string is u64 length + bytes (no terminator); an array is u32 elem_type + u64 n + elements.
//
// Header-only mode (gguf_parse_options::header_only) parses a PREFIX of a file (the browser
// reads only the first MBs of a dropped file): the metadata and tensor infos must be complete,
// but tensor data may lie past the end of the bytes. Alignment and overlap are still checked;
// the "inside the file" check is deferred and reported by data_complete() / data_end().
//
// Tensor data checks (full mode): each offset is a multiple of the alignment (bad_alignment), no
// two tensors overlap (bad_offset), and every tensor ends inside the bytes (bad_offset; the
// message says when the file looks cut off). `truncated` is reserved for header reads that pass
// the end of the bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "inkstone/status.h"

namespace inkstone {

// ---------------------------------------------------------------- caps (limit_exceeded)
inline constexpr uint64_t kGgufMaxTensors = 65536;
inline constexpr uint64_t kGgufMaxKv = 65536;
inline constexpr uint64_t kGgufMaxStringBytes = 1u << 20;         // one key/value string: 1 MiB
inline constexpr uint64_t kGgufMaxArrayElements = 1u << 24;       // 16M elements per array
inline constexpr int kGgufMaxArrayDepth = 8;                      // nested arrays
inline constexpr uint32_t kGgufMaxDims = 4;                       // n_dims in 0..4 (0: scalar)
inline constexpr int64_t kGgufMaxDim = int64_t{1} << 40;          // each ne[i] in 0..2^40
inline constexpr uint64_t kGgufMaxTotalArrayElements = 1u << 26;  // all arrays together: 64M
inline constexpr uint32_t kGgufDefaultAlignment = 32;             // general.alignment: u32, 2^k

// ---------------------------------------------------------------- metadata values
enum class gguf_type : uint32_t {
  u8 = 0,
  i8 = 1,
  u16 = 2,
  i16 = 3,
  u32 = 4,
  i32 = 5,
  f32 = 6,
  boolean = 7,
  string = 8,
  array = 9,
  u64 = 10,
  i64 = 11,
  f64 = 12,
};
// "u8", "string", ... ("unknown" for an id outside the table).
const char* gguf_type_name(gguf_type t);
// Bytes of one scalar element (0 for string/array/unknown).
size_t gguf_type_size(gguf_type t);

// A view of an array value: elements stay in the file; strings and nested arrays are reached
// through small index tables owned by the gguf_file (so arrays are valid while it lives).
class gguf_array {
 public:
  gguf_type elem_type() const { return elem_type_; }
  uint64_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  // Raw little-endian element bytes (fixed-size element types; for strings/arrays the encoded
  // records).
  std::span<const uint8_t> raw() const { return {data_, n_bytes_}; }

  // Element access. Preconditions (asserted): i < size() and the matching elem_type.
  // Numeric getters read with memcpy (no alignment assumptions).
  uint8_t u8_at(uint64_t i) const;
  int8_t i8_at(uint64_t i) const;
  uint16_t u16_at(uint64_t i) const;
  int16_t i16_at(uint64_t i) const;
  uint32_t u32_at(uint64_t i) const;
  int32_t i32_at(uint64_t i) const;
  uint64_t u64_at(uint64_t i) const;
  int64_t i64_at(uint64_t i) const;
  float f32_at(uint64_t i) const;
  double f64_at(uint64_t i) const;
  bool bool_at(uint64_t i) const;
  std::string_view string_at(uint64_t i) const;
  gguf_array array_at(uint64_t i) const;

  // Any integer element type, converted to int64 (u64 values above INT64_MAX are not
  // representable: returns false). Out-of-range i or non-integer type: false.
  bool int_at(uint64_t i, int64_t* out) const;
  // f32 or f64 element as double; false otherwise.
  bool float_at(uint64_t i, double* out) const;

 private:
  friend class gguf_file;
  friend struct gguf_parser;
  gguf_type elem_type_ = gguf_type::u8;
  uint64_t n_ = 0;
  const uint8_t* data_ = nullptr;
  size_t n_bytes_ = 0;
  const uint64_t* string_offsets_ = nullptr;  // string arrays: offset of record i in data_
  const gguf_array* children_ = nullptr;      // nested arrays
};

struct gguf_value {
  gguf_type type = gguf_type::u8;
  uint64_t bits = 0;     // scalars: the raw little-endian bits, zero-extended
  std::string_view str;  // string
  gguf_array arr;        // array
};

struct gguf_kv {
  std::string_view key;
  gguf_value value;
};

// ---------------------------------------------------------------- tensor infos
// Sizes of ggml types (block of elements, bytes per block). Known ids include types Inkstone
// cannot run (q4_1, k-quants, ...): the reader accepts them so `inspect` can describe the file;
// load_model rejects them. An id not in ggml's table fails with unsupported_tensor_type.
struct ggml_type_traits {
  const char* name;     // "f32", "q8_0", ...
  uint32_t block_size;  // elements per block
  uint32_t type_size;   // bytes per block
};
// nullptr for an unknown id.
const ggml_type_traits* ggml_type_info(uint32_t type_id);

struct gguf_tensor_info {
  std::string_view name;
  uint32_t type_id = 0;          // raw ggml type id (see ggml_type_info)
  int n_dims = 0;                // 1..4
  int64_t ne[4] = {1, 1, 1, 1};  // innermost first; unused dims are 1
  uint64_t n_elements = 0;
  uint64_t offset = 0;            // relative to the data section
  uint64_t n_bytes = 0;           // data size
  const uint8_t* data = nullptr;  // nullptr when the data is not inside the bytes (header-only)
};

struct gguf_parse_options {
  // Parse only metadata and tensor infos; tensor data may lie past the end of the bytes.
  bool header_only = false;
};

class gguf_file {
 public:
  gguf_file() = default;
  // Move-only: arrays point into index tables owned here.
  gguf_file(const gguf_file&) = delete;
  gguf_file& operator=(const gguf_file&) = delete;
  gguf_file(gguf_file&&) = default;
  gguf_file& operator=(gguf_file&&) = default;

  static result<gguf_file> parse(std::span<const uint8_t> bytes, gguf_parse_options options = {});

  uint32_t version() const { return version_; }
  uint32_t alignment() const { return alignment_; }
  // File offset of the tensor data section (after the header, aligned).
  uint64_t data_offset() const { return data_offset_; }
  // File offset just past the last tensor's data (past the header when there are no tensors):
  // the minimal size of the complete file.
  uint64_t data_end() const { return data_end_; }
  // True when every tensor's data lies inside the bytes (always true unless header_only).
  bool data_complete() const { return n_tensors_without_data_ == 0; }
  uint64_t n_tensors_without_data() const { return n_tensors_without_data_; }
  std::span<const uint8_t> bytes() const { return bytes_; }

  // ---- metadata
  std::span<const gguf_kv> kvs() const { return kvs_; }
  const gguf_kv* find(std::string_view key) const;
  bool has(std::string_view key) const { return find(key) != nullptr; }

  // Strict typed getters: missing_key when absent, bad_value_type when the stored type differs.
  result<uint8_t> get_u8(std::string_view key) const;
  result<int8_t> get_i8(std::string_view key) const;
  result<uint16_t> get_u16(std::string_view key) const;
  result<int16_t> get_i16(std::string_view key) const;
  result<uint32_t> get_u32(std::string_view key) const;
  result<int32_t> get_i32(std::string_view key) const;
  result<uint64_t> get_u64(std::string_view key) const;
  result<int64_t> get_i64(std::string_view key) const;
  result<float> get_f32(std::string_view key) const;
  result<double> get_f64(std::string_view key) const;
  result<bool> get_bool(std::string_view key) const;
  result<std::string_view> get_string(std::string_view key) const;
  result<gguf_array> get_array(std::string_view key) const;

  // Lenient getters: any integer type (value must fit in int64), any float type (f32/f64).
  result<int64_t> get_int(std::string_view key) const;
  result<double> get_float(std::string_view key) const;

  // ---- tensors (in file order)
  std::span<const gguf_tensor_info> tensors() const { return tensors_; }
  const gguf_tensor_info* find_tensor(std::string_view name) const;

 private:
  friend struct gguf_parser;
  std::span<const uint8_t> bytes_;
  uint32_t version_ = 0;
  uint32_t alignment_ = kGgufDefaultAlignment;
  uint64_t data_offset_ = 0;
  uint64_t data_end_ = 0;
  uint64_t n_tensors_without_data_ = 0;
  std::vector<gguf_kv> kvs_;
  std::vector<gguf_tensor_info> tensors_;
  std::unordered_map<std::string_view, size_t> kv_index_;
  std::unordered_map<std::string_view, size_t> tensor_index_;
  // Index tables that gguf_array views point into (inner buffers survive moves).
  std::vector<std::vector<uint64_t>> string_offsets_;
  std::vector<std::vector<gguf_array>> children_;
};

}  // namespace inkstone
