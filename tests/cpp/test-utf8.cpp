// UTF-8 (core/src/utf8.cpp) against hand-written encodings and an independent reference encoder:
// the classic edge cases (overlongs, surrogates, the U+10FFFF limit, truncation), exhaustive
// sweeps of one-character 2- and 3-byte strings, and the replacement policy of inkstone/utf8.h.
#include <doctest/doctest.h>

#include <string>

#include "inkstone/utf8.h"

using namespace inkstone;

namespace {

// The shortest encoding of cp, from the table in RFC 3629 section 3 (written here, not the code
// under test).
std::string reference_encode(char32_t cp) {
  std::string s;
  auto c = [&](unsigned v) { s += static_cast<char>(v); };
  if (cp < 0x80) {
    c(cp);
  } else if (cp < 0x800) {
    c(0xC0 | (cp >> 6)), c(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    c(0xE0 | (cp >> 12)), c(0x80 | ((cp >> 6) & 0x3F)), c(0x80 | (cp & 0x3F));
  } else {
    c(0xF0 | (cp >> 18)), c(0x80 | ((cp >> 12) & 0x3F)), c(0x80 | ((cp >> 6) & 0x3F));
    c(0x80 | (cp & 0x3F));
  }
  return s;
}

bool is_scalar_value(char32_t cp) { return cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF); }

const std::u32string kFFFD2 = U"\uFFFD\uFFFD";
const std::u32string kFFFD3 = U"\uFFFD\uFFFD\uFFFD";
const std::u32string kFFFD4 = U"\uFFFD\uFFFD\uFFFD\uFFFD";

}  // namespace

TEST_CASE("utf8: well-formed characters at every length boundary decode to their code point") {
  const struct {
    const char* bytes;
    char32_t cp;
  } cases[] = {
      {"A", U'A'},
      {"\x7F", 0x7F},
      {"\xC2\x80", 0x80},              // smallest 2-byte
      {"\xC3\xA9", 0xE9},              // é
      {"\xDF\xBF", 0x7FF},             // largest 2-byte
      {"\xE0\xA0\x80", 0x800},         // smallest 3-byte
      {"\xE6\x98\x8E", 0x660E},        // 明
      {"\xED\x9F\xBF", 0xD7FF},        // just below the surrogates
      {"\xEE\x80\x80", 0xE000},        // just above them
      {"\xEF\xBF\xBD", 0xFFFD},        // U+FFFD itself is a character
      {"\xEF\xBF\xBF", 0xFFFF},        // largest 3-byte
      {"\xF0\x90\x80\x80", 0x10000},   // smallest 4-byte
      {"\xF0\xA0\x80\x80", 0x20000},   // 𠀀 (CJK extension B)
      {"\xF4\x8F\xBF\xBF", 0x10FFFF},  // the largest code point
  };
  for (const auto& c : cases) {
    const std::string s = c.bytes;
    CAPTURE(s);
    const utf8_step st = utf8_decode(s, 0);
    CHECK(st.kind == utf8_step::valid);
    CHECK(st.cp == c.cp);
    CHECK(st.n_bytes == s.size());
    CHECK(utf8_sequence_length(static_cast<uint8_t>(s[0])) == int(s.size()));
    CHECK(utf8_is_valid(s));
    CHECK(decode_code_points(s) == std::u32string(1, c.cp));
    CHECK(encode_code_points(std::u32string(1, c.cp)) == s);
  }
}

TEST_CASE("utf8: overlongs, surrogates and code points above U+10FFFF are rejected byte by byte") {
  const struct {
    const char* bytes;
    const char* why;
  } cases[] = {
      {"\xC0\xAF", "overlong '/'"},
      {"\xC1\xBF", "overlong U+007F"},
      {"\xE0\x80\xAF", "overlong '/' in 3 bytes"},
      {"\xE0\x9F\xBF", "overlong U+07FF"},
      {"\xF0\x80\x80\xAF", "overlong '/' in 4 bytes"},
      {"\xF0\x8F\xBF\xBF", "overlong U+FFFF"},
      {"\xED\xA0\x80", "surrogate U+D800"},
      {"\xED\xBF\xBF", "surrogate U+DFFF"},
      {"\xF4\x90\x80\x80", "U+110000"},
      {"\xF5\x80\x80\x80", "lead F5"},
      {"\xFF", "byte FF"},
      {"\x80", "stray continuation"},
  };
  for (const auto& c : cases) {
    const std::string s = c.bytes;
    CAPTURE(c.why);
    const utf8_step st = utf8_decode(s, 0);
    CHECK(st.kind == utf8_step::invalid);
    CHECK(st.n_bytes == 1);
    CHECK(st.cp == kReplacementChar);
    CHECK_FALSE(utf8_is_valid(s));
    CHECK(utf8_complete_prefix(s) == s.size());  // nothing to wait for
    // One U+FFFD per byte (no byte of these starts a well-formed sequence).
    CHECK(decode_code_points(s) == std::u32string(s.size(), kReplacementChar));
    std::string pending = s, out;
    utf8_take_complete(pending, out);
    CHECK(pending.empty());
    std::string want;
    for (size_t i = 0; i < s.size(); ++i) want += kReplacementUtf8;
    CHECK(out == want);
  }
  CHECK(decode_code_points("\xC0\xAF") == kFFFD2);
  CHECK(decode_code_points("\xED\xA0\x80") == kFFFD3);
  CHECK(decode_code_points("\xF4\x90\x80\x80") == kFFFD4);
}

