// 詞牌 patterns: parse the table, build forms, recognise a 詞牌, report faults (cipai.h).
#include "inkstone/cipai.h"

#include <algorithm>
#include <bit>
#include <cstdlib>

namespace inkstone {

namespace {

// Clauses end where the analyser ends a line (prosody-analyser.cpp); sentences at 。？！.
constexpr std::u32string_view kClauseMarks = U"，。？！；：、,.?!;:\n";
constexpr std::u32string_view kSentenceMarks = U"。？！.?!";

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); i++) {
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

tone_req tone_of_mark(char32_t c) {
  if (c == U'平' || c == U'⊕') return tone_req::level;
  if (c == U'仄' || c == U'⊖') return tone_req::oblique;
  return tone_req::any;
}

bool is_tone_mark(char32_t c) {
  return c == U'平' || c == U'仄' || c == U'中' || c == U'⊕' || c == U'⊖';
}

status line_error(int no, std::string_view what) {
  return make_error(status_code::invalid_argument, "cipai table line ", no, ": ", what);
}

// "中仄平平，" / "中仄平平。a" -> a cipai_line (slot letters map to indices in `slot_names`).
status parse_line(std::u32string_view item, int no, const std::u32string& slot_names,
                  cipai_line& out) {
  size_t i = 0;
  while (i < item.size() && is_tone_mark(item[i])) {
    out.tones.push_back(tone_of_mark(item[i]));
    out.fixed.push_back(item[i] == U'平' || item[i] == U'仄');
    i++;
  }
  if (out.tones.empty() || out.tones.size() > 64 || i >= item.size()) {
    return line_error(no, "a line is tones (平仄中⊕⊖) then a mark");
  }
  const char32_t mark = item[i++];
  if (mark != U'。' && mark != U'，' && mark != U'、') return line_error(no, "unknown mark");
  out.punct = encode_code_points(std::u32string(1, mark));
  if (i == item.size()) return status::success();
  const size_t s = slot_names.find(item[i]);
  if (i + 1 != item.size() || s == slot_names.npos) {
    return line_error(no, "a rhyming line ends with a slot letter of the slots field");
  }
  out.slot = static_cast<int>(s);
  return status::success();
}

// The runs of Han characters of a text between marks (other characters are skipped).
// A text's clauses (its Han characters between marks), and whether each ends a sentence.
struct text_clauses {
  std::vector<std::u32string> text;
  std::vector<uint8_t> ends_sentence;
};

text_clauses read_clauses(std::string_view text) {
  text_clauses out;
  std::u32string cur;
  for (char32_t c : decode_code_points(text)) {
    if (kClauseMarks.find(c) != kClauseMarks.npos) {
      if (!cur.empty()) {
        out.text.push_back(std::move(cur));
        out.ends_sentence.push_back(0);
      }
      cur.clear();
      if (kSentenceMarks.find(c) != kSentenceMarks.npos && !out.ends_sentence.empty()) {
        out.ends_sentence.back() = 1;
      }
    } else if (is_han(c)) {
      cur += c;
    }
  }
  if (!cur.empty()) {
    out.text.push_back(std::move(cur));
    out.ends_sentence.push_back(1);
  }
  if (!out.ends_sentence.empty()) out.ends_sentence.back() = 1;
  return out;
}

// A pattern's sentences: its lines joined up to each 。 (and the last line).
std::vector<cipai_line> sentences_of(const cipai_pattern& p) {
  std::vector<cipai_line> out;
  cipai_line cur;
  for (size_t i = 0; i < p.lines.size(); i++) {
    const cipai_line& l = p.lines[i];
    cur.tones.insert(cur.tones.end(), l.tones.begin(), l.tones.end());
    cur.fixed.insert(cur.fixed.end(), l.fixed.size(), 0);  // tones are not compared by sentence
    if (l.punct == "。" || i + 1 == p.lines.size()) {
      cur.punct = "。";
      cur.slot = l.slot;
      out.push_back(std::move(cur));
      cur = {};
    }
  }
  return out;
}

bool same_lengths(const std::vector<cipai_line>& lines, const std::vector<std::u32string>& text) {
  if (lines.size() != text.size()) return false;
  for (size_t i = 0; i < text.size(); i++) {
    if (lines[i].tones.size() != text[i].size()) return false;
  }
  return true;
}

// A text read as a pattern: its units (its clauses, or failing that its sentences) matched to
// the pattern's lines (or sentences); unit k starts at clause first_clause[k] of the text.
struct reading {
  std::vector<cipai_line> lines;
  std::vector<std::u32string> units;
  std::vector<size_t> first_clause;
  bool by_sentence = false;
};

bool read_as(const cipai_pattern& p, const text_clauses& t, reading& r) {
  r = {};
  if (same_lengths(p.lines, t.text)) {
    r.lines = p.lines;
    r.units = t.text;
    for (size_t i = 0; i < t.text.size(); i++) r.first_clause.push_back(i);
    return true;
  }
  r.by_sentence = true;
  r.lines = sentences_of(p);
  for (size_t i = 0; i < t.text.size(); i++) {
    if (i == 0 || t.ends_sentence[i - 1]) {
      r.units.emplace_back();
      r.first_clause.push_back(i);
    }
    r.units.back() += t.text[i];
  }
  return same_lengths(r.lines, r.units);
}

// (clause, column) of the text for column `col` of unit `unit` of a reading.
std::pair<size_t, size_t> clause_position(const reading& r, const text_clauses& t, size_t unit,
                                          size_t col) {
  size_t c = r.first_clause[unit];
  while (col >= t.text[c].size()) col -= t.text[c++].size();
  return {c, col};
}

}  // namespace

