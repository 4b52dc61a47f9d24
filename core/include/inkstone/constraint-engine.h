// The constraint engine: a token_filter that makes the sampler write a form (form.h).
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

#include "inkstone/form.h"
#include "inkstone/prosody.h"
#include "inkstone/sampler.h"
#include "inkstone/status.h"

namespace inkstone {

class tokenizer;

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
                                                                  const prosody_tables& tables,
                                                                  const cipai_table* cipai = nullptr);

}  // namespace inkstone
