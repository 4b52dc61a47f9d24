// inkstone analyse: tones, rhymes and faults of any poem text, as the site's analyser reports
// them (analyse_poem; the JSON is the wasm analysePoem's), and a 詞 read against its 詞牌.
//
//   inkstone analyse [TEXT ...] [--json] [--form 詞牌] [--rhyme-book B] [--each-line]
//
// The text comes from the arguments (joined by newlines) or, without any, from stdin. A text
// that is not regulated verse (4 or 8 lines of 5 or 7) is read as the 詞牌 whose structure it
// has (analyse_poem with the 詞牌 table), or as the one --form names.
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "cli-common.h"
#include "inkstone/cipai.h"
#include "inkstone/prosody.h"
#include "inkstone/utf8.h"
#include "poem-plan.h"

using namespace inkstone;
using namespace inkstone::cli;

namespace {

constexpr const char* kCmd = "analyse";

void analyse_usage(FILE* out) {
  std::fputs(
      "usage: inkstone analyse [TEXT ...] [options]\n"
      "Tones (平仄), rhymes and faults of a poem: 失黏 失對 孤平 三平尾 出韵 仄韵 for regulated\n"
      "verse (4 or 8 lines of 5 or 7 characters), 失律 and 出韵 for a 詞 against its 詞牌.\n"
      "TEXT: the poem (several arguments are joined by newlines); without TEXT, stdin.\n"
      "  --json            the analysis as JSON (the fields of the wasm analysePoem: form,\n"
      "                    rhyme_groups, rhyme_group_names, lines, faults; for a 詞 also cipai)\n"
      "  --each-line       every line of the input is one poem (one result per poem; with\n"
      "                    --json one object a line)\n"
      "  --form NAME       read the text as this 詞牌 (Simplified name; default: the 詞牌 whose\n"
      "                    line lengths the text has, when it is not regulated verse)\n"
      "  --variant N       the 詞牌's 又一體 (with --form; default 0)\n"
      "  --rhyme-book B    xinyun 中华新韵 (default) | classical 平水韵 | ci 詞韻 (default for a\n"
      "                    詞) | a rhyme-*.tsv file\n"
      "  --prosody DIR     the tables' directory (default: $INK_PROSODY_DIR, else\n"
      "                    assets/prosody of the build's source tree)\n"
      "Exit codes (docs/status-codes.md): 0 ok, 2 bad option or no text, 3 a file cannot be\n"
      "read, 1 other.\n",
      out);
}

const char* tone_mark(tone_class t) {
  switch (t) {
    case tone_class::level:
      return "平";
    case tone_class::oblique:
      return "仄";
    case tone_class::both:
      return "中";
    case tone_class::unknown:
      return "？";
  }
  return "？";
}

std::string group_names(uint64_t groups, const prosody_tables& tables) {
  std::string out;
  for (int g = 1; g <= kMaxRhymeGroups; g++) {
    if (!((groups >> g) & 1)) continue;
    if (!out.empty()) out += "/";
    out += tables.rhyme_group_name(g);
  }
  return out.empty() ? "?" : out;
}

std::string analysis_text(const poem_analysis& a, const prosody_tables& tables) {
  std::string o;
  if (!a.cipai.empty()) {
    o += "詞 " + a.cipai;
    if (a.cipai_variant > 0) o += " (又一體 " + std::to_string(a.cipai_variant) + ")";
    if (!a.cipai_others.empty()) {
      o += " (the structure of";
      for (const std::string& other : a.cipai_others) o += " " + other;
      o += " too)";
    }
  } else {
    o += a.form.empty() ? "not regulated verse" : a.form;
  }
  if (a.rhyme_groups != 0) o += " · rhyme " + group_names(a.rhyme_groups, tables);
  o += " (" + tables.rhyme_book() + ")\n";
  for (size_t l = 0; l < a.lines.size(); l++) {
    std::string chars, tones, rhyme;
    for (const char_analysis& c : a.lines[l]) {
      append_code_point(chars, c.ch);
      tones += tone_mark(c.tone);
      if (c.rhyme_position) {
        std::string ch;
        append_code_point(ch, c.ch);
        rhyme = "  韵 " + ch + " " + group_names(c.rhyme_groups, tables);
        if (c.rhyme_slot >= 0)
          rhyme += " (" + std::string(1, static_cast<char>('a' + c.rhyme_slot)) + ")";
      }
    }
    char num[16];
    std::snprintf(num, sizeof num, "%3zu  ", l + 1);
    o += num + chars + "  " + tones + rhyme + "\n";
  }
  if (a.faults.empty()) return o + "faults: none\n";
  o += "faults:\n";
  for (const prosody_fault& f : a.faults) o += "  [" + f.name + "] " + f.message + "\n";
  return o;
}

}  // namespace

