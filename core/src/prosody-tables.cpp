// Tone and rhyme tables: parsing the tsv text (format in prosody.h).
#include <algorithm>
#include <bit>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "inkstone/prosody.h"

namespace inkstone {

bool is_han(char32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2FA1F) || (cp >= 0xF900 && cp <= 0xFAFF) || cp == 0x3007;
}

int first_rhyme_group(uint64_t mask) { return mask == 0 ? 0 : std::countr_zero(mask); }

// ------------------------------------------------------------------ parsing
namespace {

// Splits "a\tb\tc" into fields.
std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t tab = line.find('\t', start);
    out.push_back(line.substr(start, tab == std::string_view::npos ? line.npos : tab - start));
    if (tab == std::string_view::npos) return out;
    start = tab + 1;
  }
}

// Calls fn(line_number, line) for each non-empty, non-comment line (CR stripped).
template <class Fn>
status for_each_line(std::string_view text, Fn&& fn) {
  int line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == text.npos ? text.npos : nl - pos);
    pos = nl == text.npos ? text.size() : nl + 1;
    line_no++;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    INK_TRY(fn(line_no, line));
  }
  return status::success();
}

// The single code point of a table key, or 0.
char32_t single_char(std::string_view s) {
  std::u32string cps = decode_code_points(s);
  return cps.size() == 1 && cps[0] != U'\uFFFD' ? cps[0] : 0;
}

}  // namespace

result<prosody_tables> prosody_tables::parse(std::string_view tones_tsv,
                                             std::string_view rhyme_tsv) {
  prosody_tables t;
  status st = for_each_line(tones_tsv, [&](int no, std::string_view line) -> status {
    auto f = split_tabs(line);
    char32_t cp = f.size() >= 2 ? single_char(f[0]) : 0;
    if (cp == 0 || f[1].size() != 1) {
      return make_error(status_code::invalid_argument, "tones table line ", no,
                        ": expected \"<char>\\t<P|Z|B>\"");
    }
    switch (f[1][0]) {
      case 'P':
        t.tones_[cp] = tone_class::level;
        break;
      case 'Z':
        t.tones_[cp] = tone_class::oblique;
        break;
      case 'B':
        t.tones_[cp] = tone_class::both;
        break;
      default:
        return make_error(status_code::invalid_argument, "tones table line ", no,
                          ": tone must be P, Z or B");
    }
    return status::success();
  });
  if (!st.ok()) return st;

  st = for_each_line(rhyme_tsv, [&](int no, std::string_view line) -> status {
    auto f = split_tabs(line);
    if (f[0] == "@book") {
      if (f.size() >= 2) t.rhyme_book_ = std::string(f[1]);
      return status::success();
    }
    if (f[0] == "@group") {
      int g = f.size() >= 3 ? std::atoi(std::string(f[1]).c_str()) : 0;
      if (g < 1 || g > kMaxRhymeGroups) {
        return make_error(status_code::invalid_argument, "rhyme table line ", no,
                          ": bad @group line");
      }
      if (t.group_names_.size() <= static_cast<size_t>(g)) t.group_names_.resize(g + 1);
      t.group_names_[g] = std::string(f[2]);
      if (f.size() >= 4 && f[3] == "平") t.level_groups_ |= uint64_t{1} << g;
      if (f.size() >= 4 && f[3] == "仄") t.oblique_groups_ |= uint64_t{1} << g;
      t.n_rhyme_groups_ = std::max(t.n_rhyme_groups_, g);
      return status::success();
    }
    char32_t cp = f.size() >= 2 ? single_char(f[0]) : 0;
    if (cp == 0) {
      return make_error(status_code::invalid_argument, "rhyme table line ", no,
                        ": expected \"<char>\\t<group>[,<group>...]\"");
    }
    uint64_t mask = 0;
    std::string_view groups = f[1];
    while (!groups.empty()) {
      size_t comma = groups.find(',');
      std::string num(groups.substr(0, comma));
      int g = std::atoi(num.c_str());
      if (g < 1 || g > kMaxRhymeGroups) {
        return make_error(status_code::invalid_argument, "rhyme table line ", no,
                          ": group out of range 1..", kMaxRhymeGroups);
      }
      mask |= uint64_t{1} << g;
      t.n_rhyme_groups_ = std::max(t.n_rhyme_groups_, g);
      groups = comma == groups.npos ? std::string_view() : groups.substr(comma + 1);
    }
    t.rhymes_[cp] |= mask;  // a character listed again (books read together) keeps both
    return status::success();
  });
  if (!st.ok()) return st;
  return t;
}

uint64_t prosody_tables::groups_of_tone(tone_class tone) const {
  if (tone == tone_class::level) return level_groups_;
  if (tone == tone_class::oblique) return oblique_groups_;
  return 0;
}

tone_class prosody_tables::tone_of(char32_t cp) const {
  auto it = tones_.find(cp);
  return it == tones_.end() ? tone_class::unknown : it->second;
}

uint64_t prosody_tables::rhyme_groups_of(char32_t cp) const {
  auto it = rhymes_.find(cp);
  return it == rhymes_.end() ? 0 : it->second;
}

std::string prosody_tables::rhyme_group_name(int g) const {
  if (g >= 0 && static_cast<size_t>(g) < group_names_.size() && !group_names_[g].empty()) {
    return group_names_[g];
  }
  return std::to_string(g);
}

namespace {
result<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(status_code::io_error, "cannot open ", path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

result<prosody_tables> load_prosody_tables(const std::string& tones_path,
                                           const std::string& rhyme_path) {
  INK_ASSIGN_OR_RETURN(std::string tones, read_text_file(tones_path));
  INK_ASSIGN_OR_RETURN(std::string rhymes, read_text_file(rhyme_path));
  auto t = prosody_tables::parse(tones, rhymes);
  if (!t.ok()) return std::move(t).error().with_context("load prosody tables");
  return t;
}

}  // namespace inkstone
