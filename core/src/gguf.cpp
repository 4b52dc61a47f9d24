// GGUF reader. See gguf.h for the layout, caps and the checks on tensor data.
#include "inkstone/gguf.h"

#include <algorithm>
#include <cassert>
#include <string>

#include "byte-cursor.h"

namespace inkstone {

// ---------------------------------------------------------------- type tables

const char* gguf_type_name(gguf_type t) {
  switch (t) {
    case gguf_type::u8:
      return "u8";
    case gguf_type::i8:
      return "i8";
    case gguf_type::u16:
      return "u16";
    case gguf_type::i16:
      return "i16";
    case gguf_type::u32:
      return "u32";
    case gguf_type::i32:
      return "i32";
    case gguf_type::f32:
      return "f32";
    case gguf_type::boolean:
      return "bool";
    case gguf_type::string:
      return "string";
    case gguf_type::array:
      return "array";
    case gguf_type::u64:
      return "u64";
    case gguf_type::i64:
      return "i64";
    case gguf_type::f64:
      return "f64";
  }
  return "unknown";
}

size_t gguf_type_size(gguf_type t) {
  switch (t) {
    case gguf_type::u8:
    case gguf_type::i8:
    case gguf_type::boolean:
      return 1;
    case gguf_type::u16:
    case gguf_type::i16:
      return 2;
    case gguf_type::u32:
    case gguf_type::i32:
    case gguf_type::f32:
      return 4;
    case gguf_type::u64:
    case gguf_type::i64:
    case gguf_type::f64:
      return 8;
    case gguf_type::string:
    case gguf_type::array:
      return 0;
  }
  return 0;
}

namespace {

bool is_known_value_type(uint32_t t) { return t <= static_cast<uint32_t>(gguf_type::f64); }

// ggml's type table (ggml.c type_traits): name, elements per block, bytes per block.
struct ggml_type_row {
  uint32_t id;
  ggml_type_traits traits;
};
constexpr ggml_type_row kGgmlTypes[] = {
    {0, {"f32", 1, 4}},         {1, {"f16", 1, 2}},         {2, {"q4_0", 32, 18}},
    {3, {"q4_1", 32, 20}},      {6, {"q5_0", 32, 22}},      {7, {"q5_1", 32, 24}},
    {8, {"q8_0", 32, 34}},      {9, {"q8_1", 32, 36}},      {10, {"q2_k", 256, 84}},
    {11, {"q3_k", 256, 110}},   {12, {"q4_k", 256, 144}},   {13, {"q5_k", 256, 176}},
    {14, {"q6_k", 256, 210}},   {15, {"q8_k", 256, 292}},   {16, {"iq2_xxs", 256, 66}},
    {17, {"iq2_xs", 256, 74}},  {18, {"iq3_xxs", 256, 98}}, {19, {"iq1_s", 256, 50}},
    {20, {"iq4_nl", 32, 18}},   {21, {"iq3_s", 256, 110}},  {22, {"iq2_s", 256, 82}},
    {23, {"iq4_xs", 256, 136}}, {24, {"i8", 1, 1}},         {25, {"i16", 1, 2}},
    {26, {"i32", 1, 4}},        {27, {"i64", 1, 8}},        {28, {"f64", 1, 8}},
    {29, {"iq1_m", 256, 56}},   {30, {"bf16", 1, 2}},       {34, {"tq1_0", 256, 54}},
    {35, {"tq2_0", 256, 66}},
};

}  // namespace

const ggml_type_traits* ggml_type_info(uint32_t type_id) {
  for (const ggml_type_row& row : kGgmlTypes) {
    if (row.id == type_id) return &row.traits;
  }
  return nullptr;
}

// ---------------------------------------------------------------- array element access

namespace {
template <class T>
T array_elem(const uint8_t* data, uint64_t i) {
  return load_le<T>(data + i * sizeof(T));
}
}  // namespace

#define INK_ARRAY_GETTER(fn, T, tag)                \
  T gguf_array::fn(uint64_t i) const {              \
    assert(i < n_ && elem_type_ == gguf_type::tag); \
    return array_elem<T>(data_, i);                 \
  }
INK_ARRAY_GETTER(u8_at, uint8_t, u8)
INK_ARRAY_GETTER(i8_at, int8_t, i8)
INK_ARRAY_GETTER(u16_at, uint16_t, u16)
INK_ARRAY_GETTER(i16_at, int16_t, i16)
INK_ARRAY_GETTER(u32_at, uint32_t, u32)
INK_ARRAY_GETTER(i32_at, int32_t, i32)
INK_ARRAY_GETTER(u64_at, uint64_t, u64)
INK_ARRAY_GETTER(i64_at, int64_t, i64)
INK_ARRAY_GETTER(f32_at, float, f32)
INK_ARRAY_GETTER(f64_at, double, f64)
#undef INK_ARRAY_GETTER

bool gguf_array::bool_at(uint64_t i) const {
  assert(i < n_ && elem_type_ == gguf_type::boolean);
  return data_[i] != 0;
}

std::string_view gguf_array::string_at(uint64_t i) const {
  assert(i < n_ && elem_type_ == gguf_type::string);
  const uint8_t* rec = data_ + string_offsets_[i];
  const uint64_t len = load_le<uint64_t>(rec);  // validated at parse
  return {reinterpret_cast<const char*>(rec + 8), static_cast<size_t>(len)};
}

gguf_array gguf_array::array_at(uint64_t i) const {
  assert(i < n_ && elem_type_ == gguf_type::array);
  return children_[i];
}

bool gguf_array::int_at(uint64_t i, int64_t* out) const {
  if (i >= n_) return false;
  switch (elem_type_) {
    case gguf_type::u8:
      *out = u8_at(i);
      return true;
    case gguf_type::i8:
      *out = i8_at(i);
      return true;
    case gguf_type::u16:
      *out = u16_at(i);
      return true;
    case gguf_type::i16:
      *out = i16_at(i);
      return true;
    case gguf_type::u32:
      *out = u32_at(i);
      return true;
    case gguf_type::i32:
      *out = i32_at(i);
      return true;
    case gguf_type::i64:
      *out = i64_at(i);
      return true;
    case gguf_type::u64: {
      const uint64_t v = u64_at(i);
      if (v > static_cast<uint64_t>(INT64_MAX)) return false;
      *out = static_cast<int64_t>(v);
      return true;
    }
    default:
      return false;
  }
}

bool gguf_array::float_at(uint64_t i, double* out) const {
  if (i >= n_) return false;
  if (elem_type_ == gguf_type::f32) {
    *out = f32_at(i);
    return true;
  }
  if (elem_type_ == gguf_type::f64) {
    *out = f64_at(i);
    return true;
  }
  return false;
}

// ---------------------------------------------------------------- parser

struct gguf_parser {
  gguf_file& f;
  byte_cursor c;
  uint64_t total_array_elements = 0;

