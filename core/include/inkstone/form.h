// Poem forms: a form (data), presets for the regulated forms, and a small JSON-like spec parser.
// The constraint engine (constraint-engine.h) makes the sampler write a form.
//
// A form is a sequence of lines. Each line has a number of characters, a tone template (one of
// 平 / 仄 / 中 "either" per position), whether its last character rhymes (and which rhyme: a 詞
// may change rhyme), an optional acrostic head (藏頭), and the punctuation forced after it.
// Form-wide: whether tones and rhymes are enforced, the rhyme groups (fixed, or set by the first
// rhyming character generated), no repeated characters, banned characters, free text before the
// body (e.g. a generated title ending with "\n") and after it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "inkstone/prosody.h"
#include "inkstone/status.h"

namespace inkstone {

class cipai_table;  // cipai.h

enum class tone_req : uint8_t { any = 0, level = 1, oblique = 2 };  // bits match tone_class

struct form_line {
  int n_chars = 5;
  std::vector<tone_req> tones;  // n_chars entries (empty = all any)
  bool rhyme = false;           // the last character rhymes
  uint8_t rhyme_slot = 0;       // the rhyme it belongs to (a 詞 may change rhyme: 菩薩蠻 has 4)
  char32_t head = 0;            // acrostic character at column 0 (0 = none)
  std::string punct = "，";     // forced after the line (UTF-8, may be empty, may hold "\n")
};

struct form_spec {
  std::string name;  // e.g. "七言絕句 平起 首句入韵"
  std::vector<form_line> lines;
  bool enforce_tones = true;
  bool enforce_rhyme = true;
  uint64_t rhyme_mask = 0;  // allowed groups of rhyme slot 0; 0 = set by its first rhyming char
  std::vector<uint64_t> slot_masks;  // the same for slots 1, 2, ... (slot k: slot_masks[k - 1])
  bool no_repeat = false;
  std::u32string banned;
  // Free text before the body, ended by `free_before_end` (e.g. a title ending with "\n"); the
  // end is forced after free_before_max_bytes bytes. Off when free_before_end is empty.
  std::string free_before_end;
  int free_before_max_bytes = 64;
  // After the form: false = only EOS is allowed; true = anything (the caller stops).
  bool free_after = false;

  int n_body_chars() const;   // characters of all lines (punctuation excluded)
  int n_rhyme_slots() const;  // 1 + the largest rhyme_slot of a rhyming line (1 if none)
};

inline constexpr int kMaxRhymeSlots = 16;

// Rhyme slot `slot` rhymes on `tone` (平 or 仄; 中 changes nothing): the last tone of each of its
// lines, and the slot's groups narrowed to those the tables tag with that tone (when they tag
// any, as the 詞 book rhyme-ci.tsv does), so that a character read both ways (看, 寒 and 远)
// takes the reading the slot asks for. invalid_argument when a line's last tone or the slot's
// groups already say otherwise.
status set_rhyme_slot_tone(form_spec& form, int slot, tone_req tone, const prosody_tables& tables);

// Presets. kind: "五言絕句", "七言絕句", "五言律詩", "七言律詩" (simplified 绝句/律诗 and short
// names 五绝/七绝/五律/七律 are accepted). start: "平起" or "仄起" (by the tone of the second
// character of the first line). first_line_rhymes: 首句入韵 (the usual choice: no for 五言, yes
// for 七言). Templates (中 = either; 王力《诗词格律》, with 孤平 and 三平尾 excluded):
//   5: A 中仄平平仄  B 平平中仄平  C 中平平仄仄  D 中仄仄平平
//   7: A 中平中仄平平仄  B 中仄平平中仄平  C 中仄中平平仄仄  D 中平中仄仄平平
// The first line is A or C (or B or D when it rhymes); each next line follows 對 (second line of
// a couplet: opposite second-character tone, rhymes) and 黏 (first line of the next couplet: same
// second-character tone as the line before, does not rhyme). Punctuation: "，" after odd lines,
// "。" after even lines. Heads (藏頭) go to lines 0, 1, ... in order.
struct preset_options {
  std::string start = "";      // "平起" / "仄起"; "" = 仄起 for 五言, 平起 for 七言
  int first_line_rhymes = -1;  // -1 = the usual choice, 0 = no, 1 = yes
  bool enforce_tones = true;
  bool enforce_rhyme = true;
  std::u32string heads;  // 藏頭 characters (at most one per line)
};
result<form_spec> make_preset(std::string_view kind, const preset_options& options);
std::vector<std::string> preset_names();  // the four canonical names

// The spec is a JSON object (a small parser of our own: objects, arrays, strings with escapes,
// numbers, true/false/null). Keys (all optional except form or lines):
//   "form": "七言絕句" (a preset)        "start": "平起" | "仄起"     "first_line_rhymes": bool
//   "tones": bool (enforce, default true)  "rhyme": bool (enforce, default true)
//   "rhyme_group": int (a group id of the table) | "rhyme_with": "光" (that character's groups)
//   "heads": "春夏秋冬" (藏頭)   "no_repeat": bool   "banned": "的了"
//   "title": "free" (a free title ending with "\n" comes first) | "given" (default: none)
//   "free_after": bool          "newline": "none" | "couplet" | "line" (adds "\n" after the
//                                punctuation of each couplet / line; default none)
//   "lines": [{"chars": 5, "tones": "中仄平平仄", "rhyme": false, "punct": "，", "head": "春"}..]
//            (a custom form; tones may use 平/仄/中 or P/Z/*; default all 中)
//            "rhyme" is a bool (one rhyme for the whole form) or a slot name such as "a" (a form
//            that changes rhyme, like a 詞: each name is one rhyme; every rhyming line names one)
//   "slots": {"a": {"tone": "仄", "rhyme_group": 33, "rhyme_with": "雨"}, "b": {...}}
//            (optional, per slot name: the tone of its rhyme characters, written into the last
//            position of its lines' templates, and its group; all keys optional)
//   "rhyme_group" / "rhyme_with" at the top level apply to the first slot.
//   The lines and slots of assets/prosody/cipai.json are in this shape (its "agree" is ignored).
//   "cipai": "浣溪沙" (a 詞牌 of the table, by its Simplified name; instead of "form" or "lines")
//            "variant": 1 (one of its 又一體; default 0, the main structure). Its rhyme slots are
//            named "a", "b", ... in order, so "slots" and "rhyme_with" may set their groups;
//            "tones", "rhyme", "heads" and the keys after them apply as to a preset.
// Errors: invalid_argument with the key at fault ("form spec: \"lines[2].chars\": ...");
// "cipai" without a table, or with a name or variant the table lacks, is invalid_argument too.
result<form_spec> parse_form_spec(std::string_view json, const prosody_tables& tables,
                                  const cipai_table* cipai = nullptr);

}  // namespace inkstone
