// Poetry constraints: a form (data), presets for the regulated forms, a small JSON-like spec
// parser, and the constraint engine — a token_filter that makes the sampler write the form.
//
// A form is a sequence of lines. Each line has a number of characters, a tone template (one of
// 平 / 仄 / 中 "either" per position), whether its last character rhymes, an optional acrostic
// head (藏頭), and the punctuation forced after it. Form-wide: whether tones and rhymes are
// enforced, the rhyme group (fixed, or set by the first rhyming character generated), no repeated
// characters, banned characters, free text before the body (e.g. a generated title ending with
// "\n") and after it.
//
// The engine works for any vocabulary: each token is decoded once (at construction) into the
// characters it spells, and a token is allowed only when every character fits the position it
// would fill. Punctuation is forced where the form puts it, EOS only when the form is complete.
// Byte tokens and other partial UTF-8 pieces are banned inside the body.
//
// Rules, in the order used to attribute a banned token (first failing rule) and to relax:
//   structure  — a character of the body / the forced punctuation / EOS at the end ("length")
//   head       — the acrostic character at the head of a line
//   banned     — characters the user banned
//   rhyme      — rhyme positions: a character of the poem's rhyme group (and not a repeated rhyme)
//   repeat     — no character used twice (when asked); acrostic heads are kept for their lines
//   tone       — the tone template (when enforced)
// When no token is allowed at a step, rules are dropped for that step only, in the order
// tone, repeat, rhyme, banned, head, structure, until something is allowed; the report says
// relaxed = true and names the dropped rules in `note`. A step never ends with nothing allowed
// (dropping structure allows every token), and every accepted token advances the state, so
// generation always terminates as long as the caller stops at EOS / complete() or a token cap.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "inkstone/prosody.h"
#include "inkstone/sampler.h"
#include "inkstone/status.h"

namespace inkstone {

class tokenizer;

// ------------------------------------------------------------------ forms
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

  int n_body_chars() const;  // characters of all lines (punctuation excluded)
  int n_rhyme_slots() const;  // 1 + the largest rhyme_slot of a rhyming line (1 if none)
};

inline constexpr int kMaxRhymeSlots = 16;

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
// Errors: invalid_argument with the key at fault ("form spec: \"lines[2].chars\": ...").
result<form_spec> parse_form_spec(std::string_view json, const prosody_tables& tables);

// ------------------------------------------------------------------ engine
class constraint_engine final : public token_filter {
 public:
  // Decodes every token once. `tables` must outlive the engine.
  static result<std::unique_ptr<constraint_engine>> create(form_spec form, const tokenizer& tok,
                                                           const prosody_tables& tables);

  filter_report allow(std::span<const float> probs, std::span<uint8_t> allowed) override;
  void accept(int32_t token) override;

  // Advances over text already present (a given first line, part of the body, or the free
  // title), as if its characters had been generated. Punctuation may be left out (the engine
  // inserts it). invalid_argument when the text breaks the structure (a line too long, a
  // non-Han character inside a line); tone and rhyme are not checked (the user's text wins)
  // but a rhyming character sets the rhyme group.
  status prime(std::string_view text);

  void reset();           // back to the start of the form
  bool complete() const;  // every line and its punctuation written
  int line() const;       // current line (0-based; n_lines when complete)
  int column() const;     // current column in that line
  uint64_t rhyme_mask(int slot = 0) const { return rhyme_masks_[slot]; }  // 0 = not yet set
  const form_spec& form() const { return form_; }

  ~constraint_engine() override = default;

 private:
  // How a token decodes. kinds: partial (a byte token or other incomplete UTF-8), control
  // (decodes to nothing), eos, single (one character), multi (several characters).
  enum token_kind : uint8_t { kPartial, kControl, kEos, kSingle, kMulti };
  struct token_info {
    uint64_t rhyme = 0;  // rhyme groups of the (first) character
    char32_t cp = 0;     // the (first) character
    uint32_t dense = 0;  // dense id of that character (index into used_/banned_)
    int32_t multi = -1;  // index into multi_ for kMulti
    token_kind kind = kPartial;
    uint8_t tone = 0;  // tone_class bits of the character
  };
  // One position of the flattened form: a character slot, or a forced character.
  struct item {
    char32_t literal = 0;  // forced character (punctuation, "\n"); 0 for a slot
    char32_t head = 0;     // acrostic character for this slot (0 = free)
    uint8_t tone = 0;      // tone_req bits (0 = any)
    bool rhyme = false;
    uint8_t slot = 0;  // rhyme slot of a rhyming item
    int16_t line = 0, column = 0;
  };

  constraint_engine() = default;
  uint8_t fail_bits_multi(const token_info& t) const;
  uint8_t fail_bits_char(const item& it, char32_t cp, uint32_t dense, uint8_t tone, uint64_t rhyme,
                         uint64_t rhyme_mask) const;
  uint32_t dense_of(char32_t cp) const;
  void advance_char(char32_t cp);
  void advance_bytes(std::string_view bytes);

  form_spec form_;
  const prosody_tables* tables_ = nullptr;
  int32_t n_vocab_ = 0;
  int32_t eos_ = -1;
  std::vector<token_info> tokens_;     // (n_vocab)
  std::vector<std::string> bytes_;     // (n_vocab) token_bytes
  std::vector<std::u32string> multi_;  // characters of multi-character tokens
  std::vector<item> items_;            // flattened form (characters and forced punctuation)
  std::vector<uint8_t> fails_;         // (n_vocab) scratch: failing rule bits this step
  std::vector<uint8_t> banned_;        // (n_dense) banned characters
  std::vector<uint8_t> used_;          // (n_dense) characters used so far
  std::vector<char32_t> dense_chars_;  // dense id -> code point
  std::u32string used_rhymes_;
  std::unordered_map<char32_t, uint32_t> dense_of_;
  // State.
  int phase_ = 0;    // 0 free before, 1 body, 2 done
  size_t item_ = 0;  // next item in the body
  int free_bytes_ = 0;
  std::string free_tail_;  // last bytes of the free text (to match its end)
  std::string pending_;    // incomplete UTF-8 from accepted partial tokens
  std::vector<uint64_t> rhyme_masks_;  // (n_rhyme_slots) groups each rhyme is held to so far
};

// Rule names, in attribution order: "structure", "head", "banned", "rhyme", "repeat", "tone".
inline constexpr int kNumConstraintRules = 6;
const char* constraint_rule_name(int rule);

// Convenience for bindings: parse_form_spec + create.
result<std::unique_ptr<constraint_engine>> make_constraint_filter(std::string_view spec_json,
                                                                  const tokenizer& tok,
                                                                  const prosody_tables& tables);

}  // namespace inkstone
