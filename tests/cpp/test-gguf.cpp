// GGUF reader: round-trips of every metadata type (built in-test and the all-types fixture),
// the broken-file manifest, truncation at every length, caps, header-only parsing.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "gguf-builder.h"
#include "inkstone/gguf.h"
#include "inkstone/model.h"

using namespace inkstone;
using namespace inkstone::test;

namespace {

// A file with one key of every value type, nested arrays, and two tensors.
bytes_t every_type_file(uint32_t version = 3) {
  gguf_builder b(32, version);
  b.kv<uint8_t>("t.u8", kU8, 200)
      .kv<int8_t>("t.i8", kI8, -100)
      .kv<uint16_t>("t.u16", kU16, 60000)
      .kv<int16_t>("t.i16", kI16, -30000)
      .kv<uint32_t>("t.u32", kU32, 4000000000u)
      .kv<int32_t>("t.i32", kI32, -2000000000)
      .kv<float>("t.f32", kF32, 1.5f)
      .kv_bool("t.bool", true)
      .kv_string("t.str", "明月 🌙")
      .kv<uint64_t>("t.u64", kU64, 18000000000000000000ull)
      .kv<int64_t>("t.i64", kI64, -9000000000000000000ll)
      .kv<double>("t.f64", kF64, -2.25)
      .kv_array<uint8_t>("t.arr_u8", kU8, {0, 1, 255})
      .kv_array<int8_t>("t.arr_i8", kI8, {-128, 0, 127})
      .kv_array<uint16_t>("t.arr_u16", kU16, {0, 65535})
      .kv_array<int16_t>("t.arr_i16", kI16, {-32768, 32767})
      .kv_array<uint32_t>("t.arr_u32", kU32, {0, 4294967295u})
      .kv_array<int32_t>("t.arr_i32", kI32, {-2147483647 - 1, 2147483647})
      .kv_array<float>("t.arr_f32", kF32, {0.5f, -1.25f})
      .kv_array<uint8_t>("t.arr_bool", kBool, {1, 0, 1})
      .kv_strings("t.arr_str", {"a", "", "明月"})
      .kv_array<uint64_t>("t.arr_u64", kU64, {0, 18446744073709551615ull})
      .kv_array<int64_t>("t.arr_i64", kI64, {-1, 9223372036854775807ll})
      .kv_array<double>("t.arr_f64", kF64, {0.25, -1e300})
      .kv_array<uint32_t>("t.arr_empty", kU32, {})
      .kv_raw("t.arr_arr", kArray,
              nested_array_body({string_array_body({"x", "春风"}), array_body<int32_t>(kI32, {7}),
                                 nested_array_body({array_body<uint8_t>(kU8, {9})})}));
  b.tensor("w.a", 0, {4, 2}, f32_bytes({0, 1, 2, 3, 4, 5, 6, 7}));
  b.tensor("w.b", 1, {3}, bytes_t{0x00, 0x3C, 0x00, 0xC0, 0x00, 0x00});  // f16 1, -2, 0
  return b.build();
}

}  // namespace