int cmd_analyse(int argc, char** argv) {
  bool json = false, each_line = false;
  std::string form, book, prosody_dir, text;
  int variant = 0;
  bool have_text = false;
  for (int i = 1; i < argc; ++i) {
    const std::string opt = argv[i];
    if (opt == "-h" || opt == "--help") {
      analyse_usage(stdout);
      return kExitOk;
    }
    if (opt == "--json") {
      json = true;
      continue;
    }
    if (opt == "--each-line") {
      each_line = true;
      continue;
    }
    if (opt.empty() || opt[0] != '-') {
      if (have_text) text += "\n";
      text += opt;
      have_text = true;
      continue;
    }
    if (opt != "--form" && opt != "--variant" && opt != "--rhyme-book" && opt != "--prosody") {
      return usage_error(kCmd, "unknown option '" + opt + "'");
    }
    if (i + 1 >= argc) return usage_error(kCmd, opt + " needs a value");
    const char* v = argv[++i];
    if (opt == "--form") form = v;
    if (opt == "--rhyme-book") book = v;
    if (opt == "--prosody") prosody_dir = v;
    if (opt == "--variant") {
      auto r = parse_int(opt, v, 0, 15);
      if (!r.ok()) return usage_error(kCmd, r.error().message);
      variant = static_cast<int>(r.value());
    }
  }
  if (variant != 0 && form.empty()) return usage_error(kCmd, "--variant: only with --form");
  if (!have_text) text = read_stdin();

  std::vector<std::string> poems;
  if (each_line) {
    size_t at = 0;
    while (at <= text.size()) {
      size_t end = text.find('\n', at);
      if (end == std::string::npos) end = text.size();
      std::string line = text.substr(at, end - at);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") != std::string::npos) poems.push_back(line);
      at = end + 1;
    }
  } else if (text.find_first_not_of(" \t\r\n") != std::string::npos) {
    poems.push_back(text);
  }
  if (poems.empty()) return usage_error(kCmd, "no text to analyse (give TEXT or pipe it in)");

  auto dir = find_prosody_dir(prosody_dir);
  if (!dir.ok()) return fail(kCmd, dir.error());
  auto cipai_text = read_file_text(dir.value() + "/cipai.tsv");
  if (!cipai_text.ok()) return fail(kCmd, cipai_text.error());
  auto cipai = cipai_table::parse(cipai_text.value());
  if (!cipai.ok()) return fail(kCmd, cipai.error().with_context("cipai.tsv"));
  const cipai_pattern* forced = nullptr;
  if (!form.empty()) {
    forced = cipai.value().find(form, variant);
    if (forced == nullptr) {
      return usage_error(kCmd,
                         cipai.value().find(form) != nullptr
                             ? "--variant: " + form + " has no variant " + std::to_string(variant)
                             : "--form: no 詞牌 named '" + form +
                                   "' (Simplified names; inkstone poem --list-forms)");
    }
  }

  // Tables by rhyme book, loaded when first needed.
  std::map<std::string, prosody_tables> loaded;
  auto tables_for = [&](const std::string& id) -> result<const prosody_tables*> {
    auto it = loaded.find(id);
    if (it != loaded.end()) return &it->second;
    INK_ASSIGN_OR_RETURN(std::string path, rhyme_book_path(dir.value(), id));
    INK_ASSIGN_OR_RETURN(prosody_tables t, load_prosody_tables(dir.value() + "/tones.tsv", path));
    return &loaded.emplace(id, std::move(t)).first->second;
  };

  for (const std::string& poem : poems) {
    auto plain = tables_for(book.empty() ? "xinyun" : book);
    if (!plain.ok()) {
      return plain.code() == status_code::invalid_argument
                 ? usage_error(kCmd, plain.error().message)
                 : fail(kCmd, plain.error().with_context("prosody tables"));
    }
    const prosody_tables* tables = plain.value();
    poem_analysis a = analyse_for(poem, *tables, cipai.value(), forced);
    if (!a.cipai.empty() && book.empty()) {
      // A 詞 rhymes by the 詞 book unless another is asked for.
      auto ci = tables_for("ci");
      if (!ci.ok()) return fail(kCmd, ci.error().with_context("prosody tables"));
      tables = ci.value();
      a = analyse_for(poem, *tables, cipai.value(), forced);
    }
    const std::string out =
        json ? a.to_json(*tables) + "\n" : analysis_text(a, *tables) + (each_line ? "\n" : "");
    std::fwrite(out.data(), 1, out.size(), stdout);
  }
  return kExitOk;
}
