// How a model is asked for a poem (issue 20, item 4). The constraint engine forces the form in
// every case; the prompt only has to say what the poem is about.
//
//   inkstone  Inkstone's poetry models: <s> + form tag + title + "\n" (GGUF
//             `inkstone.prompt_format`); the tags are single tokens of the vocabulary.
//   chatml    a chat model whose `tokenizer.chat_template` uses ChatML (<|im_start|>, as Qwen2
//             and Qwen3 do): a system line and a user request in plain words, then the
//             assistant's turn; a template that knows <think> (Qwen3) gets an empty thought,
//             as its own template writes it when thinking is off.
//   plain     any other model: the form and the title in plain words, like the head of a poem
//             in an anthology: 七言绝句《春望》 and a newline.
// No general template engine: ChatML is recognised by its marker, and everything else is plain.
// The guidance prompt (classifier-free guidance against 无题) is the same prompt with the
// title 无题.
// The CLI asks by the same rule in the same words (core/include/inkstone/prompt-format.h);
// tests/py/test_cli_prompt.py checks that both write the same prompts for the same models.

/** @typedef {'inkstone'|'chatml'|'plain'} PromptStyle */

/** A poem about nothing in particular: the unconditioned title under guidance. */
export const UNTITLED = '无题';

/** Plain names of the forms behind Inkstone's tags. */
const FORM_WORDS = Object.freeze({
  '<五绝>': '五言绝句',
  '<七绝>': '七言绝句',
  '<五律>': '五言律诗',
  '<七律>': '七言律诗',
  '<其他>': '诗',
  '<词>': '词',
});

/**
 * Which style a loaded model is prompted in.
 * @param {{meta?: Record<string, any>}} info   the model report (web/protocol.js ModelInfo)
 * @param {boolean} hasTags  whether the vocabulary spells every form tag as one token
 * @returns {PromptStyle}
 */
export function promptStyle(info, hasTags) {
  if (hasTags) return 'inkstone';
  const template = info.meta && info.meta['tokenizer.chat_template'];
  if (typeof template === 'string' && template.includes('<|im_start|>')) return 'chatml';
  return 'plain';
}

/**
 * The prompt text for a poem, and whether BOS goes first.
 * @param {PromptStyle} style
 * @param {{tag: string, title: string, thinks?: boolean}} request  tag: the form's Inkstone tag
 *        (forms.js planForm); title: the title, or for a 詞 its 詞牌; thinks: the chat template
 *        knows <think>
 * @returns {{text: string, addBos: boolean}}
 */
export function poemPrompt(style, request) {
  const { tag, title } = request;
  if (style === 'inkstone') return { text: `${tag}${title}\n`, addBos: true };
  const form = FORM_WORDS[/** @type {keyof typeof FORM_WORDS} */ (tag)] ?? '诗';
  const ci = tag === '<词>';
  if (style === 'chatml') {
    // The prompt is tokenized with control pieces matched whole: a title must not spell one.
    const title = request.title.replace(/<\||\|>/g, '');
    const ask = ci
      ? `请按词牌「${title}」填一首词。`
      : title
        ? `请以「${title}」为题，写一首${form}。`
        : `请写一首${form}。`;
    const thought = request.thinks ? '<think>\n\n</think>\n\n' : '';
    return {
      text:
        '<|im_start|>system\n你是一位精通格律的中国古典诗人。<|im_end|>\n' +
        `<|im_start|>user\n${ask}只写${ci ? '词' : '诗'}的正文，不要标题和解释。<|im_end|>\n` +
        `<|im_start|>assistant\n${thought}`,
      addBos: false,
    };
  }
  if (ci) return { text: `词·${title}\n`, addBos: true };
  return { text: title ? `${form}《${title}》\n` : `${form}\n`, addBos: true };
}

/**
 * Whether a chat template writes a <think> block (Qwen3).
 * @param {{meta?: Record<string, any>}} info
 */
export function templateThinks(info) {
  const template = info.meta && info.meta['tokenizer.chat_template'];
  return typeof template === 'string' && template.includes('<think>');
}