TEST_CASE("gguf: every metadata type round-trips") {
  for (uint32_t version : {2u, 3u}) {
    CAPTURE(version);
    const bytes_t file = every_type_file(version);
    auto r = gguf_file::parse(file);
    REQUIRE_MESSAGE(r.ok(), r.error().to_string());
    const gguf_file& g = r.value();
    CHECK(g.version() == version);
    CHECK(g.kvs().size() == 26);
    CHECK(g.get_u8("t.u8").value() == 200);
    CHECK(g.get_i8("t.i8").value() == -100);
    CHECK(g.get_u16("t.u16").value() == 60000);
    CHECK(g.get_i16("t.i16").value() == -30000);
    CHECK(g.get_u32("t.u32").value() == 4000000000u);
    CHECK(g.get_i32("t.i32").value() == -2000000000);
    CHECK(g.get_f32("t.f32").value() == 1.5f);
    CHECK(g.get_bool("t.bool").value() == true);
    CHECK(g.get_string("t.str").value() == "明月 🌙");
    CHECK(g.get_u64("t.u64").value() == 18000000000000000000ull);
    CHECK(g.get_i64("t.i64").value() == -9000000000000000000ll);
    CHECK(g.get_f64("t.f64").value() == -2.25);

    auto u8 = g.get_array("t.arr_u8").value();
    CHECK(u8.elem_type() == gguf_type::u8);
    REQUIRE(u8.size() == 3);
    CHECK(u8.u8_at(2) == 255);
    CHECK(g.get_array("t.arr_i8").value().i8_at(0) == -128);
    CHECK(g.get_array("t.arr_u16").value().u16_at(1) == 65535);
    CHECK(g.get_array("t.arr_i16").value().i16_at(0) == -32768);
    CHECK(g.get_array("t.arr_u32").value().u32_at(1) == 4294967295u);
    CHECK(g.get_array("t.arr_i32").value().i32_at(0) == INT32_MIN);
    CHECK(g.get_array("t.arr_f32").value().f32_at(1) == -1.25f);
    auto bools = g.get_array("t.arr_bool").value();
    CHECK(bools.bool_at(0));
    CHECK_FALSE(bools.bool_at(1));
    auto strs = g.get_array("t.arr_str").value();
    REQUIRE(strs.size() == 3);
    CHECK(strs.string_at(0) == "a");
    CHECK(strs.string_at(1).empty());
    CHECK(strs.string_at(2) == "明月");
    CHECK(g.get_array("t.arr_u64").value().u64_at(1) == 18446744073709551615ull);
    CHECK(g.get_array("t.arr_i64").value().i64_at(1) == 9223372036854775807ll);
    CHECK(g.get_array("t.arr_f64").value().f64_at(1) == -1e300);
    CHECK(g.get_array("t.arr_empty").value().empty());

    auto nested = g.get_array("t.arr_arr").value();
    REQUIRE(nested.elem_type() == gguf_type::array);
    REQUIRE(nested.size() == 3);
    CHECK(nested.array_at(0).string_at(1) == "春风");
    CHECK(nested.array_at(1).i32_at(0) == 7);
    CHECK(nested.array_at(2).array_at(0).u8_at(0) == 9);

    // Zero copy: strings point into the caller's buffer.
    const char* p = g.get_string("t.str").value().data();
    CHECK(reinterpret_cast<const uint8_t*>(p) > file.data());
    CHECK(reinterpret_cast<const uint8_t*>(p) < file.data() + file.size());

    REQUIRE(g.tensors().size() == 2);
    const gguf_tensor_info* a = g.find_tensor("w.a");
    REQUIRE(a);
    CHECK(a->n_dims == 2);
    CHECK(a->ne[0] == 4);
    CHECK(a->ne[1] == 2);
    CHECK(a->n_bytes == 32);
    CHECK(a->data == file.data() + g.data_offset());
    CHECK(g.data_offset() % 32 == 0);
    float x;
    std::memcpy(&x, a->data + 7 * 4, 4);
    CHECK(x == 7.0f);
    const gguf_tensor_info* b = g.find_tensor("w.b");
    REQUIRE(b);
    CHECK(b->offset == 32);
    CHECK(b->n_bytes == 6);
    CHECK(g.data_end() == g.data_offset() + 38);
    CHECK(g.data_complete());
  }
}

TEST_CASE("gguf: typed getters report missing keys and type mismatches") {
  const bytes_t file = every_type_file();
  auto g = gguf_file::parse(file).value();
  CHECK(g.get_u32("nope").code() == status_code::missing_key);
  CHECK(g.get_u32("t.i32").code() == status_code::bad_value_type);
  CHECK(g.get_string("t.u8").code() == status_code::bad_value_type);
  CHECK(g.get_array("t.str").code() == status_code::bad_value_type);
  CHECK(g.get_f32("t.f64").code() == status_code::bad_value_type);
  CHECK(g.get_bool("t.u8").code() == status_code::bad_value_type);
  // Lenient getters.
  CHECK(g.get_int("t.u8").value() == 200);
  CHECK(g.get_int("t.i16").value() == -30000);
  CHECK(g.get_int("t.u32").value() == 4000000000ll);
  CHECK(g.get_int("t.u64").code() == status_code::bad_value_type);  // > INT64_MAX
  CHECK(g.get_int("t.str").code() == status_code::bad_value_type);
  CHECK(g.get_float("t.f32").value() == 1.5);
  CHECK(g.get_float("t.f64").value() == -2.25);
  CHECK(g.get_float("t.u8").code() == status_code::bad_value_type);
  int64_t v = 0;
  CHECK(g.get_array("t.arr_i8").value().int_at(0, &v));
  CHECK(v == -128);
  CHECK_FALSE(g.get_array("t.arr_str").value().int_at(0, &v));
  CHECK_FALSE(g.get_array("t.arr_i8").value().int_at(3, &v));  // out of range
}

