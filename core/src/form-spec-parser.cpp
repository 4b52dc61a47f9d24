// The form spec: a small JSON parser of our own (objects, arrays, strings with escapes, numbers,
// true/false/null; depth-limited) and the mapping from a spec object to a form_spec.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "inkstone/cipai.h"
#include "inkstone/form.h"

namespace inkstone {

namespace {

// ------------------------------------------------------------------ JSON values
struct json_value {
  enum kind_t { kNull, kBool, kNumber, kString, kArray, kObject } kind = kNull;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<json_value> array;
  std::vector<std::pair<std::string, json_value>> object;

  const json_value* find(std::string_view key) const {
    for (const auto& [k, v] : object) {
      if (k == key) return &v;
    }
    return nullptr;
  }
};

constexpr int kMaxDepth = 16;

class json_parser {
 public:
  explicit json_parser(std::string_view text) : text_(text) {}

  result<json_value> parse_document() {
    json_value v;
    INK_TRY(parse_value(v, 0));
    skip_space();
    if (pos_ != text_.size()) return error("unexpected text after the value");
    return v;
  }

 private:
  status error(std::string_view what) const {
    return make_error(status_code::invalid_argument, "form spec: ", what, " at offset ", pos_);
  }

  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      pos_++;
    }
  }

  bool consume(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  status parse_value(json_value& out, int depth) {
    if (depth > kMaxDepth) return error("nesting too deep");
    skip_space();
    if (pos_ >= text_.size()) return error("unexpected end");
    const char c = text_[pos_];
    if (c == '{') return parse_object(out, depth);
    if (c == '[') return parse_array(out, depth);
    if (c == '"') {
      out.kind = json_value::kString;
      return parse_string(out.string);
    }
    if (consume("true")) {
      out.kind = json_value::kBool;
      out.boolean = true;
      return status::success();
    }
    if (consume("false")) {
      out.kind = json_value::kBool;
      return status::success();
    }
    if (consume("null")) return status::success();
    if (c == '-' || (c >= '0' && c <= '9')) return parse_number(out);
    return error("unexpected character");
  }

  status parse_number(json_value& out) {
    size_t start = pos_;
    if (text_[pos_] == '-') pos_++;
    while (pos_ < text_.size() &&
           ((text_[pos_] >= '0' && text_[pos_] <= '9') || text_[pos_] == '.' ||
            text_[pos_] == 'e' || text_[pos_] == 'E' || text_[pos_] == '+' || text_[pos_] == '-')) {
      pos_++;
    }
    std::string num(text_.substr(start, pos_ - start));
    char* end = nullptr;
    out.number = std::strtod(num.c_str(), &end);
    if (end != num.c_str() + num.size() || !std::isfinite(out.number)) {
      pos_ = start;
      return error("bad number");
    }
    out.kind = json_value::kNumber;
    return status::success();
  }

  status parse_hex4(uint32_t& out) {
    if (pos_ + 4 > text_.size()) return error("bad \\u escape");
    out = 0;
    for (int k = 0; k < 4; k++) {
      const char h = text_[pos_++];
      int d = h >= '0' && h <= '9'   ? h - '0'
              : h >= 'a' && h <= 'f' ? h - 'a' + 10
              : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                     : -1;
      if (d < 0) return error("bad \\u escape");
      out = out * 16 + d;
    }
    return status::success();
  }

  status parse_string(std::string& out) {
    pos_++;  // opening quote
    while (true) {
      if (pos_ >= text_.size()) return error("unterminated string");
      const char c = text_[pos_++];
      if (c == '"') return status::success();
      if (static_cast<uint8_t>(c) < 0x20) return error("control character in string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= text_.size()) return error("unterminated string");
      const char e = text_[pos_++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          uint32_t cp = 0;
          INK_TRY(parse_hex4(cp));
          if (cp >= 0xD800 && cp <= 0xDBFF && consume("\\u")) {
            uint32_t lo = 0;
            INK_TRY(parse_hex4(lo));
            if (lo < 0xDC00 || lo > 0xDFFF) return error("bad surrogate pair");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xD800 && cp <= 0xDFFF) {
            return error("lone surrogate");
          }
          append_code_point(out, cp);
          break;
        }
        default:
          return error("bad escape");
      }
    }
  }

  status parse_array(json_value& out, int depth) {
    out.kind = json_value::kArray;
    pos_++;
    skip_space();
    if (consume("]")) return status::success();
    while (true) {
      json_value v;
      INK_TRY(parse_value(v, depth + 1));
      out.array.push_back(std::move(v));
      skip_space();
      if (consume(",")) continue;
      if (consume("]")) return status::success();
      return error("expected , or ]");
    }
  }

  status parse_object(json_value& out, int depth) {
    out.kind = json_value::kObject;
    pos_++;
    skip_space();
    if (consume("}")) return status::success();
    while (true) {
      skip_space();
      if (pos_ >= text_.size() || text_[pos_] != '"') return error("expected a key");
      std::string key;
      INK_TRY(parse_string(key));
      skip_space();
      if (!consume(":")) return error("expected :");
      json_value v;
      INK_TRY(parse_value(v, depth + 1));
      out.object.emplace_back(std::move(key), std::move(v));
      skip_space();
      if (consume(",")) continue;
      if (consume("}")) return status::success();
      return error("expected , or }");
    }
  }

  std::string_view text_;
  size_t pos_ = 0;
};

// ------------------------------------------------------------------ typed getters
status key_error(std::string_view key, std::string_view what) {
  return make_error(status_code::invalid_argument, "form spec: \"", key, "\": ", what);
}

// The full name of `key` inside the object at `path` ("" for the top level): "lines[2].chars".
std::string key_path(std::string_view path, std::string_view key) {
  return path.empty() ? std::string(key) : std::string(path) + "." + std::string(key);
}

status get_bool(const json_value& obj, std::string_view key, bool& out,
                std::string_view path = {}) {
  const json_value* v = obj.find(key);
  if (v == nullptr || v->kind == json_value::kNull) return status::success();
  if (v->kind != json_value::kBool) return key_error(key_path(path, key), "expected true or false");
  out = v->boolean;
  return status::success();
}

status get_string(const json_value& obj, std::string_view key, std::string& out,
                  std::string_view path = {}) {
  const json_value* v = obj.find(key);
  if (v == nullptr || v->kind == json_value::kNull) return status::success();
  if (v->kind != json_value::kString) return key_error(key_path(path, key), "expected a string");
  out = v->string;
  return status::success();
}

status get_int(const json_value& obj, std::string_view key, int lo, int hi, int& out,
               std::string_view path = {}) {
  const json_value* v = obj.find(key);
  if (v == nullptr || v->kind == json_value::kNull) return status::success();
  if (v->kind != json_value::kNumber || v->number != std::floor(v->number) || v->number < lo ||
      v->number > hi) {
    return key_error(key_path(path, key),
                     "expected an integer in " + std::to_string(lo) + ".." + std::to_string(hi));
  }
  out = static_cast<int>(v->number);
  return status::success();
}

// Tone template text: 平/P/p, 仄/Z/z, anything else in 中 * - . ? 0 = either.
status parse_tones(std::string_view text, std::string_view key, std::vector<tone_req>& out) {
  for (char32_t c : decode_code_points(text)) {
    if (c == U'平' || c == U'P' || c == U'p') {
      out.push_back(tone_req::level);
    } else if (c == U'仄' || c == U'Z' || c == U'z') {
      out.push_back(tone_req::oblique);
    } else if (c == U'中' || c == U'*' || c == U'-' || c == U'.' || c == U'?' || c == U'0') {
      out.push_back(tone_req::any);
    } else {
      return key_error(key, "tone template characters are 平/仄/中 or P/Z/*");
    }
  }
  return status::success();
}

// lines[i].rhyme: false / true (the one rhyme of the form) or a slot name ("a": 詞 that change
// rhyme). A form names slots in every rhyming line or in none.
status get_rhyme(const json_value& lv, const std::string& key, form_line& line,
                 std::vector<std::string>& slot_names, bool& saw_bool) {
  const json_value* v = lv.find("rhyme");
  if (v == nullptr || v->kind == json_value::kNull) return status::success();
  if (v->kind == json_value::kBool) {
    line.rhyme = v->boolean;
    saw_bool = saw_bool || line.rhyme;
    if (line.rhyme && !slot_names.empty()) {
      return key_error(key + ".rhyme", "name a rhyme slot in every rhyming line or in none");
    }
    line.rhyme_slot = 0;
    return status::success();
  }
  if (v->kind != json_value::kString || v->string.empty() || v->string.size() > 16) {
    return key_error(key + ".rhyme", "expected a bool or a rhyme slot name");
  }
  if (saw_bool) {
    return key_error(key + ".rhyme", "name a rhyme slot in every rhyming line or in none");
  }
  auto it = std::find(slot_names.begin(), slot_names.end(), v->string);
  if (it == slot_names.end()) {
    if (slot_names.size() >= static_cast<size_t>(kMaxRhymeSlots)) {
      return key_error(key + ".rhyme", "too many rhyme slots");
    }
    slot_names.push_back(v->string);
    it = slot_names.end() - 1;
  }
  line.rhyme = true;
  line.rhyme_slot = static_cast<uint8_t>(it - slot_names.begin());
  return status::success();
}

// "rhyme_group" and "rhyme_with" of an object (the spec, or one slot) -> allowed groups.
status get_slot_group(const json_value& obj, const std::string& prefix,
                      const prosody_tables& tables, uint64_t& mask) {
  int group = 0;
  INK_TRY(get_int(obj, "rhyme_group", 0, kMaxRhymeGroups, group, prefix));
  if (group > 0) mask = uint64_t{1} << group;
  std::string rhyme_with;
  INK_TRY(get_string(obj, "rhyme_with", rhyme_with, prefix));
  if (rhyme_with.empty()) return status::success();
  const std::string key = prefix.empty() ? "rhyme_with" : prefix + ".rhyme_with";
  std::u32string cps = decode_code_points(rhyme_with);
  const uint64_t groups = cps.size() == 1 ? tables.rhyme_groups_of(cps[0]) : 0;
  if (groups == 0) return key_error(key, "expected one character with a known rhyme");
  mask = mask != 0 ? (mask & groups) : groups;
  if (mask == 0) return key_error(key, "contradicts rhyme_group");
  return status::success();
}

// "slots": {"a": {"tone": "仄", "rhyme_group": 33, "rhyme_with": "雨"}, ...}: each slot's group
// and the tone of its rhyme characters (written into the last position of its lines).
status apply_slots(const json_value& root, const std::vector<std::string>& slot_names,
                   const prosody_tables& tables, form_spec& form) {
  const json_value* slots = root.find("slots");
  if (slots == nullptr || slots->kind == json_value::kNull) return status::success();
  if (slots->kind != json_value::kObject) return key_error("slots", "expected an object");
  if (form.slot_masks.size() + 1 < slot_names.size())
    form.slot_masks.resize(slot_names.size() - 1, 0);
  for (const auto& [name, sv] : slots->object) {
    const std::string key = "slots." + name;
    auto it = std::find(slot_names.begin(), slot_names.end(), name);
    if (it == slot_names.end()) return key_error(key, "no line rhymes in this slot");
    if (sv.kind != json_value::kObject) return key_error(key, "expected an object");
    const size_t slot = static_cast<size_t>(it - slot_names.begin());
    uint64_t& mask = slot == 0 ? form.rhyme_mask : form.slot_masks[slot - 1];
    INK_TRY(get_slot_group(sv, key, tables, mask));
    std::string tone_text;
    INK_TRY(get_string(sv, "tone", tone_text, key));
    std::vector<tone_req> tone;
    INK_TRY(parse_tones(tone_text, key + ".tone", tone));
    if (tone.size() > 1) return key_error(key + ".tone", "expected one of 平 仄 中");
    if (tone.empty()) continue;
    INK_TRY_CTX(set_rhyme_slot_tone(form, static_cast<int>(slot), tone[0], tables),
                "form spec: \"" + key + "\"");
  }
  return status::success();
}

result<form_spec> spec_from_object(const json_value& root, const prosody_tables& tables,
                                   const cipai_table* cipai) {
  if (root.kind != json_value::kObject) {
    return make_error(status_code::invalid_argument, "form spec: expected an object");
  }
  static const char* const kKnown[] = {"form",       "start", "first_line_rhymes",
                                       "tones",      "rhyme", "rhyme_group",
                                       "rhyme_with", "heads", "no_repeat",
                                       "banned",     "title", "free_after",
                                       "newline",    "lines", "name",
                                       "slots",      "cipai", "variant"};
  for (const auto& [k, v] : root.object) {
    bool known = false;
    for (const char* n : kKnown) known = known || k == n;
    if (!known) return key_error(k, "unknown key");
  }

  bool tones = true, rhyme = true;
  INK_TRY(get_bool(root, "tones", tones));
  INK_TRY(get_bool(root, "rhyme", rhyme));
  std::string heads;
  INK_TRY(get_string(root, "heads", heads));

  form_spec form;
  std::vector<std::string> slot_names;  // rhyme slot names of the lines, in order of appearance
  bool saw_bool = false;                // a line has "rhyme": true
  const json_value* lines = root.find("lines");
  std::string kind;
  INK_TRY(get_string(root, "form", kind));
  std::string cipai_name;
  INK_TRY(get_string(root, "cipai", cipai_name));
  if ((lines != nullptr) + !kind.empty() + !cipai_name.empty() > 1) {
    return make_error(status_code::invalid_argument,
                      "form spec: give one of \"form\", \"lines\" and \"cipai\"");
  }
  if (!cipai_name.empty()) {
    int variant = 0;
    INK_TRY(get_int(root, "variant", 0, 15, variant));
    if (cipai == nullptr) return key_error("cipai", "no 詞牌 table is loaded");
    const cipai_pattern* pattern = cipai->find(cipai_name, variant);
    if (pattern == nullptr) {
      return key_error(variant == 0 ? "cipai" : "variant",
                       cipai->find(cipai_name) == nullptr
                           ? "no 詞牌 named " + cipai_name + " in the table"
                           : cipai_name + " has no variant " + std::to_string(variant));
    }
    cipai_form_options opt;
    opt.enforce_tones = tones;
    opt.enforce_rhyme = rhyme;
    opt.heads = decode_code_points(heads);
    auto made = make_cipai_form(*pattern, opt, tables);
    if (!made.ok()) return std::move(made).error().with_context("form spec");
    form = std::move(made).value();
    for (int slot = 0; slot < form.n_rhyme_slots(); slot++) {
      slot_names.push_back(std::string(1, static_cast<char>('a' + slot)));
    }
  } else if (root.find("variant") != nullptr) {
    return key_error("variant", "only with \"cipai\"");
  } else if (!kind.empty()) {
    preset_options opt;
    INK_TRY(get_string(root, "start", opt.start));
    const json_value* flr = root.find("first_line_rhymes");
    if (flr != nullptr && flr->kind != json_value::kNull) {
      bool b = false;
      INK_TRY(get_bool(root, "first_line_rhymes", b));
      opt.first_line_rhymes = b ? 1 : 0;
    }
    opt.enforce_tones = tones;
    opt.enforce_rhyme = rhyme;
    opt.heads = decode_code_points(heads);
    auto preset = make_preset(kind, opt);
    if (!preset.ok()) return std::move(preset).error().with_context("form spec");
    form = std::move(preset).value();
  } else if (lines != nullptr) {
    if (lines->kind != json_value::kArray || lines->array.empty() || lines->array.size() > 64) {
      return key_error("lines", "expected an array of 1..64 line objects");
    }
    form.name = "custom";
    form.enforce_tones = tones;
    form.enforce_rhyme = rhyme;
    std::u32string head_cps = decode_code_points(heads);
    if (head_cps.size() > lines->array.size()) {
      return key_error("heads", "more characters than lines");
    }
    for (size_t i = 0; i < lines->array.size(); i++) {
      const json_value& lv = lines->array[i];
      const std::string key = "lines[" + std::to_string(i) + "]";
      if (lv.kind != json_value::kObject) return key_error(key, "expected an object");
      form_line line;
      line.punct = i % 2 == 0 ? "，" : "。";
      INK_TRY(get_int(lv, "chars", 1, 64, line.n_chars, key));
      INK_TRY(get_rhyme(lv, key, line, slot_names, saw_bool));
      INK_TRY(get_string(lv, "punct", line.punct, key));
      std::string tone_text, head;
      INK_TRY(get_string(lv, "tones", tone_text, key));
      INK_TRY(get_string(lv, "head", head, key));
      INK_TRY(parse_tones(tone_text, key + ".tones", line.tones));
      if (!line.tones.empty() && line.tones.size() != static_cast<size_t>(line.n_chars)) {
        return key_error(key + ".tones", "length differs from chars");
      }
      std::u32string hc = decode_code_points(head);
      if (hc.size() > 1 || (hc.size() == 1 && !is_han(hc[0]))) {
        return key_error(key + ".head", "expected one Han character");
      }
      if (!hc.empty()) line.head = hc[0];
      if (i < head_cps.size()) line.head = head_cps[i];
      form.lines.push_back(std::move(line));
    }
  } else {
    return make_error(status_code::invalid_argument,
                      "form spec: needs \"form\" (a preset) or \"lines\"");
  }
  for (const form_line& l : form.lines) {
    if (l.head != 0 && !is_han(l.head)) return key_error("heads", "expected Han characters");
  }

  INK_TRY(get_string(root, "name", form.name));
  INK_TRY(get_bool(root, "no_repeat", form.no_repeat));
  std::string banned;
  INK_TRY(get_string(root, "banned", banned));
  form.banned = decode_code_points(banned);

  INK_TRY(get_slot_group(root, "", tables, form.rhyme_mask));
  INK_TRY(apply_slots(root, slot_names, tables, form));

  std::string title;
  INK_TRY(get_string(root, "title", title));
  if (title == "free") {
    form.free_before_end = "\n";
  } else if (!title.empty() && title != "given") {
    return key_error("title", "expected \"free\" or \"given\"");
  }
  INK_TRY(get_bool(root, "free_after", form.free_after));

  std::string newline = "none";
  INK_TRY(get_string(root, "newline", newline));
  if (newline != "none" && newline != "couplet" && newline != "line") {
    return key_error("newline", "expected \"none\", \"couplet\" or \"line\"");
  }
  for (size_t i = 0; i < form.lines.size(); i++) {
    if (newline == "line" || (newline == "couplet" && i % 2 == 1)) form.lines[i].punct += "\n";
  }
  return form;
}

}  // namespace

result<form_spec> parse_form_spec(std::string_view json, const prosody_tables& tables,
                                  const cipai_table* cipai) {
  INK_ASSIGN_OR_RETURN(json_value root, json_parser(json).parse_document());
  return spec_from_object(root, tables, cipai);
}

}  // namespace inkstone
