// poem-plan.h: the site's form choices as a prompt and a constraint spec, and the analysis of a
// finished poem.
#include "poem-plan.h"

#include <algorithm>
#include <string_view>

#include "cli-common.h"
#include "inkstone/utf8.h"

namespace inkstone::cli {

namespace {

// site/app/forms.js PRESETS, with the spellings a user may type.
struct preset_info {
  const char* name;  // the constraint preset (form.h)
  const char* tag;   // the model's form tag
  int n_lines;
  int n_chars;
  std::vector<std::string_view> aliases;
};

const std::vector<preset_info>& presets() {
  static const std::vector<preset_info> p = {
      {"五言絕句", "<五绝>", 4, 5, {"五言绝句", "五绝", "五絕", "wuyan-jueju", "wujue"}},
      {"七言絕句", "<七绝>", 4, 7, {"七言绝句", "七绝", "七絕", "qiyan-jueju", "qijue"}},
      {"五言律詩", "<五律>", 8, 5, {"五言律诗", "五律", "wuyan-lushi", "wulv", "wulu"}},
      {"七言律詩", "<七律>", 8, 7, {"七言律诗", "七律", "qiyan-lushi", "qilv", "qilu"}},
  };
  return p;
}

const preset_info* find_preset(std::string_view name) {
  for (const preset_info& p : presets()) {
    if (name == p.name) return &p;
    for (std::string_view a : p.aliases) {
      if (name == a) return &p;
    }
  }
  return nullptr;
}

const preset_info* preset_of_shape(int n_lines, int n_chars) {
  for (const preset_info& p : presets()) {
    if (p.n_lines == n_lines && p.n_chars == n_chars) return &p;
  }
  return nullptr;
}

constexpr const char* kFreeTag = "<其他>";
constexpr const char* kCiTag = "<词>";
constexpr int kMaxAcrostic = 12;     // site/app/forms.js MAX_ACROSTIC
constexpr int kFreeMaxTokens = 160;  // site/app/forms.js FREE_MAX_TOKENS

bool is_cangtou(std::string_view f) {
  return f == "cangtou" || f == "藏頭" || f == "藏头" || f == "cangtou-5" || f == "cangtou-7";
}
bool is_free(std::string_view f) { return f == "free" || f == "其他"; }

status bad(std::string_view option, const std::string& message) {
  return make_error(status_code::invalid_argument, option, ": ", message);
}

std::string json_bool(bool b) { return b ? "true" : "false"; }

// {"form": .., "tones": .., "rhyme": .., "start"?, "heads"?} (site/app/forms.js planChoice).
std::string preset_spec(const preset_info& p, const poem_request& r, const std::u32string& heads) {
  std::string s = "{\"form\":" + json_string(p.name) + ",\"tones\":" + json_bool(r.tones) +
                  ",\"rhyme\":" + json_bool(r.rhyme);
  if (!r.start.empty()) s += ",\"start\":" + json_string(r.start);
  if (!heads.empty()) s += ",\"heads\":" + json_string(encode_code_points(heads));
  return s + "}";
}

}  // namespace

const char* poem_kind_name(poem_kind k) {
  switch (k) {
    case poem_kind::preset:
      return "preset";
    case poem_kind::cipai:
      return "cipai";
    case poem_kind::cangtou:
      return "cangtou";
    case poem_kind::free:
      return "free";
  }
  return "free";
}

result<poem_plan> plan_poem(const poem_request& r, const cipai_table& cipai, const tokenizer& vocab,
                            const prompt_manner& manner) {
  const std::u32string heads = decode_code_points(r.heads);
  for (char32_t c : heads) {
    if (!is_han(c)) {
      return bad("--heads", "'" + encode_code_points(std::u32string(1, c)) +
                                "' is not a Han character (藏頭 takes one character a line)");
    }
  }
  if (r.title.find('\n') != std::string::npos) return bad("--title", "a title has no newline");
  if (!r.start.empty() && r.start != "平起" && r.start != "仄起") {
    return bad("--start", "'" + r.start + "' is neither 平起 nor 仄起");
  }

  std::string form = r.form;
  if (form.empty()) form = heads.empty() ? "七言絕句" : "cangtou";
  poem_plan plan;
  plan.title = r.title;
  const preset_info* preset = find_preset(form);
  const cipai_pattern* pattern = preset == nullptr ? cipai.find(form, r.variant) : nullptr;
  if (r.variant != 0 && pattern == nullptr) {
    if (cipai.find(form) != nullptr) {
      return bad("--variant", form + " has no variant " + std::to_string(r.variant));
    }
    return bad("--variant", "only with a 詞牌 form");
  }

  if (preset != nullptr) {
    if (static_cast<int>(heads.size()) > preset->n_lines) {
      return bad("--heads", std::to_string(heads.size()) + " characters for the " +
                                std::to_string(preset->n_lines) + " lines of " + preset->name);
    }
    plan.kind = poem_kind::preset;
    plan.form = preset->name;
    plan.tag = preset->tag;
    plan.spec_json = preset_spec(*preset, r, heads);
    plan.max_tokens = preset->n_lines * (preset->n_chars + 1) + 2;
  } else if (pattern != nullptr) {
    if (!r.start.empty()) return bad("--start", "only for 絕句 and 律詩");
    if (!r.title.empty()) {
      return bad("--title", "a 詞 is prompted with its 詞牌 (<词>" + form +
                                "), the model's format has no other title");
    }
    if (heads.size() > pattern->lines.size()) {
      return bad("--heads", std::to_string(heads.size()) + " characters for the " +
                                std::to_string(pattern->lines.size()) + " lines of " + form);
    }
    plan.kind = poem_kind::cipai;
    plan.form = pattern->name;
    plan.variant = pattern->variant;
    plan.pattern = pattern;
    plan.title = pattern->name;
    plan.tag = kCiTag;
    if (manner.style == prompt_style::inkstone && vocab.find_piece(kCiTag) < 0) {
      // issue 15: with a model that lacks <词>, the structure is still forced by the constraints.
      plan.tag = kFreeTag;
      plan.note = "the model has no <词> token: prompting with <其他>" + pattern->name +
                  " (the constraints still force the 詞牌)";
    }
    std::string s = "{\"cipai\":" + json_string(pattern->name);
    if (pattern->variant != 0) s += ",\"variant\":" + std::to_string(pattern->variant);
    s += ",\"tones\":" + json_bool(r.tones) + ",\"rhyme\":" + json_bool(r.rhyme);
    if (!heads.empty()) s += ",\"heads\":" + json_string(r.heads);
    plan.spec_json = s + "}";
    plan.max_tokens = pattern->n_chars() + static_cast<int>(pattern->lines.size()) + 2;
  } else if (is_cangtou(form)) {
    const int n = static_cast<int>(heads.size());
    const int chars = form == "cangtou-5" ? 5 : form == "cangtou-7" ? 7 : r.line_length;
    if (n == 0) return bad("--heads", "藏頭 needs the characters that start the lines");
    if (n > kMaxAcrostic) {
      return bad("--heads", std::to_string(n) + " characters; 藏頭 takes at most " +
                                std::to_string(kMaxAcrostic));
    }
    plan.kind = poem_kind::cangtou;
    plan.form = "藏頭";
    plan.max_tokens = n * (chars + 1) + 2;
    if (const preset_info* p = (n == 4 || n == 8) ? preset_of_shape(n, chars) : nullptr) {
      // Four or eight hidden characters make a regulated quatrain or regulated verse.
      plan.tag = p->tag;
      plan.spec_json = preset_spec(*p, r, heads);
    } else {
      if (!r.start.empty()) return bad("--start", "藏頭 of 4 or 8 characters only");
      plan.tag = kFreeTag;
      std::string lines;
      for (int i = 0; i < n; i++) {
        if (i > 0) lines += ",";
        const bool rhymes = i % 2 == 1;
        lines += "{\"chars\":" + std::to_string(chars) +
                 ",\"head\":" + json_string(encode_code_points(std::u32string(1, heads[i]))) +
                 ",\"rhyme\":" + json_bool(rhymes) +
                 ",\"punct\":" + json_string(rhymes || i == n - 1 ? "。" : "，") + "}";
      }
      plan.spec_json =
          "{\"lines\":[" + lines + "],\"tones\":false,\"rhyme\":" + json_bool(r.rhyme) + "}";
    }
  } else if (is_free(form)) {
    if (!heads.empty()) return bad("--heads", "free verse has no 藏頭 (use --form cangtou)");
    if (!r.start.empty()) return bad("--start", "only for 絕句 and 律詩");
    plan.kind = poem_kind::free;
    plan.form = "free";
    plan.tag = kFreeTag;
    plan.max_tokens = kFreeMaxTokens;
  } else {
    return bad("--form", "unknown form '" + form +
                             "' (五言絕句 七言絕句 五言律詩 七言律詩, a 詞牌 by its Simplified "
                             "name such as 浣溪沙, cangtou or free; inkstone poem --list-forms)");
  }
  plan.style = manner.style;
  const poem_prompt prompt = make_poem_prompt(manner, plan.tag, plan.title);
  plan.prompt = prompt.text;
  plan.add_bos = prompt.add_bos;
  plan.parse_special = prompt.parse_special;
  if (plan.kind != poem_kind::cipai) {
    if (r.no_repeat && !plan.spec_json.empty()) {
      plan.spec_json.insert(plan.spec_json.size() - 1, ",\"no_repeat\":true");
    }
    // Guidance contrasts the title with 无题 (no subject); without a title there is nothing to
    // follow.
    if (r.guidance != 1.0f && !plan.title.empty()) {
      plan.guidance_prompt = make_poem_prompt(manner, plan.tag, kUntitled).text;
    }
  }
  return plan;
}

std::string list_forms(const cipai_table& cipai) {
  std::string out = "presets (form tag; other spellings):\n";
  for (const preset_info& p : presets()) {
    out += "  " + std::string(p.name) + "  " + p.tag + " " + std::to_string(p.n_lines) + "x" +
           std::to_string(p.n_chars) + ";";
    for (std::string_view a : p.aliases) out += " " + std::string(a);
    out += "\n";
  }
  out += "cangtou   藏頭: --heads (4 or 8: a 絕句 or 律詩 of --line-length; else couplets)\n";
  out += "free      unconstrained (<其他>)\n";
  out += "詞牌 (name, --variant, lines, characters, 詞 it was learned from):\n";
  for (const cipai_pattern& p : cipai.patterns()) {
    out += "  " + p.name + "  " + std::to_string(p.variant) + "  " +
           std::to_string(p.lines.size()) + "  " + std::to_string(p.n_chars()) + "  " +
           std::to_string(p.n_agreeing) + "/" + std::to_string(p.n_poems) + "\n";
  }
  return out;
}

// ------------------------------------------------------------------ analysis

poem_analysis analyse_for(std::string_view text, const prosody_tables& tables,
                          const cipai_table& cipai, const cipai_pattern* pattern) {
  if (pattern == nullptr) return analyse_poem(text, tables, &cipai);
  return analyse_poem_as(text, tables, *pattern, &cipai);
}

}  // namespace inkstone::cli