TEST_CASE("gguf: the all-types fixture matches all-types.expected.txt") {
  const bytes_t file = read_file_bytes(fixture_path("models/all-types.gguf"));
  REQUIRE(!file.empty());
  auto r = gguf_file::parse(file);
  REQUIRE_MESSAGE(r.ok(), r.error().to_string());
  const gguf_file& g = r.value();
  // Values copied from tests/fixtures/models/all-types.expected.txt.
  CHECK(g.get_string("general.architecture").value() == "none");
  CHECK(g.get_u8("test.u8").value() == 200);
  CHECK(g.get_i8("test.i8").value() == -100);
  CHECK(g.get_u16("test.u16").value() == 60000);
  CHECK(g.get_i16("test.i16").value() == -30000);
  CHECK(g.get_u32("test.u32").value() == 4000000000u);
  CHECK(g.get_i32("test.i32").value() == -2000000000);
  CHECK(g.get_f32("test.f32").value() == 1.5f);
  CHECK(g.get_bool("test.bool_true").value());
  CHECK_FALSE(g.get_bool("test.bool_false").value());
  CHECK(g.get_string("test.string").value() == "hello, 明月 🌙");
  CHECK(g.get_string("test.string_empty").value().empty());
  CHECK(g.get_u64("test.u64").value() == 18000000000000000000ull);
  CHECK(g.get_i64("test.i64").value() == -9000000000000000000ll);
  CHECK(g.get_f64("test.f64").value() == -2.25);
  CHECK(g.get_f32("test.f32_small").value() == 0.0001220703125f);
  CHECK(g.get_array("test.arr_u8").value().u8_at(2) == 255);
  CHECK(g.get_array("test.arr_i8").value().i8_at(0) == -128);
  CHECK(g.get_array("test.arr_u16").value().u16_at(1) == 65535);
  CHECK(g.get_array("test.arr_i16").value().i16_at(0) == -32768);
  CHECK(g.get_array("test.arr_u32").value().u32_at(1) == 4294967295u);
  CHECK(g.get_array("test.arr_i32").value().i32_at(0) == INT32_MIN);
  CHECK(g.get_array("test.arr_f32").value().f32_at(2) == 3.0f);
  CHECK(g.get_array("test.arr_bool").value().bool_at(2));
  auto s = g.get_array("test.arr_str").value();
  REQUIRE(s.size() == 4);
  CHECK(s.string_at(1).empty());
  CHECK(s.string_at(2) == "明月");
  CHECK(s.string_at(3) == "with space");
  CHECK(g.get_array("test.arr_u64").value().u64_at(1) == 18446744073709551615ull);
  CHECK(g.get_array("test.arr_i64").value().i64_at(0) == INT64_MIN);
  CHECK(g.get_array("test.arr_f64").value().f64_at(1) == -1e300);
  CHECK(g.get_array("test.arr_empty_u32").value().size() == 0);
  auto aas = g.get_array("test.arr_arr_str").value();
  REQUIRE(aas.size() == 3);
  CHECK(aas.array_at(0).size() == 2);
  CHECK(aas.array_at(0).string_at(1) == "b");
  CHECK(aas.array_at(1).size() == 0);
  CHECK(aas.array_at(2).string_at(1) == "风 x");
  auto aai = g.get_array("test.arr_arr_i32").value();
  CHECK(aai.array_at(0).i32_at(1) == -2);
  CHECK(aai.array_at(1).i32_at(0) == 4);

  struct tensor_row {
    const char* name;
    uint32_t type;
    int n_dims;
    int64_t ne0, ne1, ne2;
    uint64_t offset;
  };
  const tensor_row rows[] = {{"t.f32", 0, 2, 32, 2, 1, 0},
                             {"t.f16", 1, 2, 32, 2, 1, 256},
                             {"t.q8_0", 8, 2, 32, 2, 1, 384},
                             {"t.q4_0", 2, 2, 64, 1, 1, 480},
                             {"t.vec3d", 0, 3, 4, 3, 2, 544}};
  for (const tensor_row& row : rows) {
    CAPTURE(row.name);
    const gguf_tensor_info* t = g.find_tensor(row.name);
    REQUIRE(t);
    CHECK(t->type_id == row.type);
    CHECK(t->n_dims == row.n_dims);
    CHECK(t->ne[0] == row.ne0);
    CHECK(t->ne[1] == row.ne1);
    CHECK(t->ne[2] == row.ne2);
    CHECK(t->offset == row.offset);
  }
  // t.f32 values are -8 + 0.25 i; t.vec3d values are i.
  const gguf_tensor_info* f = g.find_tensor("t.f32");
  for (int i = 0; i < 64; ++i) {
    float x;
    std::memcpy(&x, f->data + 4 * i, 4);
    CHECK(x == -8.0f + 0.25f * static_cast<float>(i));
  }
  const gguf_tensor_info* v = g.find_tensor("t.vec3d");
  CHECK(v->n_bytes == 24 * 4);
  float last;
  std::memcpy(&last, v->data + 23 * 4, 4);
  CHECK(last == 23.0f);
}