int cipai_pattern::n_chars() const {
  int n = 0;
  for (const cipai_line& l : lines) n += static_cast<int>(l.tones.size());
  return n;
}

result<cipai_table> cipai_table::parse(std::string_view tsv) {
  cipai_table t;
  int no = 0;
  for (std::string_view line : split(tsv, '\n')) {
    no++;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    const auto f = split(line, '\t');
    if (f.size() != 7) return line_error(no, "expected 7 tab-separated fields");
    cipai_pattern p;
    p.name = std::string(f[0]);
    p.variant = std::atoi(std::string(f[1]).c_str());
    p.n_poems = std::atoi(std::string(f[2]).c_str());
    p.n_agreeing = std::atoi(std::string(f[3]).c_str());
    p.stanza_break = std::atoi(std::string(f[4]).c_str());
    if (p.name.empty() || p.n_poems < 1 || p.n_agreeing < 1 || p.n_agreeing > p.n_poems) {
      return line_error(no, "bad name or counts");
    }
    std::u32string slot_names;
    for (std::string_view s : split(f[5], ' ')) {
      const std::u32string cps = decode_code_points(s);
      if (cps.size() != 2 || tone_of_mark(cps[1]) == tone_req::any) {
        return line_error(no, "a slot is a letter and 平 or 仄");
      }
      slot_names += cps[0];
      p.slot_tones.push_back(tone_of_mark(cps[1]));
    }
    if (slot_names.size() > static_cast<size_t>(kMaxRhymeSlots)) {
      return line_error(no, "too many rhyme slots");
    }
    for (std::string_view item : split(f[6], ' ')) {
      cipai_line l;
      INK_TRY(parse_line(decode_code_points(item), no, slot_names, l));
      p.lines.push_back(std::move(l));
    }
    if (p.lines.empty() || p.lines.size() > 64 || p.stanza_break < -1 ||
        p.stanza_break >= static_cast<int>(p.lines.size())) {
      return line_error(no, "1..64 lines and a stanza break inside them");
    }
    t.patterns_.push_back(std::move(p));
  }
  return t;
}

const cipai_pattern* cipai_table::find(std::string_view name, int variant) const {
  for (const cipai_pattern& p : patterns_) {
    if (p.name == name && p.variant == variant) return &p;
  }
  return nullptr;
}

std::vector<const cipai_pattern*> cipai_table::recognise(std::string_view text) const {
  const text_clauses t = read_clauses(text);
  std::vector<const cipai_pattern*> exact, by_sentence;
  reading r;
  for (const cipai_pattern& p : patterns_) {
    if (read_as(p, t, r)) (r.by_sentence ? by_sentence : exact).push_back(&p);
  }
  std::vector<const cipai_pattern*>& out = exact.empty() ? by_sentence : exact;
  std::stable_sort(out.begin(), out.end(), [](const cipai_pattern* a, const cipai_pattern* b) {
    return a->n_agreeing > b->n_agreeing;
  });
  return out;
}

