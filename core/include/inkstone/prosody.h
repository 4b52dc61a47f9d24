// Prosody of classical Chinese verse: tone (平仄) and rhyme tables, and an analyser that reads
// any poem and reports per-character tones, rhymes and the standard faults of regulated verse.
//
// Tables are plain text (assets/prosody/*.tsv, built by tools/prosody/, provenance in
// tools/prosody/README.md). The browser passes the file contents as strings; native code reads
// the files with load_prosody_tables().
//   tones.tsv        "字\tP" (平) / "字\tZ" (仄) / "字\tB" (both); '#' lines are comments
//   rhyme-*.tsv      "字\t10,11" (rhyme groups 1..63 of every reading, primary first);
//                    "@group\t10\t唐" names a group ("@group\t33\t远\t仄": a group of 仄
//                    rhymes, for 詞; 平 likewise); "@book\t中华新韵" names the rhyme book.
//                    Several tables may be read as one (their texts joined): a character
//                    listed twice keeps the groups of both lines.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "inkstone/status.h"
#include "inkstone/utf8.h"

namespace inkstone {

class cipai_table;  // cipai.h
struct cipai_pattern;

// Tone classes are bit sets so that "fits" is a single AND: level = 平, oblique = 仄.
enum class tone_class : uint8_t { unknown = 0, level = 1, oblique = 2, both = 3 };

inline constexpr int kMaxRhymeGroups = 63;  // group ids 1..63, bit g of a uint64_t mask

// ------------------------------------------------------------------ characters
// UTF-8 (decode_code_points, encode_code_points) is in inkstone/utf8.h.
// CJK unified ideographs (basic, extension A..F, compatibility): what a poem line is made of.
bool is_han(char32_t cp);

// ------------------------------------------------------------------ tables
class prosody_tables {
 public:
  // Parses the two tables (either may be empty). Errors: invalid_argument with the line number.
  static result<prosody_tables> parse(std::string_view tones_tsv, std::string_view rhyme_tsv);

  tone_class tone_of(char32_t cp) const;
  uint64_t rhyme_groups_of(char32_t cp) const;  // 0: unknown
  // Name of group g ("唐"), or its number as text when the table names none.
  std::string rhyme_group_name(int g) const;
  int n_rhyme_groups() const { return n_rhyme_groups_; }  // highest group id seen
  // Groups whose @group line gives them this tone (level: 平, oblique: 仄); 0 if none does.
  uint64_t groups_of_tone(tone_class tone) const;
  const std::string& rhyme_book() const { return rhyme_book_; }
  size_t n_tones() const { return tones_.size(); }
  size_t n_rhymes() const { return rhymes_.size(); }

 private:
  std::unordered_map<char32_t, tone_class> tones_;
  std::unordered_map<char32_t, uint64_t> rhymes_;
  std::vector<std::string> group_names_;  // index = group id
  std::string rhyme_book_;
  int n_rhyme_groups_ = 0;
  uint64_t level_groups_ = 0, oblique_groups_ = 0;
};

// Reads and parses the two files (io_error when one cannot be read).
result<prosody_tables> load_prosody_tables(const std::string& tones_path,
                                           const std::string& rhyme_path);

// Lowest group id in a mask (0 for an empty mask).
int first_rhyme_group(uint64_t mask);

// ------------------------------------------------------------------ analyser
// One character of the analysed poem. Lines are split at ，。？！；、：,.?!; and newlines.
struct char_analysis {
  char32_t ch = 0;
  int line = 0;    // 0-based line (clause) index
  int column = 0;  // 0-based character index within the line
  tone_class tone = tone_class::unknown;
  bool rhyme_position = false;
  uint64_t rhyme_groups = 0;  // filled at rhyme positions
  int rhyme_slot = -1;        // in a 詞: the rhyme slot of a rhyme position (0 = a, 1 = b, ...)
};

// Fault kinds: "shi_nian" 失黏, "shi_dui" 失對, "gu_ping" 孤平, "san_ping_wei" 三平尾,
// "chu_yun" 出韵 (rhyme outside the poem's group), "ze_yun" (仄 at a rhyme position of a 平-rhymed
// regulated poem).
struct prosody_fault {
  std::string kind;
  std::string name;  // Chinese name ("失黏")
  int line = 0;      // 0-based
  int column = 0;    // 0-based
  std::string message;
};

struct poem_analysis {
  std::vector<std::vector<char_analysis>> lines;
  // "五言絕句" / "七言絕句" / "五言律詩" / "七言律詩" when the shape is regulated (4 or 8 lines of
  // 5 or 7 characters); "詞" when a 詞牌 table was given and the text has one of its patterns;
  // else "" (then only tones and rhymes are reported, no faults).
  std::string form;
  // A 詞: the 詞牌 the text is read as (its structure; the most written first when several
  // fit), its variant (0 the main structure, 1.. 又一體), and the other 詞牌 that also fit.
  std::string cipai;
  int cipai_variant = -1;
  std::vector<std::string> cipai_others;
  uint64_t rhyme_groups = 0;  // the group(s) the rhyme positions share (0 when none/unknown)
  std::vector<prosody_fault> faults;

  // {"form":..,"rhyme_groups":[..],"rhyme_group_names":[..],"lines":[[{"ch":"床","tone":"P",
  //  "rhyme":false},..],..],"faults":[{"kind":..,"name":..,"line":..,"column":..,"message":..}]}
  // tone: "P" 平, "Z" 仄, "B" both, "?" unknown. Lines and columns are 0-based. A rhyme
  // position adds "groups":[..] and, in a 詞, "slot":k; a 詞 adds "cipai":{"name":..,
  // "variant":..,"others":[..]}.
  std::string to_json(const prosody_tables& tables) const;
};

// Faults are only reported where the tones involved are definite (P or Z): a character the table
// marks both/unknown is never counted against the poem. With a 詞牌 table, a text that is not a
// regulated poem is recognised as a 詞 by its structure (cipai.h), and its rhyme positions and
// faults are those of its 詞牌 (cipai_faults).
poem_analysis analyse_poem(std::string_view text, const prosody_tables& tables,
                           const cipai_table* cipai = nullptr);
// A text written to a given 詞牌 read as that pattern, although recognition alone might read it
// otherwise (a 生查子 has the shape of a 五言律詩; several 詞牌 share one structure; a 又一體
// may be taken for the main form). When the text does not fit `pattern`, analyse_poem(text,
// tables, cipai). `cipai` (optional) names the other 詞牌 that fit.
poem_analysis analyse_poem_as(std::string_view text, const prosody_tables& tables,
                              const cipai_pattern& pattern, const cipai_table* cipai = nullptr);
// analyse_poem(text, tables, cipai).to_json(tables), for the bindings.
std::string analyse_poem_json(std::string_view text, const prosody_tables& tables,
                              const cipai_table* cipai = nullptr);

}  // namespace inkstone