namespace {

// Minimal reader for the manifest's flat list of {"file": ..., "code": ..., "what": ...}.
struct manifest_entry {
  std::string file, code, what;
};

std::string json_field(const std::string& obj, const std::string& field) {
  const std::string key = "\"" + field + "\"";
  size_t p = obj.find(key);
  if (p == std::string::npos) return {};
  p = obj.find('"', obj.find(':', p) + 1);
  std::string out;
  for (size_t i = p + 1; i < obj.size() && obj[i] != '"'; ++i) {
    if (obj[i] == '\\' && i + 1 < obj.size()) ++i;
    out += obj[i];
  }
  return out;
}

std::vector<manifest_entry> read_manifest() {
  const bytes_t raw = read_file_bytes(fixture_path("broken/manifest.json"));
  const std::string text(raw.begin(), raw.end());
  std::vector<manifest_entry> out;
  size_t pos = 0;
  while ((pos = text.find('{', pos)) != std::string::npos) {
    const size_t end = text.find('}', pos);
    if (end == std::string::npos) break;
    const std::string obj = text.substr(pos, end - pos + 1);
    out.push_back({json_field(obj, "file"), json_field(obj, "code"), json_field(obj, "what")});
    pos = end + 1;
  }
  return out;
}

}  // namespace

TEST_CASE("gguf: every broken fixture fails with the manifest's code") {
  const std::vector<manifest_entry> entries = read_manifest();
  REQUIRE(entries.size() >= 20);
  for (const manifest_entry& e : entries) {
    CAPTURE(e.file);
    CAPTURE(e.what);
    const auto want = code_from_name(e.code);
    REQUIRE_MESSAGE(want.has_value(), "unknown code in manifest: " << e.code);
    const bytes_t file = read_file_bytes(fixture_path("broken/" + e.file));
    auto r = load_model(file);
    REQUIRE_FALSE(r.ok());
    CHECK_MESSAGE(r.code() == *want, r.error().to_string());
    CHECK(r.error().message.rfind("load model: ", 0) == 0);
  }
}

TEST_CASE("gguf: a file cut at every length fails cleanly") {
  const bytes_t file = every_type_file();
  for (size_t n = 0; n < file.size(); ++n) {
    CAPTURE(n);
    auto r = gguf_file::parse(std::span<const uint8_t>(file.data(), n));
    REQUIRE_FALSE(r.ok());
    const status_code c = r.code();
    // A cut in the header is `truncated`; a cut in the data leaves tensor data outside the file.
    CHECK((c == status_code::truncated || c == status_code::bad_offset));
  }
  CHECK(gguf_file::parse(file).ok());
}

