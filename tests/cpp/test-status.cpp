#include <doctest/doctest.h>

#include <string>

#include "inkstone/status.h"

using namespace inkstone;

TEST_CASE("status: every fine code has the name and category of docs/status-codes.md") {
  // (fine code, name, category) copied from docs/status-codes.md.
  struct row {
    status_code code;
    const char* name;
    const char* category;
  };
  const row rows[] = {
      {status_code::bad_magic, "bad_magic", "invalid_model"},
      {status_code::unsupported_version, "unsupported_version", "unsupported_model"},
      {status_code::truncated, "truncated", "invalid_model"},
      {status_code::limit_exceeded, "limit_exceeded", "invalid_model"},
      {status_code::bad_alignment, "bad_alignment", "invalid_model"},
      {status_code::bad_offset, "bad_offset", "invalid_model"},
      {status_code::bad_value_type, "bad_value_type", "invalid_model"},
      {status_code::duplicate_name, "duplicate_name", "invalid_model"},
      {status_code::overflow, "overflow", "invalid_model"},
      {status_code::unsupported_tensor_type, "unsupported_tensor_type", "unsupported_model"},
      {status_code::unsupported_architecture, "unsupported_architecture", "unsupported_model"},
      {status_code::missing_key, "missing_key", "invalid_model"},
      {status_code::missing_tensor, "missing_tensor", "invalid_model"},
      {status_code::bad_shape, "bad_shape", "invalid_model"},
      {status_code::bad_tokenizer, "bad_tokenizer", "invalid_model"},
      {status_code::unsupported_tokenizer, "unsupported_tokenizer", "unsupported_model"},
      {status_code::out_of_memory, "out_of_memory", "out_of_memory"},
      {status_code::context_full, "context_full", "context_full"},
      {status_code::invalid_argument, "invalid_argument", "invalid_argument"},
      {status_code::invalid_state, "invalid_state", "invalid_state"},
      {status_code::io_error, "io_error", "io_error"},
      {status_code::aborted, "aborted", "aborted"},
  };
  CHECK(sizeof(rows) / sizeof(rows[0]) + 1 == kNumStatusCodes);  // + ok
  for (const row& r : rows) {
    CAPTURE(r.name);
    CHECK(std::string(code_name(r.code)) == r.name);
    CHECK(std::string(code_category(r.code)) == r.category);
    REQUIRE(code_from_name(r.name).has_value());
    CHECK(*code_from_name(r.name) == r.code);
  }
  CHECK(std::string(code_name(status_code::ok)) == "ok");
  CHECK_FALSE(code_from_name("no_such_code").has_value());
}

TEST_CASE("status: context is prepended on the way up") {
  status s(status_code::unsupported_tensor_type, "type q5_1 is not supported");
  status up = s.with_context("tensor blk.3.ffn_up.weight").with_context("load model");
  CHECK(up.code == status_code::unsupported_tensor_type);
  CHECK(up.message == "load model: tensor blk.3.ffn_up.weight: type q5_1 is not supported");
  CHECK(up.to_string() ==
        "unsupported_tensor_type: load model: tensor blk.3.ffn_up.weight: type q5_1 is not "
        "supported");
  CHECK(status().ok());
  CHECK(status().with_context("x").message.empty());
  CHECK(make_error(status_code::bad_shape, "n=", 3, " of ", std::string("x"), ' ', 2.5f).message ==
        "n=3 of x " + std::to_string(2.5f));
}

namespace {

result<int> parse_digit(char c) {
  if (c < '0' || c > '9') return make_error(status_code::invalid_argument, "not a digit: ", c);
  return c - '0';
}

result<int> sum_digits(std::string_view s) {
  int total = 0;
  for (char c : s) {
    INK_ASSIGN_OR_RETURN(int d, parse_digit(c));
    total += d;
  }
  return total;
}

status check_even(std::string_view s) {
  INK_ASSIGN_OR_RETURN(int v, sum_digits(s));
  if (v % 2) return make_error(status_code::invalid_argument, "odd sum ", v);
  return {};
}

status outer(std::string_view s) {
  INK_TRY_CTX(check_even(s), "outer");
  return {};
}

}  // namespace

TEST_CASE("status: result<T> and the early-return macros") {
  result<int> r = sum_digits("123");
  REQUIRE(r.ok());
  CHECK(r.value() == 6);
  CHECK(*r == 6);
  result<int> bad = sum_digits("1x3");
  CHECK_FALSE(bad.ok());
  CHECK(bad.code() == status_code::invalid_argument);
  CHECK(bad.error().message == "not a digit: x");
  CHECK(outer("22").ok());
  status s = outer("12");
  CHECK(s.code == status_code::invalid_argument);
  CHECK(s.message == "outer: odd sum 3");
  CHECK(outer("a").message == "outer: not a digit: a");
}
