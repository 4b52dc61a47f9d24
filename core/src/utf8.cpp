// Strict UTF-8 decoding (contract and replacement policy in inkstone/utf8.h).
#include "inkstone/utf8.h"

namespace inkstone {

namespace {

// Valid range of the byte after `lead`: excludes overlongs (E0, F0), surrogates (ED) and
// code points above U+10FFFF (F4).
void second_byte_range(uint8_t lead, uint8_t* lo, uint8_t* hi) {
  *lo = 0x80;
  *hi = 0xBF;
  if (lead == 0xE0) *lo = 0xA0;
  if (lead == 0xED) *hi = 0x9F;
  if (lead == 0xF0) *lo = 0x90;
  if (lead == 0xF4) *hi = 0x8F;
}

}  // namespace

int utf8_sequence_length(uint8_t lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

utf8_step utf8_decode(std::string_view s, size_t i) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data()) + i;
  const size_t avail = s.size() - i;
  const int len = utf8_sequence_length(p[0]);
  if (len == 1) return {utf8_step::valid, p[0], 1};
  if (len == 0) return {utf8_step::invalid, kReplacementChar, 1};
  char32_t cp = p[0] & (0xFFu >> (len + 1));
  for (size_t k = 1; k < static_cast<size_t>(len); ++k) {
    if (k == avail) return {utf8_step::incomplete, kReplacementChar, avail};
    uint8_t lo = 0x80, hi = 0xBF;
    if (k == 1) second_byte_range(p[0], &lo, &hi);
    if (p[k] < lo || p[k] > hi) return {utf8_step::invalid, kReplacementChar, 1};
    cp = (cp << 6) | (p[k] & 0x3Fu);
  }
  return {utf8_step::valid, cp, static_cast<size_t>(len)};
}

bool utf8_is_valid(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const utf8_step st = utf8_decode(s, i);
    if (st.kind != utf8_step::valid) return false;
    i += st.n_bytes;
  }
  return true;
}

size_t utf8_complete_prefix(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const utf8_step st = utf8_decode(s, i);
    if (st.kind == utf8_step::incomplete) return i;
    i += st.n_bytes;
  }
  return i;
}

std::u32string decode_code_points(std::string_view s) {
  std::u32string out;
  out.reserve(s.size() / 3 + 1);
  for (size_t i = 0; i < s.size();) {
    const utf8_step st = utf8_decode(s, i);
    out.push_back(st.cp);
    i += st.kind == utf8_step::valid ? st.n_bytes : 1;
  }
  return out;
}

void append_code_point(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string encode_code_points(std::u32string_view cps) {
  std::string out;
  for (char32_t cp : cps) append_code_point(out, cp);
  return out;
}

void utf8_take_complete(std::string& pending, std::string& out) {
  size_t i = 0;
  while (i < pending.size()) {
    const utf8_step st = utf8_decode(pending, i);
    if (st.kind == utf8_step::incomplete) break;  // wait for more bytes
    if (st.kind == utf8_step::valid) {
      out.append(pending, i, st.n_bytes);
    } else {
      out += kReplacementUtf8;
    }
    i += st.n_bytes;
  }
  pending.erase(0, i);
}

}  // namespace inkstone