TEST_CASE("gguf: a real model cut at every length never loads and never crashes") {
  const bytes_t file = read_file_bytes(fixture_path("models/micro-q8_0.gguf"));
  REQUIRE(!file.empty());
  REQUIRE(load_model(file).ok());
  // Header: every length; data: every 7th length (the data checks do not depend on the byte).
  const size_t header = gguf_file::parse(file).value().data_offset();
  for (size_t n = 0; n < file.size(); n += (n < header + 64 ? 1 : 7)) {
    CAPTURE(n);
    auto r = load_model(std::span<const uint8_t>(file.data(), n));
    REQUIRE_FALSE(r.ok());
    CHECK((r.code() == status_code::truncated || r.code() == status_code::bad_offset));
  }
}

TEST_CASE("gguf: every single-byte corruption of the header fails cleanly or parses") {
  // Flip each header byte to 0xFF: the reader must return (any status), never crash. Run under
  // the sanitizer build to catch out-of-bounds reads.
  const bytes_t file = every_type_file();
  const size_t header = gguf_file::parse(file).value().data_offset();
  for (size_t i = 0; i < header; ++i) {
    bytes_t broken = file;
    broken[i] ^= 0xFF;
    auto r = gguf_file::parse(broken);
    if (r.ok()) CHECK(r.value().tensors().size() <= 2);
  }
}

TEST_CASE("gguf: caps") {
  SUBCASE("a 150k-token vocabulary passes") {
    std::vector<std::string> tokens;
    tokens.reserve(150000);
    for (int i = 0; i < 150000; ++i) tokens.push_back("tok" + std::to_string(i));
    gguf_builder b;
    b.kv_strings("tokenizer.ggml.tokens", tokens);
    const bytes_t file = b.build();
    auto r = gguf_file::parse(file);
    REQUIRE_MESSAGE(r.ok(), r.error().to_string());
    auto arr = r.value().get_array("tokenizer.ggml.tokens").value();
    CHECK(arr.size() == 150000);
    CHECK(arr.string_at(149999) == "tok149999");
  }
  SUBCASE("nesting deeper than the cap") {
    bytes_t body = array_body<uint8_t>(kU8, {1});
    for (int d = 0; d < kGgufMaxArrayDepth; ++d) body = nested_array_body({body});
    gguf_builder b;
    b.kv_raw("deep", kArray, body);
    CHECK(gguf_file::parse(b.build()).code() == status_code::limit_exceeded);
  }
  SUBCASE("nesting at the cap") {
    bytes_t body = array_body<uint8_t>(kU8, {1});
    for (int d = 1; d < kGgufMaxArrayDepth; ++d) body = nested_array_body({body});
    gguf_builder b;
    b.kv_raw("deep", kArray, body);
    CHECK(gguf_file::parse(b.build()).ok());
  }
  SUBCASE("n_dims 0..4 accepted, dims above 2^40 rejected") {
    gguf_builder b;
    b.tensor("a", 0, {}, f32_bytes({1}));
    b.tensor("b", 0, {1, 1, 1, 2}, f32_bytes({1, 2}));
    const bytes_t file = b.build();  // the views need the bytes alive
    auto r = gguf_file::parse(file);
    REQUIRE(r.ok());
    CHECK(r.value().find_tensor("a")->n_elements == 1);
    gguf_builder c;
    c.tensor("a", 0, {(uint64_t{1} << 40) + 1}, {});
    CHECK(gguf_file::parse(c.build()).code() == status_code::limit_exceeded);
  }
  SUBCASE("a count larger than the bytes is truncated, not an allocation") {
    bytes_t body;
    put<uint32_t>(body, kString);
    put<uint64_t>(body, kGgufMaxArrayElements);  // at the cap, but no bytes follow
    gguf_builder b;
    b.kv_raw("many", kArray, body);
    CHECK(gguf_file::parse(b.build()).code() == status_code::truncated);
  }
}

