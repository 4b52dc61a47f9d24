// How a model is asked for a poem: the rule of the playground (site/app/prompt-format.js),
// written in C++ for the CLI, word for word the same (tests/py/test_cli_prompt.py checks the two
// against each other on the Qwen fixtures). The constraint engine forces the form in every case;
// the prompt only has to say what the poem is about.
//
//   inkstone  Inkstone's poetry models: BOS + form tag + title + "\n" (GGUF
//             inkstone.prompt_format); the tags are pieces of the vocabulary.
//   chatml    a chat model whose tokenizer.chat_template uses ChatML (<|im_start|>, as Qwen2 and
//             Qwen3 do): a system line and a user request in plain words, then the assistant's
//             turn; a template that knows <think> (Qwen3) gets an empty thought, as its own
//             template writes it when thinking is off. Encoded with control pieces matched
//             whole; the title cannot spell one ("<|" and "|>" are taken out of it).
//   plain     any other model: the form and the title in plain words, like the head of a poem in
//             an anthology: 七言绝句《春望》 and a newline.
// No template engine: ChatML is recognised by its marker, everything else is plain. The guidance
// prompt (classifier-free guidance against 无题) is the same prompt with the title 无题.
#pragma once

#include <string>
#include <string_view>

#include "inkstone/model.h"

namespace inkstone {

enum class prompt_style { inkstone, chatml, plain };
const char* prompt_style_name(prompt_style s);  // "inkstone", "chatml", "plain"

// A poem about nothing in particular: the unconditioned title under guidance.
inline constexpr std::string_view kUntitled = "无题";

// How a model is asked: its style, and whether its chat template writes a <think> block.
struct prompt_manner {
  prompt_style style = prompt_style::inkstone;
  bool thinks = false;
};

// has_tags: the vocabulary has the form tags (<七绝> and <其他>) as pieces.
prompt_manner choose_prompt_manner(bool has_tags, std::string_view chat_template);
// Of a loaded model: its vocabulary and its tokenizer.chat_template ("" when absent).
prompt_manner prompt_manner_of(const model& m);

struct poem_prompt {
  std::string text;
  bool add_bos = true;         // BOS first (when the vocabulary has one)
  bool parse_special = false;  // control pieces matched whole (ChatML markup)
};

// The prompt for a poem of form `tag` (an Inkstone tag: <五绝> <七绝> <五律> <七律> <其他> <词>)
// and `title` (a 詞's title is its 詞牌; "" asks for the form alone).
poem_prompt make_poem_prompt(const prompt_manner& manner, std::string_view tag,
                             std::string_view title);

}  // namespace inkstone
