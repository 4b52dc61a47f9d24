// 詞牌 patterns: the table of assets/prosody/cipai.tsv (tools/prosody/build-cipai.py derives it
// from the 宋詞 of the corpus; provenance and per-position agreement are in cipai.json), a form
// for the constraint engine from a pattern, recognition of a 詞牌 from a text's structure, and
// the faults of a 詞 against its pattern.
//
// Table format: '#' comment lines, then one 詞牌 a line,
//   name \t variant \t poems \t agreeing \t stanza_break (-1: none) \t slots \t lines
// variant 0 is a 詞牌's main structure (its preset), 1 and 2 other structures (又一體) that enough
// 詞 follow;
// slots: "a仄 b平" (each rhyme slot and the tone it rhymes on); lines: "中仄⊖平中仄平。a
// 中仄平平，" (each line's tones, then its mark — 。 rhyming line, ， non-rhyming line, 、 pause
// inside a line — then, for a rhyming line, its slot letter). Tones in 龍榆生's notation: 平/仄
// fixed (≥ 95 % of the 宋詞 agree), ⊕/⊖ 平/仄 preferred (80–95 %), 中 either. Forms hold ⊕/⊖ as
// 平/仄; the analyser counts only fixed tones against a poem.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "inkstone/form.h"
#include "inkstone/prosody.h"
#include "inkstone/status.h"

namespace inkstone {

struct cipai_line {
  std::vector<tone_req> tones;  // one per character
  std::vector<uint8_t> fixed;  // per character: 1 where the tone is fixed (平/仄, not ⊕/⊖/中)
  std::string punct;           // "。" "，" "、"
  int slot = -1;               // rhyme slot of a rhyming line, else -1
};

struct cipai_pattern {
  std::string name;                  // Simplified, as in the corpus ("浣溪沙")
  int variant = 0;                   // 0 the main structure, 1.. 又一體
  int n_poems = 0;                   // 詞 of this 詞牌 the pattern was derived from
  int n_agreeing = 0;                // of those, how many follow this structure
  int stanza_break = -1;             // first line of the 下闋, -1 for one stanza (or not found)
  std::vector<tone_req> slot_tones;  // per slot: level (平) or oblique (仄)
  std::vector<cipai_line> lines;
  int n_chars() const;
};

class cipai_table {
 public:
  // Errors: invalid_argument naming the line.
  static result<cipai_table> parse(std::string_view tsv);

  const std::vector<cipai_pattern>& patterns() const { return patterns_; }
  // A 詞牌 by its Simplified name: its main structure (variant 0) or a 又一體; nullptr if absent.
  const cipai_pattern* find(std::string_view name, int variant = 0) const;
  // Patterns (variants included) whose line lengths equal those of the text's clauses (split at
  // ，。？！；：、), the most written first; failing that, those whose sentences (lines up to a
  // rhyme, 。) have the lengths of the text's sentences (split at 。？！), which lets a text split
  // its sentences into clauses differently (蘇軾 念奴嬌: 浪淘盡，千古風流人物).
  std::vector<const cipai_pattern*> recognise(std::string_view text) const;

 private:
  std::vector<cipai_pattern> patterns_;
};

struct cipai_form_options {
  bool enforce_tones = true;
  bool enforce_rhyme = true;
  std::u32string heads;  // 藏頭: one character per line, in order
};

// The pattern as a form: its lines, marks and tones; every rhyme slot rhymes on its tone, within
// the groups the tables tag with that tone (when they tag any, as the 詞 book rhyme-ci.tsv does).
result<form_spec> make_cipai_form(const cipai_pattern& pattern, const cipai_form_options& options,
                                  const prosody_tables& tables);

// A text's clauses are its Han characters between the marks at which the analyser splits lines
// (，。？！；：、 their ASCII forms, and newlines); its sentences end at 。？！.?!.
//
// The rhyme slot of each clause of `text` read as `pattern` (-1 where a clause does not end on a
// rhyme); empty when neither its clauses nor its sentences have the pattern's lengths.
std::vector<int> cipai_clause_slots(const cipai_pattern& pattern, std::string_view text);

// Faults of a text read as `pattern` (its clauses, or else its sentences, must have the
// pattern's lengths; nothing is reported otherwise; lines and columns are 0-based, those of the
// text's clauses either way):
//   "ci_tone" 失律: a definite tone against a position the pattern fixes (平/仄, not ⊕/⊖) —
//   only when the clauses match; a text matched by its sentences is checked for rhymes only;
//   "chu_yun" 出韵: a rhyme character sharing no group with its slot (the slot's group is the
//   one most of its rhyme characters share), or one not of the slot's tone ("ci_rhyme_tone").
// Characters whose tone the table does not know for sure (both/unknown) are never counted.
std::vector<prosody_fault> cipai_faults(const cipai_pattern& pattern, std::string_view text,
                                        const prosody_tables& tables);

}  // namespace inkstone