TEST_CASE("gguf: alignment, offsets and unknown types") {
  SUBCASE("custom alignment") {
    gguf_builder b(64);
    b.kv_u32("general.alignment", 64);
    b.tensor("a", 0, {3}, f32_bytes({1, 2, 3}));
    b.tensor("b", 0, {1}, f32_bytes({4}));
    const bytes_t file = b.build();
    auto r = gguf_file::parse(file);
    REQUIRE_MESSAGE(r.ok(), r.error().to_string());
    CHECK(r.value().alignment() == 64);
    CHECK(r.value().data_offset() % 64 == 0);
    CHECK(r.value().find_tensor("b")->offset == 64);
  }
  SUBCASE("offset not a multiple of the default alignment") {
    gguf_builder b;
    b.tensor("a", 0, {1}, f32_bytes({1}));
    b.tensor("b", 0, {1}, f32_bytes({4}), 8);
    CHECK(gguf_file::parse(b.build()).code() == status_code::bad_alignment);
  }
  SUBCASE("offset + size overflowing 64 bits") {
    gguf_builder b;
    b.tensor("a", 0, {16}, {}, ~uint64_t{31});  // aligned, 2^64 - 32
    CHECK(gguf_file::parse(b.build()).code() == status_code::bad_offset);
  }
  SUBCASE("unknown tensor type id") {
    gguf_builder b;
    b.tensor("a", 1234, {32}, bytes_t(64));
    CHECK(gguf_file::parse(b.build()).code() == status_code::unsupported_tensor_type);
  }
  SUBCASE("quantized row length not a multiple of the block") {
    gguf_builder b;
    b.tensor("a", 8, {16}, bytes_t(34));
    CHECK(gguf_file::parse(b.build()).code() == status_code::bad_shape);
  }
  SUBCASE("duplicate key") {
    gguf_builder b;
    b.kv_u32("k", 1).kv_u32("k", 2);
    CHECK(gguf_file::parse(b.build()).code() == status_code::duplicate_name);
  }
  SUBCASE("big-endian files are refused by version") {
    bytes_t file = every_type_file();
    file[4] = 0;
    file[7] = 3;
    auto r = gguf_file::parse(file);
    CHECK(r.code() == status_code::unsupported_version);
    CHECK(r.error().message.find("big-endian") != std::string::npos);
  }
}

TEST_CASE("gguf: header-only parsing of a file prefix") {
  const bytes_t file = read_file_bytes(fixture_path("models/tiny-llama-q8_0.gguf"));
  REQUIRE(!file.empty());
  const gguf_file full = gguf_file::parse(file).value();
  const size_t header = full.data_offset();
  gguf_parse_options opt;
  opt.header_only = true;
  // The exact header, and a prefix that also holds the first tensors.
  for (size_t n : {header, header + 5000}) {
    CAPTURE(n);
    auto r = gguf_file::parse(std::span<const uint8_t>(file.data(), n), opt);
    REQUIRE_MESSAGE(r.ok(), r.error().to_string());
    const gguf_file& g = r.value();
    CHECK_FALSE(g.data_complete());
    CHECK(g.data_end() == full.data_end());
    CHECK(g.tensors().size() == full.tensors().size());
    for (const gguf_tensor_info& t : g.tensors()) {
      const bool inside = g.data_offset() + t.offset + t.n_bytes <= n;
      CHECK((t.data != nullptr) == inside);
    }
    // Without header_only the same prefix is refused.
    CHECK(gguf_file::parse(std::span<const uint8_t>(file.data(), n)).code() ==
          status_code::bad_offset);
  }
  // A prefix that cuts the header is still truncated.
  CHECK(gguf_file::parse(std::span<const uint8_t>(file.data(), header - 40), opt).code() ==
        status_code::truncated);
  // The whole file in header-only mode is complete.
  CHECK(gguf_file::parse(file, opt).value().data_complete());
  // load_model in header-only mode gives hyper-parameters without data.
  load_options lo;
  lo.header_only = true;
  auto m = load_model(std::span<const uint8_t>(file.data(), header), lo);
  REQUIRE_MESSAGE(m.ok(), m.error().to_string());
  CHECK(m.value().hp.n_embd == 64);
  CHECK(m.value().token_embd.data == nullptr);
}

TEST_CASE("gguf: ggml type table") {
  CHECK(ggml_type_info(0)->type_size == 4);
  CHECK(ggml_type_info(1)->type_size == 2);
  CHECK(ggml_type_info(2)->block_size == 32);
  CHECK(ggml_type_info(2)->type_size == 18);
  CHECK(ggml_type_info(8)->type_size == 34);
  CHECK(std::string(ggml_type_info(7)->name) == "q5_1");
  CHECK(ggml_type_info(4) == nullptr);  // removed q4_2
  CHECK(ggml_type_info(99) == nullptr);
}
