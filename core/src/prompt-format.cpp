#include "inkstone/prompt-format.h"

namespace inkstone {

namespace {

// Plain names of the forms behind Inkstone's tags (site/app/prompt-format.js FORM_WORDS).
std::string_view form_words(std::string_view tag) {
  if (tag == "<五绝>") return "五言绝句";
  if (tag == "<七绝>") return "七言绝句";
  if (tag == "<五律>") return "五言律诗";
  if (tag == "<七律>") return "七言律诗";
  if (tag == "<词>") return "词";
  return "诗";
}

// The title without "<|" and "|>", scanned left to right as the site's /<\||\|>/g does.
std::string without_control_marks(std::string_view title) {
  std::string out;
  for (size_t i = 0; i < title.size();) {
    const std::string_view rest = title.substr(i);
    if (rest.starts_with("<|") || rest.starts_with("|>")) {
      i += 2;
      continue;
    }
    out += title[i++];
  }
  return out;
}

}  // namespace

const char* prompt_style_name(prompt_style s) {
  switch (s) {
    case prompt_style::inkstone:
      return "inkstone";
    case prompt_style::chatml:
      return "chatml";
    case prompt_style::plain:
      return "plain";
  }
  return "plain";
}

prompt_manner choose_prompt_manner(bool has_tags, std::string_view chat_template) {
  prompt_manner m;
  m.thinks = chat_template.find("<think>") != std::string_view::npos;
  if (has_tags) {
    m.style = prompt_style::inkstone;
  } else if (chat_template.find("<|im_start|>") != std::string_view::npos) {
    m.style = prompt_style::chatml;
  } else {
    m.style = prompt_style::plain;
  }
  return m;
}

prompt_manner prompt_manner_of(const model& m) {
  const bool has_tags = m.vocab.find_piece("<七绝>") >= 0 && m.vocab.find_piece("<其他>") >= 0;
  std::string_view chat_template;
  const gguf_kv* kv = m.gguf.find("tokenizer.chat_template");
  if (kv != nullptr && kv->value.type == gguf_type::string) chat_template = kv->value.str;
  return choose_prompt_manner(has_tags, chat_template);
}

poem_prompt make_poem_prompt(const prompt_manner& manner, std::string_view tag,
                             std::string_view title) {
  poem_prompt p;
  if (manner.style == prompt_style::inkstone) {
    p.text = std::string(tag) + std::string(title) + "\n";
    return p;
  }
  const std::string form(form_words(tag));
  const bool ci = tag == "<词>";
  if (manner.style == prompt_style::chatml) {
    const std::string t = without_control_marks(title);
    const std::string ask = ci           ? "请按词牌「" + t + "」填一首词。"
                            : !t.empty() ? "请以「" + t + "」为题，写一首" + form + "。"
                                         : "请写一首" + form + "。";
    p.text =
        "<|im_start|>system\n你是一位精通格律的中国古典诗人。<|im_end|>\n"
        "<|im_start|>user\n" +
        ask + "只写" + (ci ? "词" : "诗") +
        "的正文，不要标题和解释。<|im_end|>\n"
        "<|im_start|>assistant\n" +
        (manner.thinks ? "<think>\n\n</think>\n\n" : "");
    p.add_bos = false;
    p.parse_special = true;
    return p;
  }
  if (ci) {
    p.text = "词·" + std::string(title) + "\n";
  } else {
    p.text = title.empty() ? form + "\n" : form + "《" + std::string(title) + "》\n";
  }
  return p;
}

}  // namespace inkstone
