// The prosody analyser: tones, rhymes and the faults of regulated verse for any poem text.
//
// Definitions used (王力《诗词格律》), with tones from the table; a fault is reported only when
// every tone it depends on is definite (平 or 仄):
// - lines: clauses split at ，。？！；、：,.?!;: and newlines; other non-Han characters are
//   ignored.
// - regulated: 4 or 8 lines of 5 or 7 characters (絕句 / 律詩).
// - rhymes: the last character of lines 2, 4, 6, 8; of line 1 too when it is 平 (首句入韵).
// - key character: the second character of a line (the fourth when the second is
//   both/unknown).
// - 失對: the two lines of a couplet have the same tone at the key character.
// - 失黏: the second line of a couplet and the first of the next differ there.
// - 孤平: a line ending 仄平 whose last five characters hold at most one 平 before the rhyme
//   (仄平仄仄平; 七言: 仄仄仄平仄仄平).
// - 三平尾: a line ending in three 平.
// - 出韵: a rhyme character outside the group shared by most rhyme characters (ties: the
//   group of the rhyme of line 2).
// - 仄韵 (ze_yun): a 仄 character at a rhyme position of a 平-rhymed poem. A poem whose rhyme
//   characters (lines 2, 4, ...) are more than half 仄 is read as 仄韵 (古绝): only 出韵 is
//   checked.
#include <algorithm>
#include <bit>

#include "inkstone/cipai.h"
#include "inkstone/prosody.h"