  status parse_value(gguf_type type, gguf_value* out, std::string_view key) {
    out->type = type;
    switch (type) {
      case gguf_type::string:
        return c.read_string(&out->str, kGgufMaxStringBytes, key);
      case gguf_type::array:
        return parse_array(&out->arr, key, 1);
      default: {
        const size_t n = gguf_type_size(type);
        INK_TRY(c.need(n, key));
        out->bits = 0;
        std::memcpy(&out->bits, c.here(), n);
        return c.skip(n, key);
      }
    }
  }

  status parse_array(gguf_array* out, std::string_view key, int depth) {
    if (depth > kGgufMaxArrayDepth) {
      return make_error(status_code::limit_exceeded, key, ": arrays nested deeper than ",
                        kGgufMaxArrayDepth);
    }
    uint32_t elem = 0;
    uint64_t n = 0;
    INK_TRY(c.read(&elem, key));
    if (!is_known_value_type(elem)) {
      return make_error(status_code::bad_value_type, key, ": unknown array element type ", elem);
    }
    INK_TRY(c.read(&n, key));
    if (n > kGgufMaxArrayElements) {
      return make_error(status_code::limit_exceeded, key, ": array of ", n,
                        " elements exceeds the cap of ", kGgufMaxArrayElements);
    }
    total_array_elements += n;
    if (total_array_elements > kGgufMaxTotalArrayElements) {
      return make_error(status_code::limit_exceeded, key, ": arrays hold more than ",
                        kGgufMaxTotalArrayElements, " elements in total");
    }
    out->elem_type_ = static_cast<gguf_type>(elem);
    out->n_ = n;
    out->data_ = c.here();
    const size_t start = c.pos();
    const gguf_type et = out->elem_type_;
    if (et == gguf_type::string) {
      std::vector<uint64_t> offsets;
      // Each string needs at least 8 bytes: a count the bytes cannot hold is truncated.
      if (n > c.remaining() / 8) INK_TRY(c.need(n * 8, key));
      offsets.reserve(static_cast<size_t>(n));
      for (uint64_t i = 0; i < n; ++i) {
        offsets.push_back(c.pos() - start);
        std::string_view s;
        INK_TRY(c.read_string(&s, kGgufMaxStringBytes, key));
      }
      f.string_offsets_.push_back(std::move(offsets));
      out->string_offsets_ = f.string_offsets_.back().data();
    } else if (et == gguf_type::array) {
      if (n > c.remaining() / 12) INK_TRY(c.need(n * 12, key));
      std::vector<gguf_array> children(static_cast<size_t>(n));
      for (uint64_t i = 0; i < n; ++i) INK_TRY(parse_array(&children[i], key, depth + 1));
      f.children_.push_back(std::move(children));
      out->children_ = f.children_.back().data();
    } else {
      uint64_t n_bytes = 0;
      if (!checked_mul(n, gguf_type_size(et), &n_bytes)) {
        return make_error(status_code::overflow, key, ": array byte size overflows");
      }
      INK_TRY(c.skip(n_bytes, key));
    }
    out->n_bytes_ = c.pos() - start;
    return {};
  }

