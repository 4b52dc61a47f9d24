#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "inkstone/status.h"

using namespace inkstone;

namespace {

// The rows of the table in docs/status-codes.md: "| `name` | `category` | when |".
struct doc_row {
  std::string name;
  std::string category;
};

std::vector<doc_row> read_status_doc() {
  std::ifstream in(INK_SOURCE_DIR "/docs/status-codes.md");
  REQUIRE_MESSAGE(in, "cannot read docs/status-codes.md");
  std::vector<doc_row> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("| `", 0) != 0) continue;  // header, separator and prose lines
    std::vector<std::string> cells;
    for (size_t at = 1; at < line.size();) {
      const size_t bar = line.find('|', at);
      if (bar == std::string::npos) break;
      std::string cell = line.substr(at, bar - at);
      cell.erase(0, cell.find_first_not_of(' '));
      cell.erase(cell.find_last_not_of(' ') + 1);
      cells.push_back(cell);
      at = bar + 1;
    }
    REQUIRE_MESSAGE(cells.size() == 3, line);
    auto unquote = [&](const std::string& c) {
      REQUIRE_MESSAGE((c.size() > 2 && c.front() == '`' && c.back() == '`'), line);
      return c.substr(1, c.size() - 2);
    };
    rows.push_back({unquote(cells[0]), unquote(cells[1])});
  }
  return rows;
}

}  // namespace

TEST_CASE("status: the codes and docs/status-codes.md list the same names and categories") {
  const std::vector<doc_row> doc = read_status_doc();
  REQUIRE(doc.size() >= 20);
  std::set<std::string> doc_names;
  for (const doc_row& r : doc) CHECK_MESSAGE(doc_names.insert(r.name).second, "twice: ", r.name);
  // Every fine code of the enum (all but ok) has its row, with the same category.
  std::set<std::string> enum_names;
  for (int i = 1; i < kNumStatusCodes; i++) {
    const auto code = static_cast<status_code>(i);
    const std::string name = code_name(code);
    CAPTURE(i);
    CAPTURE(name);
    CHECK(enum_names.insert(name).second);
    CHECK(name != "unknown");
    const auto row =
        std::find_if(doc.begin(), doc.end(), [&](const doc_row& r) { return r.name == name; });
    REQUIRE_MESSAGE(row != doc.end(), "no row in docs/status-codes.md for ", name);
    CHECK(std::string(code_category(code)) == row->category);
    REQUIRE(code_from_name(name).has_value());
    CHECK(*code_from_name(name) == code);
  }
  // Every row names a code of the enum, with the same category.
  for (const doc_row& r : doc) {
    CAPTURE(r.name);
    CHECK_MESSAGE(enum_names.count(r.name) == 1, "docs/status-codes.md lists ", r.name,
                  ", which is not a status_code");
    const auto code = code_from_name(r.name);
    REQUIRE(code.has_value());
    CHECK(std::string(code_category(*code)) == r.category);
  }
  CHECK(doc.size() + 1 == kNumStatusCodes);  // + ok
  CHECK(std::string(code_name(status_code::ok)) == "ok");
  CHECK(std::string(code_name(static_cast<status_code>(kNumStatusCodes))) == "unknown");
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