namespace inkstone {

namespace {

bool is_line_break(char32_t c) {
  switch (c) {
    case U'，':
    case U'。':
    case U'？':
    case U'！':
    case U'；':
    case U'、':
    case U'：':
    case U',':
    case U'.':
    case U'?':
    case U'!':
    case U';':
    case U':':
    case U'\n':
      return true;
    default:
      return false;
  }
}

bool definite(tone_class t) { return t == tone_class::level || t == tone_class::oblique; }

const char* tone_letter(tone_class t) {
  switch (t) {
    case tone_class::level:
      return "P";
    case tone_class::oblique:
      return "Z";
    case tone_class::both:
      return "B";
    default:
      return "?";
  }
}

// The key character of a line: column 1, else column 3 (when definite), else -1.
int key_column(const std::vector<char_analysis>& a, const std::vector<char_analysis>& b) {
  for (int c : {1, 3}) {
    if (definite(a[c].tone) && definite(b[c].tone)) return c;
  }
  return -1;
}

void add_fault(poem_analysis& p, const char* kind, const char* name, int line, int column,
               std::string message) {
  p.faults.push_back({kind, name, line, column, std::move(message)});
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<uint8_t>(c) < 0x20) {
          static const char* hex = "0123456789abcdef";
          out += "\\u00";
          out += hex[(c >> 4) & 0xF];
          out += hex[c & 0xF];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

std::string pos_text(int line, int column) {
  return "line " + std::to_string(line + 1) + " char " + std::to_string(column + 1);
}

// A 詞 read as `pattern`: the rhyme positions, groups and faults of the pattern replace the
// regulated reading; `found` (recognise()'s answer) names the other 詞牌 that fit.
bool read_as_ci(std::string_view text, const prosody_tables& tables, const cipai_pattern& pattern,
                const std::vector<const cipai_pattern*>& found, poem_analysis& p) {
  const std::vector<int> slots = cipai_clause_slots(pattern, text);
  if (slots.empty() || slots.size() != p.lines.size()) return false;
  p.form = "詞";
  p.cipai = pattern.name;
  p.cipai_variant = pattern.variant;
  p.cipai_others.clear();
  for (const cipai_pattern* other : found) {
    const std::string& name = other->name;
    if (name != pattern.name &&
        std::find(p.cipai_others.begin(), p.cipai_others.end(), name) == p.cipai_others.end()) {
      p.cipai_others.push_back(name);
    }
  }
  p.rhyme_groups = 0;
  for (size_t l = 0; l < p.lines.size(); l++) {
    for (char_analysis& a : p.lines[l]) a.rhyme_position = false, a.rhyme_groups = 0;
    if (slots[l] < 0) continue;
    char_analysis& a = p.lines[l].back();
    a.rhyme_position = true;
    a.rhyme_groups = tables.rhyme_groups_of(a.ch);
    a.rhyme_slot = slots[l];
  }
  p.faults = cipai_faults(pattern, text, tables);
  std::stable_sort(p.faults.begin(), p.faults.end(), [](const auto& x, const auto& y) {
    return x.line != y.line ? x.line < y.line : x.column < y.column;
  });
  return true;
}

bool read_as_ci(std::string_view text, const prosody_tables& tables, const cipai_table& cipai,
                poem_analysis& p) {
  const std::vector<const cipai_pattern*> found = cipai.recognise(text);
  return !found.empty() && read_as_ci(text, tables, *found[0], found, p);
}

}  // namespace

poem_analysis analyse_poem_as(std::string_view text, const prosody_tables& tables,
                              const cipai_pattern& pattern, const cipai_table* cipai) {
  poem_analysis p = analyse_poem(text, tables);
  if (p.lines.empty()) return p;
  const std::vector<const cipai_pattern*> found =
      cipai != nullptr ? cipai->recognise(text) : std::vector<const cipai_pattern*>{};
  if (!read_as_ci(text, tables, pattern, found, p)) return analyse_poem(text, tables, cipai);
  return p;
}

poem_analysis analyse_poem(std::string_view text, const prosody_tables& tables,
                           const cipai_table* cipai) {
  poem_analysis p;
  std::vector<char_analysis> cur;
  auto flush = [&] {
    if (!cur.empty()) p.lines.push_back(std::move(cur));
    cur.clear();
  };
  for (char32_t c : decode_code_points(text)) {
    if (is_line_break(c)) {
      flush();
      continue;
    }
    if (!is_han(c)) continue;
    char_analysis a;
    a.ch = c;
    a.line = static_cast<int>(p.lines.size());
    a.column = static_cast<int>(cur.size());
    a.tone = tables.tone_of(c);
    cur.push_back(a);
  }
  flush();
  const int n_lines = static_cast<int>(p.lines.size());
  if (n_lines == 0) return p;

  // Rhyme positions: the end of every second line, and of line 1 when it is 平.
  for (int l = 1; l < n_lines; l += 2) {
    char_analysis& a = p.lines[l].back();
    a.rhyme_position = true;
    a.rhyme_groups = tables.rhyme_groups_of(a.ch);
  }
  {
    char_analysis& a = p.lines[0].back();
    if (a.tone == tone_class::level && n_lines > 1) {
      a.rhyme_position = true;
      a.rhyme_groups = tables.rhyme_groups_of(a.ch);
    }
  }

  // The poem's group: the group most rhyme positions share; ties go to the group(s) of the
  // first rhyme of line 2.
  int best_count = 0;
  const uint64_t first_rhyme = n_lines > 1 ? p.lines[1].back().rhyme_groups : 0;
  for (int g = 1; g <= kMaxRhymeGroups; g++) {
    int count = 0;
    for (const auto& line : p.lines) count += (line.back().rhyme_groups >> g) & 1;
    if (count > best_count) p.rhyme_groups = 0;
    if (count > 0 && count >= best_count) {
      p.rhyme_groups |= uint64_t{1} << g;
      best_count = count;
    }
  }
  if ((p.rhyme_groups & first_rhyme) != 0) p.rhyme_groups &= first_rhyme;

  const size_t n = p.lines[0].size();
  bool regulated = (n_lines == 4 || n_lines == 8) && (n == 5 || n == 7);
  for (const auto& l : p.lines) regulated = regulated && l.size() == n;
  if (!regulated && cipai != nullptr && read_as_ci(text, tables, *cipai, p)) return p;
  if (!regulated) return p;
  p.form = std::string(n == 5 ? "五言" : "七言") + (n_lines == 4 ? "絕句" : "律詩");

  // 出韵 (line 1 may borrow a neighbouring rhyme, so it is not checked).
  for (int l = 1; l < n_lines; l += 2) {
    const char_analysis& a = p.lines[l].back();
    if (a.rhyme_groups != 0 && p.rhyme_groups != 0 && (a.rhyme_groups & p.rhyme_groups) == 0) {
      add_fault(p, "chu_yun", "出韵", l, a.column,
                pos_text(l, a.column) + ": " + encode_code_points(std::u32string(1, a.ch)) +
                    " is outside the rhyme group " +
                    tables.rhyme_group_name(first_rhyme_group(p.rhyme_groups)));
    }
  }
  int n_ze = 0;
  for (int l = 1; l < n_lines; l += 2) n_ze += p.lines[l].back().tone == tone_class::oblique;
  if (2 * n_ze > n_lines / 2) {
    p.form += " (仄韵)";
    return p;
  }
  for (int l = 1; l < n_lines; l += 2) {
    const char_analysis& a = p.lines[l].back();
    if (a.tone == tone_class::oblique) {
      add_fault(p, "ze_yun", "仄韵", l, a.column,
                pos_text(l, a.column) + ": a 仄 character where the poem rhymes on 平");
    }
  }

  // 失對 within couplets, 失黏 between them.
  for (int l = 0; l + 1 < n_lines; l++) {
    const auto& a = p.lines[l];
    const auto& b = p.lines[l + 1];
    const int c = key_column(a, b);
    if (c < 0) continue;
    const bool same = a[c].tone == b[c].tone;
    if (l % 2 == 0 && same) {
      add_fault(p, "shi_dui", "失對", l + 1, c,
                pos_text(l + 1, c) + ": same tone as " + pos_text(l, c) + " in its couplet");
    }
    if (l % 2 == 1 && !same) {
      add_fault(
          p, "shi_nian", "失黏", l + 1, c,
          pos_text(l + 1, c) + ": tone differs from " + pos_text(l, c) + " of the couplet before");
    }
  }

  // 孤平 and 三平尾, line by line.
  for (int l = 0; l < n_lines; l++) {
    const auto& a = p.lines[l];
    const int m = static_cast<int>(a.size());
    if (a[m - 1].tone == tone_class::level && a[m - 2].tone == tone_class::oblique) {
      int n_maybe_level = 0;
      bool all_definite = true;
      for (int c = m - 5; c <= m - 2; c++) {
        n_maybe_level += a[c].tone != tone_class::oblique;
        all_definite = all_definite && definite(a[c].tone);
      }
      if (n_maybe_level <= 1 && all_definite) {
        add_fault(p, "gu_ping", "孤平", l, m - 5,
                  pos_text(l, m - 5) + ": only one 平 before the rhyme in the last five");
      }
    }
    if (a[m - 1].tone == tone_class::level && a[m - 2].tone == tone_class::level &&
        a[m - 3].tone == tone_class::level) {
      add_fault(p, "san_ping_wei", "三平尾", l, m - 3,
                pos_text(l, m - 3) + ": the line ends in three 平");
    }
  }
  std::stable_sort(p.faults.begin(), p.faults.end(), [](const auto& x, const auto& y) {
    return x.line != y.line ? x.line < y.line : x.column < y.column;
  });
  return p;
}

std::string poem_analysis::to_json(const prosody_tables& tables) const {
  std::string out = "{\"form\":";
  append_json_string(out, form);
  out += ",\"rhyme_groups\":[";
  std::string names = "[";
  bool first = true;
  for (int g = 1; g <= kMaxRhymeGroups; g++) {
    if (!((rhyme_groups >> g) & 1)) continue;
    if (!first) {
      out += ',';
      names += ',';
    }
    first = false;
    out += std::to_string(g);
    append_json_string(names, tables.rhyme_group_name(g));
  }
  out += "],\"rhyme_group_names\":" + names + "],\"lines\":[";
  for (size_t l = 0; l < lines.size(); l++) {
    if (l) out += ',';
    out += '[';
    for (size_t c = 0; c < lines[l].size(); c++) {
      const char_analysis& a = lines[l][c];
      if (c) out += ',';
      out += "{\"ch\":";
      append_json_string(out, encode_code_points(std::u32string(1, a.ch)));
      out += ",\"tone\":\"";
      out += tone_letter(a.tone);
      out += "\",\"rhyme\":";
      out += a.rhyme_position ? "true" : "false";
      if (a.rhyme_position) {
        out += ",\"groups\":[";
        bool f = true;
        for (int g = 1; g <= kMaxRhymeGroups; g++) {
          if (!((a.rhyme_groups >> g) & 1)) continue;
          if (!f) out += ',';
          f = false;
          out += std::to_string(g);
        }
        out += ']';
        if (a.rhyme_slot >= 0) out += ",\"slot\":" + std::to_string(a.rhyme_slot);
      }
      out += '}';
    }
    out += ']';
  }
  out += ']';
  if (!cipai.empty()) {
    out += ",\"cipai\":{\"name\":";
    append_json_string(out, cipai);
    out += ",\"variant\":" + std::to_string(cipai_variant) + ",\"others\":[";
    for (size_t i = 0; i < cipai_others.size(); i++) {
      if (i) out += ',';
      append_json_string(out, cipai_others[i]);
    }
    out += "]}";
  }
  out += ",\"faults\":[";
  for (size_t i = 0; i < faults.size(); i++) {
    const prosody_fault& f = faults[i];
    if (i) out += ',';
    out += "{\"kind\":";
    append_json_string(out, f.kind);
    out += ",\"name\":";
    append_json_string(out, f.name);
    out += ",\"line\":" + std::to_string(f.line) + ",\"column\":" + std::to_string(f.column) +
           ",\"message\":";
    append_json_string(out, f.message);
    out += '}';
  }
  out += "]}";
  return out;
}

std::string analyse_poem_json(std::string_view text, const prosody_tables& tables,
                              const cipai_table* cipai) {
  return analyse_poem(text, tables, cipai).to_json(tables);
}

}  // namespace inkstone