  status parse_header(std::span<const uint8_t> bytes, const gguf_parse_options& options) {
    f.bytes_ = bytes;
    // ---- magic and version
    static constexpr uint8_t kMagic[4] = {'G', 'G', 'U', 'F'};
    const size_t n_magic = std::min<size_t>(4, bytes.size());
    if (n_magic > 0 && std::memcmp(bytes.data(), kMagic, n_magic) != 0) {
      return make_error(status_code::bad_magic, "not a GGUF file (magic is not \"GGUF\")");
    }
    if (bytes.size() < 4) return make_error(status_code::truncated, "file shorter than the magic");
    INK_TRY(c.skip(4, "magic"));
    INK_TRY(c.read(&f.version_, "version"));
    if (f.version_ != 2 && f.version_ != 3) {
      const char* hint = (f.version_ & 0xFFFFu) == 0 ? " (big-endian files are not supported)" : "";
      return make_error(status_code::unsupported_version, "GGUF version ", f.version_,
                        " is not supported (2 or 3)", hint);
    }
    uint64_t n_tensors = 0, n_kv = 0;
    INK_TRY(c.read(&n_tensors, "tensor count"));
    INK_TRY(c.read(&n_kv, "metadata count"));
    if (n_tensors > kGgufMaxTensors) {
      return make_error(status_code::limit_exceeded, "tensor count ", n_tensors,
                        " exceeds the cap of ", kGgufMaxTensors);
    }
    if (n_kv > kGgufMaxKv) {
      return make_error(status_code::limit_exceeded, "metadata count ", n_kv,
                        " exceeds the cap of ", kGgufMaxKv);
    }

    // ---- metadata
    // Each kv needs >= 13 bytes; do not reserve more than the bytes could hold.
    f.kvs_.reserve(static_cast<size_t>(std::min<uint64_t>(n_kv, c.remaining() / 13)));
    for (uint64_t i = 0; i < n_kv; ++i) {
      gguf_kv kv;
      const std::string where = "metadata #" + std::to_string(i);
      INK_TRY(c.read_string(&kv.key, kGgufMaxStringBytes, where + " key"));
      const std::string ctx = "metadata " + std::string(kv.key);
      uint32_t type = 0;
      INK_TRY(c.read(&type, ctx));
      if (!is_known_value_type(type)) {
        return make_error(status_code::bad_value_type, ctx, ": unknown value type ", type);
      }
      INK_TRY(parse_value(static_cast<gguf_type>(type), &kv.value, ctx));
      if (!f.kv_index_.emplace(kv.key, f.kvs_.size()).second) {
        return make_error(status_code::duplicate_name, "metadata key ", kv.key, " appears twice");
      }
      f.kvs_.push_back(kv);
    }

    // ---- alignment
    if (const gguf_kv* a = f.find("general.alignment")) {
      if (a->value.type != gguf_type::u32) {
        return make_error(status_code::bad_alignment, "general.alignment must be u32, not ",
                          gguf_type_name(a->value.type));
      }
      const uint32_t align = static_cast<uint32_t>(a->value.bits);
      if (align == 0 || (align & (align - 1)) != 0) {
        return make_error(status_code::bad_alignment, "general.alignment ", align,
                          " is not a power of two");
      }
      f.alignment_ = align;
    }

    // ---- tensor infos
    f.tensors_.reserve(static_cast<size_t>(std::min<uint64_t>(n_tensors, c.remaining() / 24)));
    for (uint64_t i = 0; i < n_tensors; ++i) {
      gguf_tensor_info t;
      const std::string where = "tensor #" + std::to_string(i);
      INK_TRY(c.read_string(&t.name, kGgufMaxStringBytes, where + " name"));
      const std::string ctx = "tensor " + std::string(t.name);
      uint32_t n_dims = 0;
      INK_TRY(c.read(&n_dims, ctx));
      if (n_dims > kGgufMaxDims) {
        return make_error(status_code::limit_exceeded, ctx, ": n_dims ", n_dims,
                          " exceeds the cap of ", kGgufMaxDims);
      }
      t.n_dims = static_cast<int>(n_dims);
      uint64_t n_elements = 1;
      bool overflowed = false;
      for (uint32_t d = 0; d < n_dims; ++d) {
        uint64_t ne = 0;
        INK_TRY(c.read(&ne, ctx));
        if (ne > static_cast<uint64_t>(kGgufMaxDim)) {
          return make_error(status_code::limit_exceeded, ctx, ": dimension ", d, " = ", ne,
                            " exceeds the cap of 2^40");
        }
        t.ne[d] = static_cast<int64_t>(ne);
        if (!checked_mul(n_elements, ne, &n_elements)) overflowed = true;
      }
      if (overflowed) {
        return make_error(status_code::overflow, ctx, ": element count overflows 64 bits");
      }
      t.n_elements = n_elements;
      INK_TRY(c.read(&t.type_id, ctx));
      const ggml_type_traits* traits = ggml_type_info(t.type_id);
      if (!traits) {
        return make_error(status_code::unsupported_tensor_type, ctx, ": unknown ggml type id ",
                          t.type_id);
      }
      INK_TRY(c.read(&t.offset, ctx));
      if (t.ne[0] % traits->block_size != 0) {
        return make_error(status_code::bad_shape, ctx, ": row length ", t.ne[0],
                          " is not a multiple of the ", traits->name, " block size ",
                          traits->block_size);
      }
      if (!checked_mul(n_elements / traits->block_size, traits->type_size, &t.n_bytes)) {
        return make_error(status_code::overflow, ctx, ": byte size overflows 64 bits");
      }
      if (!f.tensor_index_.emplace(t.name, f.tensors_.size()).second) {
        return make_error(status_code::duplicate_name, "tensor ", t.name, " appears twice");
      }
      f.tensors_.push_back(t);
    }

    // ---- tensor data
    const uint64_t header_end = c.pos();
    if (!checked_align_up(c.pos(), f.alignment_, &f.data_offset_)) {
      return make_error(status_code::overflow, "data section offset overflows");
    }
    return check_tensor_data(header_end, options);
  }

