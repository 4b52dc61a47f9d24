// A poem request as the site builds it (site/app/forms.js planForm, site/app/engine.js write):
// the form the user picked becomes the model's prompt (inkstone/prompt-format.h: form tag +
// title + "\n" for Inkstone's models, ChatML or plain words for others) and a constraint spec
// for the engine (form.h, "The spec is a JSON object"). And the analysis of a finished poem, as the
// wasm analysePoem returns it, a 詞 read as the 詞牌 it was written to.
//
//   form               tag           spec
//   五言絕句 .. 七言律詩  <五绝> ..      {"form": preset, "tones", "rhyme", "start"?, "heads"?}
//   a 詞牌 (浣溪沙)      <词> + 詞牌    {"cipai": name, "variant"?, "tones", "rhyme", "heads"?}
//                       (<其他> when an Inkstone model has no <词>: the constraints alone
//                       force it)
//   cangtou (藏頭)       4 / 8 heads: the 絕句 / 律詩 of --line-length, as a preset with heads;
//                       other counts: <其他>, {"lines": [..], "tones": false, "rhyme"}: couplets
//                       rhyming on their second line (site/app/forms.js)
//   free                <其他>         none
#pragma once

#include <string>
#include <vector>

#include "inkstone/cipai.h"
#include "inkstone/prompt-format.h"
#include "inkstone/prosody.h"
#include "inkstone/status.h"
#include "inkstone/tokenizer.h"

namespace inkstone::cli {

enum class poem_kind { preset, cipai, cangtou, free };
const char* poem_kind_name(poem_kind k);  // "preset", "cipai", "cangtou", "free"

struct poem_request {
  std::string form;   // a preset name or alias, a 詞牌, "cangtou", "free"; "" = 七言絕句, or
                      // cangtou when heads are given (the site's default is 七言絕句)
  int variant = 0;    // a 詞牌's 又一體
  std::string start;  // "" | "平起" | "仄起" (presets)
  std::string heads;  // 藏頭 characters (UTF-8, Simplified)
  int line_length = 7;  // characters per line of a cangtou poem (5 or 7)
  std::string title;    // Simplified; a 詞 has its 詞牌 as title
  bool tones = true;
  bool rhyme = true;
  // The way of writing (as the site; tools/train/blind/README.md). Neither applies to a 詞,
  // whose title is its 詞牌 and which repeats characters by design.
  bool no_repeat = true;  // no character twice (藏頭 heads excepted)
  float guidance = 2.5f;  // classifier-free guidance toward the title; 1 = off
};

struct poem_plan {
  poem_kind kind = poem_kind::free;
  std::string form;  // canonical: "七言絕句", "浣溪沙", "藏頭", "free"
  int variant = 0;   // 詞牌 only
  const cipai_pattern* pattern = nullptr;  // 詞牌 only (points into the table)
  std::string tag;                         // the form's Inkstone tag: "<七绝>"
  std::string title;                       // the title in the prompt
  prompt_style style = prompt_style::inkstone;
  std::string prompt;   // make_poem_prompt(tag, title): "<七绝>春望\n" for Inkstone's models
  bool add_bos = true;  // encode the prompts with BOS first
  bool parse_special = false;   // encode the prompts with control pieces matched whole (ChatML)
  std::string spec_json;        // constraint spec; "" when unconstrained
  std::string guidance_prompt;  // the prompt titled 无题 under guidance; "" when off
  int max_tokens = 0;           // as the site: lines * (chars + 1) + 2; 160 for free verse
  std::string note;             // why the plan differs from the request (a missing <词> tag)
};

// `manner`: how the model is asked (prompt_manner_of). Errors: invalid_argument naming the
// option (--form, --heads, --title, --start, --variant, --line-length).
result<poem_plan> plan_poem(const poem_request& request, const cipai_table& cipai,
                            const tokenizer& vocab, const prompt_manner& manner);

// The presets with their aliases, and the 詞牌 of the table, one a line (poem --list-forms).
std::string list_forms(const cipai_table& cipai);

// The analysis of a poem: analyse_poem with the 詞牌 table (regulated verse, or a 詞 recognised
// by its structure). A poem written to `pattern` is read as that 詞牌 even where recognition
// reads it otherwise (a 生查子 has the shape of a 五言律詩; several 詞牌 share a structure).
// poem_analysis::to_json gives the fields of the wasm analysePoem.
poem_analysis analyse_for(std::string_view text, const prosody_tables& tables,
                          const cipai_table& cipai, const cipai_pattern* pattern);

}  // namespace inkstone::cli