result<form_spec> make_cipai_form(const cipai_pattern& pattern, const cipai_form_options& options,
                                  const prosody_tables& tables) {
  if (options.heads.size() > pattern.lines.size()) {
    return make_error(status_code::invalid_argument, "詞牌 ", pattern.name, ": ",
                      options.heads.size(), " heads for ", pattern.lines.size(), " lines");
  }
  form_spec form;
  form.name = pattern.name;
  form.enforce_tones = options.enforce_tones;
  form.enforce_rhyme = options.enforce_rhyme;
  for (size_t i = 0; i < pattern.lines.size(); i++) {
    const cipai_line& l = pattern.lines[i];
    form_line fl;
    fl.n_chars = static_cast<int>(l.tones.size());
    fl.tones = l.tones;
    fl.punct = l.punct;
    fl.rhyme = l.slot >= 0;
    fl.rhyme_slot = static_cast<uint8_t>(std::max(l.slot, 0));
    if (fl.rhyme) fl.tones.back() = tone_req::any;  // the slot's tone, set below
    if (i < options.heads.size()) fl.head = options.heads[i];
    form.lines.push_back(std::move(fl));
  }
  form.slot_masks.assign(pattern.slot_tones.empty() ? 0 : pattern.slot_tones.size() - 1, 0);
  for (size_t s = 0; s < pattern.slot_tones.size(); s++) {
    INK_TRY_CTX(set_rhyme_slot_tone(form, static_cast<int>(s), pattern.slot_tones[s], tables),
                "詞牌 " + pattern.name);
  }
  return form;
}

std::vector<int> cipai_clause_slots(const cipai_pattern& pattern, std::string_view text) {
  const text_clauses t = read_clauses(text);
  reading r;
  if (!read_as(pattern, t, r)) return {};
  std::vector<int> out(t.text.size(), -1);
  for (size_t k = 0; k < r.units.size(); k++) {
    if (r.lines[k].slot >= 0)
      out[clause_position(r, t, k, r.units[k].size() - 1).first] = r.lines[k].slot;
  }
  return out;
}

std::vector<prosody_fault> cipai_faults(const cipai_pattern& pattern, std::string_view text,
                                        const prosody_tables& tables) {
  std::vector<prosody_fault> out;
  // Clause by clause when the text's clauses have the pattern's lengths, else sentence by
  // sentence; faults are placed at the clause and column of the text either way.
  const text_clauses t = read_clauses(text);
  reading r;
  if (!read_as(pattern, t, r)) return out;
  const std::vector<std::u32string>& cl = r.units;
  const std::vector<cipai_line>& lines = r.lines;
  auto fault = [&](const char* kind, const char* name, size_t unit, size_t col, std::string msg) {
    const auto [line, column] = clause_position(r, t, unit, col);
    out.push_back({kind, name, static_cast<int>(line), static_cast<int>(column), std::move(msg)});
  };
  const size_t n_slots = pattern.slot_tones.size();
  std::vector<std::vector<std::pair<size_t, uint64_t>>> rhymes(n_slots);  // (line, groups)
  for (size_t i = 0; i < cl.size(); i++) {
    const cipai_line& l = lines[i];
    for (size_t c = 0; c < cl[i].size(); c++) {
      const tone_class tone = tables.tone_of(cl[i][c]);
      if (tone != tone_class::level && tone != tone_class::oblique) continue;
      const bool is_rhyme = l.slot >= 0 && c + 1 == cl[i].size();
      const tone_req want = is_rhyme ? pattern.slot_tones[l.slot] : l.tones[c];
      if (!is_rhyme && !l.fixed[c]) continue;
      if (want == tone_req::any || static_cast<uint8_t>(want) == static_cast<uint8_t>(tone)) {
        continue;
      }
      const std::string ch = encode_code_points(std::u32string(1, cl[i][c]));
      if (is_rhyme) {
        fault("ci_rhyme_tone", "韻腳失聲", i, c,
              ch + " at a rhyme of " + (want == tone_req::level ? "平" : "仄"));
      } else {
        fault("ci_tone", "失律", i, c,
              ch + " where the pattern wants " + (want == tone_req::level ? "平" : "仄"));
      }
    }
    if (l.slot >= 0) rhymes[l.slot].push_back({i, tables.rhyme_groups_of(cl[i].back())});
  }
  // Each slot's group: the one most of its known rhyme characters share.
  for (size_t s = 0; s < n_slots; s++) {
    const uint64_t of_tone = tables.groups_of_tone(static_cast<tone_class>(pattern.slot_tones[s]));
    int best = 0, best_n = 0;
    for (int g = 1; g <= kMaxRhymeGroups; g++) {
      const uint64_t bit = uint64_t{1} << g;
      if (of_tone != 0 && !(of_tone & bit)) continue;
      int n = 0;
      for (const auto& rhyme : rhymes[s]) n += (rhyme.second & bit) != 0;
      if (n > best_n) best = g, best_n = n;
    }
    if (best == 0) continue;
    for (const auto& [line, groups] : rhymes[s]) {
      if (groups == 0 || (groups & (uint64_t{1} << best))) continue;
      fault("chu_yun", "出韵", line, cl[line].size() - 1,
            encode_code_points(std::u32string(1, cl[line].back())) + " is not in the group " +
                tables.rhyme_group_name(best) + " of its rhyme");
    }
  }
  return out;
}

}  // namespace inkstone