  status check_tensor_data(uint64_t header_end, const gguf_parse_options& options) {
    // Sort by offset to check overlap and the packed layout.
    std::vector<size_t> order(f.tensors_.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return f.tensors_[a].offset < f.tensors_[b].offset;
    });
    uint64_t prev_end = 0;  // relative to the data section
    const gguf_tensor_info* prev = nullptr;
    bool packed = true;
    for (size_t idx : order) {
      gguf_tensor_info& t = f.tensors_[idx];
      if (t.offset % f.alignment_ != 0) {
        return make_error(status_code::bad_alignment, "tensor ", t.name, ": offset ", t.offset,
                          " is not a multiple of the alignment ", f.alignment_);
      }
      uint64_t end = 0, file_end = 0;
      if (!checked_add(t.offset, t.n_bytes, &end) || !checked_add(f.data_offset_, end, &file_end)) {
        return make_error(status_code::bad_offset, "tensor ", t.name, ": offset ", t.offset,
                          " + size ", t.n_bytes, " lies outside any file");
      }
      if (prev && t.offset < prev_end) {
        return make_error(status_code::bad_offset, "tensor ", t.name, " overlaps tensor ",
                          prev->name);
      }
      uint64_t expected = 0;
      if (!checked_align_up(prev_end, f.alignment_, &expected) || t.offset != expected) {
        packed = false;
      }
      prev_end = std::max(prev_end, end);
      prev = &t;
      f.data_end_ = std::max(f.data_end_, file_end);
    }
    // No tensors: no data section, so no alignment padding either; the header is the file.
    if (f.tensors_.empty()) f.data_end_ = header_end;

