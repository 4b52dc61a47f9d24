// An independent checker for finished poems: given the text a generation produced and the form
// it was asked for, lists every way the text breaks the form. Written separately from the
// constraint engine (its own UTF-8 splitting and its own reading of the form); it shares only
// the tables (prosody_tables lookups) and the form_spec data.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "inkstone/form.h"
#include "inkstone/prosody.h"

namespace inkstone::testing {

// Splits UTF-8 into one string per character (a broken sequence becomes its own 1-byte piece).
inline std::vector<std::string> split_glyphs(std::string_view s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    const unsigned char b = static_cast<unsigned char>(s[i]);
    size_t n = 1;
    if (b >= 0xF0)
      n = 4;
    else if (b >= 0xE0)
      n = 3;
    else if (b >= 0xC0)
      n = 2;
    bool ok = i + n <= s.size();
    for (size_t k = 1; ok && k < n; k++) ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    if (!ok) n = 1;
    out.emplace_back(s.substr(i, n));
    i += n;
  }
  return out;
}

// The code point of one glyph from split_glyphs (0 for a broken one).
inline char32_t glyph_code_point(const std::string& g) {
  const auto* p = reinterpret_cast<const unsigned char*>(g.data());
  switch (g.size()) {
    case 1:
      return p[0] < 0x80 ? p[0] : 0;
    case 2:
      return ((p[0] & 0x1Fu) << 6) | (p[1] & 0x3Fu);
    case 3:
      return ((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
    case 4:
      return ((p[0] & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) |
             (p[3] & 0x3Fu);
    default:
      return 0;
  }
}

inline bool checker_is_ideograph(char32_t c) {
  // Unicode blocks: CJK Unified Ideographs, Ext A, Ext B-F (SIP), Compatibility, and 〇.
  if (c == 0x3007) return true;
  if (0x3400 <= c && c < 0x4DC0) return true;
  if (0x4E00 <= c && c < 0xA000) return true;
  if (0xF900 <= c && c < 0xFB00) return true;
  return 0x20000 <= c && c < 0x2FA20;
}

// Checks `text` (the generated text after the prompt, EOS not included) against `form`.
// Returns the violations found; empty means the poem satisfies the form.
inline std::vector<std::string> check_poem(std::string_view text, const form_spec& form,
                                           const prosody_tables& tables) {
  std::vector<std::string> bad;
  std::string_view body = text;
  if (!form.free_before_end.empty()) {
    const size_t at = text.find(form.free_before_end);
    if (at == std::string_view::npos) {
      bad.push_back("free text never ended");
      return bad;
    }
    if (static_cast<int>(at) > form.free_before_max_bytes) bad.push_back("free text too long");
    body = text.substr(at + form.free_before_end.size());
  }
  const std::vector<std::string> g = split_glyphs(body);
  size_t k = 0;  // next glyph
  std::set<std::string> seen;
  std::vector<std::string> rhymes;
  uint64_t shared = form.rhyme_mask != 0 ? form.rhyme_mask : ~uint64_t{0};
  for (size_t li = 0; li < form.lines.size(); li++) {
    const form_line& line = form.lines[li];
    const std::string where = "line " + std::to_string(li + 1);
    for (int c = 0; c < line.n_chars; c++, k++) {
      const std::string at = where + " col " + std::to_string(c + 1);
      if (k >= g.size()) {
        bad.push_back(at + ": text ended early");
        return bad;
      }
      const char32_t cp = glyph_code_point(g[k]);
      if (!checker_is_ideograph(cp)) {
        bad.push_back(at + ": not a Han character: '" + g[k] + "'");
        continue;
      }
      if (c == 0 && line.head != 0 && cp != line.head) bad.push_back(at + ": wrong head " + g[k]);
      for (char32_t b : form.banned) {
        if (b == cp) bad.push_back(at + ": banned " + g[k]);
      }
      if (form.no_repeat && !seen.insert(g[k]).second) bad.push_back(at + ": repeated " + g[k]);
      if (form.enforce_tones && !line.tones.empty()) {
        const tone_req want = line.tones[c];
        const tone_class have = tables.tone_of(cp);
        const bool level_ok = have == tone_class::level || have == tone_class::both;
        const bool oblique_ok = have == tone_class::oblique || have == tone_class::both;
        if (want == tone_req::level && !level_ok) bad.push_back(at + ": wants 平: " + g[k]);
        if (want == tone_req::oblique && !oblique_ok) bad.push_back(at + ": wants 仄: " + g[k]);
      }
      if (form.enforce_rhyme && line.rhyme && c == line.n_chars - 1) {
        const uint64_t groups = tables.rhyme_groups_of(cp);
        if (groups == 0) bad.push_back(at + ": rhyme character without a rhyme group: " + g[k]);
        shared &= groups;
        for (const std::string& r : rhymes) {
          if (r == g[k]) bad.push_back(at + ": rhyme repeated: " + g[k]);
        }
        rhymes.push_back(g[k]);
      }
    }
    // The punctuation, glyph by glyph.
    for (const std::string& p : split_glyphs(line.punct)) {
      if (k >= g.size() || g[k] != p) {
        bad.push_back(where + ": expected punctuation '" + p + "'");
        return bad;
      }
      k++;
    }
  }
  if (form.enforce_rhyme && !rhymes.empty() && shared == 0) {
    std::string all;
    for (const std::string& r : rhymes) all += r;
    bad.push_back("rhymes share no group: " + all);
  }
  if (k != g.size() && !form.free_after) bad.push_back("text continues after the form");
  return bad;
}

}  // namespace inkstone::testing

namespace inkstone::testing {

// The shipped tables (assets/prosody): tones.tsv with rhyme-<book>.tsv, book "classical"
// (the default) or "xinyun"; loaded once per test binary; aborts the run with a clear message
// when they are missing.
inline const prosody_tables& shipped_tables(const std::string& book = "classical") {
  static std::map<std::string, prosody_tables> cache;
  auto it = cache.find(book);
  if (it != cache.end()) return it->second;
  auto t = load_prosody_tables(INK_SOURCE_DIR "/assets/prosody/tones.tsv",
                               INK_SOURCE_DIR "/assets/prosody/rhyme-" + book + ".tsv");
  if (!t.ok()) {
    std::fprintf(stderr, "cannot load prosody tables: %s\n", t.error().to_string().c_str());
    std::abort();
  }
  return cache.emplace(book, std::move(t).value()).first->second;
}

}  // namespace inkstone::testing