TEST_CASE("utf8: truncated sequences are incomplete at the end and broken before other bytes") {
  // Cut at every length: incomplete (a stream waits), decoded whole as one U+FFFD per byte.
  for (const std::string full : {"\xC3\xA9", "\xE6\x98\x8E", "\xF4\x8F\xBF\xBF"}) {
    for (size_t k = 1; k < full.size(); ++k) {
      const std::string s = "a" + full.substr(0, k);
      CAPTURE(s);
      const utf8_step st = utf8_decode(s, 1);
      CHECK(st.kind == utf8_step::incomplete);
      CHECK(st.n_bytes == k);
      CHECK_FALSE(utf8_is_valid(s));
      CHECK(utf8_complete_prefix(s) == 1);
      CHECK(decode_code_points(s) == U"a" + std::u32string(k, kReplacementChar));
    }
  }
  // A sequence cut by another character is invalid, not incomplete: E4 B8 'A' -> FFFD FFFD 'A'.
  CHECK(utf8_decode("\xE4\xB8"
                    "A",
                    0)
            .kind == utf8_step::invalid);
  CHECK(utf8_complete_prefix("\xE4"
                             "a") == 2);
  CHECK(decode_code_points("\xE4\xB8"
                           "A") == U"\uFFFD\uFFFDA");
  // The second byte decides early: E0 80 cannot become well-formed, so it is not incomplete.
  CHECK(utf8_decode("\xE0\x80", 0).kind == utf8_step::invalid);
  CHECK(utf8_decode("\xED\xA0", 0).kind == utf8_step::invalid);
  CHECK(utf8_decode("\xF4\x90", 0).kind == utf8_step::invalid);
  CHECK(utf8_decode("\xF0\x90", 0).kind == utf8_step::incomplete);
}

TEST_CASE("utf8: streaming keeps an incomplete tail until the next bytes arrive") {
  std::string pending = "a\xE6\x98", out;
  utf8_take_complete(pending, out);
  CHECK(out == "a");
  CHECK(pending == "\xE6\x98");
  pending += "\x8E\xF0\x9F";
  utf8_take_complete(pending, out);
  CHECK(out == "a\xE6\x98\x8E");
  CHECK(pending == "\xF0\x9F");
  pending += "A";  // the 4-byte sequence is broken: both bytes become U+FFFD
  utf8_take_complete(pending, out);
  CHECK(out ==
        "a\xE6\x98\x8E\xEF\xBF\xBD\xEF\xBF\xBD"
        "A");
  CHECK(pending.empty());
}

TEST_CASE("utf8: a literal U+FFFD does not make other invalid bytes valid") {
  CHECK(utf8_is_valid("\xEF\xBF\xBD"));
  CHECK_FALSE(utf8_is_valid("\xEF\xBF\xBD\xFF"));
  CHECK(utf8_is_valid(""));
}

TEST_CASE(
    "utf8: every scalar value round-trips; every 1-character 2- and 3-byte string is judged "
    "as the reference encoder says") {
  int bad = 0;
  for (char32_t cp = 0; cp <= 0x10FFFF; ++cp) {
    if (!is_scalar_value(cp)) continue;
    const std::string s = reference_encode(cp);
    std::string mine;
    append_code_point(mine, cp);
    const utf8_step st = utf8_decode(s, 0);
    bad += mine != s || st.kind != utf8_step::valid || st.cp != cp || st.n_bytes != s.size();
  }
  CHECK(bad == 0);

  // Byte strings of length 2 and 3 whose first byte starts a sequence of that length: valid iff
  // the reference encoding of the decoded bits gives back the same bytes and is a scalar value.
  auto reference_valid = [](const std::string& s) {
    const auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
    for (size_t i = 1; i < s.size(); ++i) {
      if ((b(i) & 0xC0) != 0x80) return false;
    }
    char32_t cp = s.size() == 2 ? (b(0) & 0x1F) : (b(0) & 0x0F);
    for (size_t i = 1; i < s.size(); ++i) cp = (cp << 6) | (b(i) & 0x3F);
    return is_scalar_value(cp) && reference_encode(cp) == s;
  };
  bad = 0;
  int n_valid = 0;
  for (unsigned lead = 0xC0; lead <= 0xEF; ++lead) {
    const size_t len = lead < 0xE0 ? 2 : 3;
    for (unsigned b1 = 0; b1 < 256; ++b1) {
      for (unsigned b2 = 0; b2 < (len == 3 ? 256u : 1u); ++b2) {
        std::string s = {static_cast<char>(lead), static_cast<char>(b1)};
        if (len == 3) s += static_cast<char>(b2);
        const bool want = reference_valid(s);
        n_valid += want;
        bad += utf8_is_valid(s) != want;
      }
    }
  }
  CHECK(bad == 0);
  CHECK(n_valid == (0x800 - 0x80) + (0x10000 - 0x800 - 0x800));  // 2-byte + 3-byte non-surrogate
}