    const uint64_t size = f.bytes_.size();
    for (gguf_tensor_info& t : f.tensors_) {
      const uint64_t file_end = f.data_offset_ + t.offset + t.n_bytes;  // checked above
      if (file_end <= size) {
        t.data = f.bytes_.data() + f.data_offset_ + t.offset;
        continue;
      }
      ++f.n_tensors_without_data_;
    }
    if (options.header_only || f.n_tensors_without_data_ == 0) return {};
    for (size_t idx : order) {
      const gguf_tensor_info& t = f.tensors_[idx];
      if (t.data) continue;
      return make_error(status_code::bad_offset, "tensor ", t.name, ": data at file offset ",
                        f.data_offset_ + t.offset, " + ", t.n_bytes,
                        " bytes lies past the end of the file (", size, " bytes",
                        packed ? "; the file looks cut off)" : ")");
    }
    return {};
  }
};

result<gguf_file> gguf_file::parse(std::span<const uint8_t> bytes, gguf_parse_options options) {
  gguf_file f;
  gguf_parser p{f, byte_cursor(bytes)};
  INK_TRY_CTX(p.parse_header(bytes, options), "gguf");
  return f;
}

// ---------------------------------------------------------------- lookups

const gguf_kv* gguf_file::find(std::string_view key) const {
  auto it = kv_index_.find(key);
  return it == kv_index_.end() ? nullptr : &kvs_[it->second];
}

