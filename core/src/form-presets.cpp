// Form presets: 五言/七言 絕句/律詩 with their 平起/仄起 tone templates (form.h).
#include <string>

#include "inkstone/form.h"

namespace inkstone {

namespace {

// The four basic line types (王力), 中 = either. Index: A, B, C, D.
//   A: 仄收, second char 仄 (5) / 平 (7)     B: 平收 (rhymes), second char 平 (5) / 仄 (7)
//   C: 仄收, second char 平 (5) / 仄 (7)     D: 平收 (rhymes), second char 仄 (5) / 平 (7)
const char* const kTemplates5[4] = {"中仄平平仄", "平平中仄平", "中平平仄仄", "中仄仄平平"};
const char* const kTemplates7[4] = {"中平中仄平平仄", "中仄平平中仄平", "中仄中平平仄仄",
                                    "中平中仄仄平平"};
enum line_type { kA = 0, kB = 1, kC = 2, kD = 3 };

bool ends_level(int type) { return type == kB || type == kD; }

std::vector<tone_req> parse_template(std::u32string_view t) {
  std::vector<tone_req> out;
  for (char32_t c : t) {
    out.push_back(c == U'平' ? tone_req::level : c == U'仄' ? tone_req::oblique : tone_req::any);
  }
  return out;
}

struct preset_kind {
  const char* name;
  const char* aliases[4];
  int n_chars;
  int n_lines;
};
const preset_kind kPresets[] = {
    {"五言絕句", {"五言绝句", "五绝", "五絕", "wujue"}, 5, 4},
    {"七言絕句", {"七言绝句", "七绝", "七絕", "qijue"}, 7, 4},
    {"五言律詩", {"五言律诗", "五律", "wulv", "wulu"}, 5, 8},
    {"七言律詩", {"七言律诗", "七律", "qilv", "qilu"}, 7, 8},
};

}  // namespace

std::vector<std::string> preset_names() {
  std::vector<std::string> out;
  for (const preset_kind& p : kPresets) out.push_back(p.name);
  return out;
}

result<form_spec> make_preset(std::string_view kind, const preset_options& options) {
  const preset_kind* preset = nullptr;
  for (const preset_kind& p : kPresets) {
    if (kind == p.name) preset = &p;
    for (const char* a : p.aliases) {
      if (kind == a) preset = &p;
    }
  }
  if (preset == nullptr) {
    return make_error(status_code::invalid_argument, "unknown form \"", kind,
                      "\" (expected 五言絕句, 七言絕句, 五言律詩 or 七言律詩)");
  }
  const int n = preset->n_chars;
  const char* const* templates = n == 5 ? kTemplates5 : kTemplates7;
  std::string start = options.start;
  if (start.empty()) start = n == 5 ? "仄起" : "平起";
  if (start != "平起" && start != "仄起") {
    return make_error(status_code::invalid_argument, "start must be 平起 or 仄起, not \"", start,
                      "\"");
  }
  const bool first_rhymes = options.first_line_rhymes < 0 ? n == 7 : options.first_line_rhymes != 0;
  if (options.heads.size() > static_cast<size_t>(preset->n_lines)) {
    return make_error(status_code::invalid_argument, "heads: ", options.heads.size(),
                      " characters for a form of ", preset->n_lines, " lines");
  }

  // First line: the type whose second character has the asked tone and whose ending matches
  // first_rhymes.
  const char32_t want_second = start == "平起" ? U'平' : U'仄';
  int type = -1;
  for (int t = 0; t < 4; t++) {
    std::u32string tpl = decode_code_points(templates[t]);
    if (tpl[1] == want_second && ends_level(t) == first_rhymes) type = t;
  }
  assert(type >= 0);

  form_spec form;
  form.name = std::string(preset->name) + " " + start + (first_rhymes ? " 首句入韵" : "");
  form.enforce_tones = options.enforce_tones;
  form.enforce_rhyme = options.enforce_rhyme;
  for (int l = 0; l < preset->n_lines; l++) {
    if (l > 0) {
      // Second character tone of the previous line, read from its template.
      const char32_t prev_second = decode_code_points(templates[type])[1];
      int next = -1;
      for (int t = 0; t < 4; t++) {
        const char32_t second = decode_code_points(templates[t])[1];
        if (l % 2 == 1 && ends_level(t) && second != prev_second) next = t;   // 對
        if (l % 2 == 0 && !ends_level(t) && second == prev_second) next = t;  // 黏
      }
      assert(next >= 0);
      type = next;
    }
    form_line line;
    line.n_chars = n;
    line.tones = parse_template(decode_code_points(templates[type]));
    line.rhyme = l % 2 == 1 || (l == 0 && first_rhymes);
    line.punct = l % 2 == 0 ? "，" : "。";
    if (static_cast<size_t>(l) < options.heads.size()) line.head = options.heads[l];
    form.lines.push_back(std::move(line));
  }
  return form;
}

}  // namespace inkstone