const gguf_tensor_info* gguf_file::find_tensor(std::string_view name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

namespace {

status missing(std::string_view key) {
  return make_error(status_code::missing_key, "metadata key ", key, " is missing");
}

status wrong_type(std::string_view key, gguf_type want, gguf_type have) {
  return make_error(status_code::bad_value_type, "metadata key ", key, " has type ",
                    gguf_type_name(have), ", expected ", gguf_type_name(want));
}

template <class T>
result<T> get_scalar(const gguf_file& f, std::string_view key, gguf_type want) {
  const gguf_kv* kv = f.find(key);
  if (!kv) return missing(key);
  if (kv->value.type != want) return wrong_type(key, want, kv->value.type);
  T v;
  std::memcpy(&v, &kv->value.bits, sizeof v);  // little-endian: low bytes hold the value
  return v;
}

}  // namespace

result<uint8_t> gguf_file::get_u8(std::string_view k) const {
  return get_scalar<uint8_t>(*this, k, gguf_type::u8);
}
result<int8_t> gguf_file::get_i8(std::string_view k) const {
  return get_scalar<int8_t>(*this, k, gguf_type::i8);
}
result<uint16_t> gguf_file::get_u16(std::string_view k) const {
  return get_scalar<uint16_t>(*this, k, gguf_type::u16);
}
result<int16_t> gguf_file::get_i16(std::string_view k) const {
  return get_scalar<int16_t>(*this, k, gguf_type::i16);
}
result<uint32_t> gguf_file::get_u32(std::string_view k) const {
  return get_scalar<uint32_t>(*this, k, gguf_type::u32);
}
result<int32_t> gguf_file::get_i32(std::string_view k) const {
  return get_scalar<int32_t>(*this, k, gguf_type::i32);
}
result<uint64_t> gguf_file::get_u64(std::string_view k) const {
  return get_scalar<uint64_t>(*this, k, gguf_type::u64);
}
result<int64_t> gguf_file::get_i64(std::string_view k) const {
  return get_scalar<int64_t>(*this, k, gguf_type::i64);
}
result<float> gguf_file::get_f32(std::string_view k) const {
  return get_scalar<float>(*this, k, gguf_type::f32);
}
result<double> gguf_file::get_f64(std::string_view k) const {
  return get_scalar<double>(*this, k, gguf_type::f64);
}
result<bool> gguf_file::get_bool(std::string_view k) const {
  INK_ASSIGN_OR_RETURN(uint8_t b, get_scalar<uint8_t>(*this, k, gguf_type::boolean));
  return b != 0;
}

result<std::string_view> gguf_file::get_string(std::string_view key) const {
  const gguf_kv* kv = find(key);
  if (!kv) return missing(key);
  if (kv->value.type != gguf_type::string)
    return wrong_type(key, gguf_type::string, kv->value.type);
  return kv->value.str;
}

result<gguf_array> gguf_file::get_array(std::string_view key) const {
  const gguf_kv* kv = find(key);
  if (!kv) return missing(key);
  if (kv->value.type != gguf_type::array) return wrong_type(key, gguf_type::array, kv->value.type);
  return kv->value.arr;
}

result<int64_t> gguf_file::get_int(std::string_view key) const {
  const gguf_kv* kv = find(key);
  if (!kv) return missing(key);
  const uint64_t b = kv->value.bits;
  switch (kv->value.type) {
    case gguf_type::u8:
      return static_cast<int64_t>(static_cast<uint8_t>(b));
    case gguf_type::i8:
      return static_cast<int64_t>(static_cast<int8_t>(b));
    case gguf_type::u16:
      return static_cast<int64_t>(static_cast<uint16_t>(b));
    case gguf_type::i16:
      return static_cast<int64_t>(static_cast<int16_t>(b));
    case gguf_type::u32:
      return static_cast<int64_t>(static_cast<uint32_t>(b));
    case gguf_type::i32:
      return static_cast<int64_t>(static_cast<int32_t>(b));
    case gguf_type::i64:
      return static_cast<int64_t>(b);
    case gguf_type::u64:
      if (b > static_cast<uint64_t>(INT64_MAX)) {
        return make_error(status_code::bad_value_type, "metadata key ", key, " value ", b,
                          " does not fit in int64");
      }
      return static_cast<int64_t>(b);
    default:
      return make_error(status_code::bad_value_type, "metadata key ", key, " has type ",
                        gguf_type_name(kv->value.type), ", expected an integer");
  }
}

result<double> gguf_file::get_float(std::string_view key) const {
  const gguf_kv* kv = find(key);
  if (!kv) return missing(key);
  if (kv->value.type == gguf_type::f32) {
    float v;
    std::memcpy(&v, &kv->value.bits, sizeof v);
    return static_cast<double>(v);
  }
  if (kv->value.type == gguf_type::f64) {
    double v;
    std::memcpy(&v, &kv->value.bits, sizeof v);
    return v;
  }
  return make_error(status_code::bad_value_type, "metadata key ", key, " has type ",
                    gguf_type_name(kv->value.type), ", expected a float");
}

}  // namespace inkstone
