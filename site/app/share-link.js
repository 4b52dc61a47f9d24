// A poem on the page ⇄ the state a share link carries (site/share/share-codec.js).
//   prompt.title       the title (Simplified, as the model read it); a 詞's is its 詞牌
//                      (forms.js poemTitle), so its link names the 詞牌 without a field of
//                      its own: v1 links, old and new, decode the same
//   prompt.firstLine   the given opening: what the user typed, or the kept start of a poem
//                      continued from another character / with a line rewritten
//   form.preset        the form slug (forms.js formSlug: 'ci' or 'ci-<又一體>' for a 詞),
//                      form.acrostic the 藏頭 characters (藏頭詩, and a 詞 that has them)
//   sampling           temperature, top-k, top-p and seed; min-p and the repetition penalty are
//                      fixed by engine.js so they need no field
//   poem               the poem, lines separated by '\n'

import { formSlug, parseFormSlug, formatPoem } from './forms.js';

/** @typedef {import('./state.js').PoemRecord} PoemRecord */
/** @typedef {import('../share/share-codec.js').ShareState} ShareState */

/**
 * @param {PoemRecord} record
 * @returns {ShareState}
 */
export function shareState(record) {
  /** @type {ShareState} */
  const state = {
    modelId: record.modelId || 'unknown',
    prompt: { title: record.title },
    form: {
      preset: formSlug(record.choice),
      tones: record.choice.tones,
      rhyme: record.choice.rhyme,
      rhymeBook: record.rhymeBook,
    },
    sampling: { ...record.sampling },
    poem: formatPoem(record.text),
  };
  if (record.opening) state.prompt.firstLine = record.opening;
  if (record.choice.form === 'cangtou' || (record.choice.form === 'ci' && record.choice.acrostic)) {
    state.form.acrostic = record.choice.acrostic;
  }
  return state;
}

/**
 * @param {ShareState} state
 * @returns {PoemRecord | null}
 */
export function recordFromShare(state) {
  const form = parseFormSlug(state.form.preset);
  if (!form) return null;
  if (form.form === 'ci') {
    // The title is the 詞牌: a name of Han characters.
    if (!/^\p{Script=Han}{1,12}$/u.test(state.prompt.title)) return null;
    return {
      title: state.prompt.title,
      opening: state.prompt.firstLine ?? '',
      choice: {
        form: 'ci',
        start: '',
        acrostic: state.form.acrostic ?? '',
        lineLength: form.lineLength,
        tones: state.form.tones,
        rhyme: state.form.rhyme,
        cipai: state.prompt.title,
        variant: form.variant ?? 0,
      },
      rhymeBook: state.form.rhymeBook,
      sampling: { ...state.sampling },
      text: state.poem,
      modelId: state.modelId,
      complete: true,
    };
  }
  return {
    title: state.prompt.title,
    opening: state.prompt.firstLine ?? '',
    choice: {
      form: form.form,
      start: form.start,
      acrostic: state.form.acrostic ?? '',
      lineLength: form.lineLength,
      tones: state.form.tones,
      rhyme: state.form.rhyme,
    },
    rhymeBook: state.form.rhymeBook,
    sampling: { ...state.sampling },
    text: state.poem,
    modelId: state.modelId,
    complete: true,
  };
}

// ---------------------------------------------------------------- embedding

/** The embed frame: the painting's 3:4, at a width that fits a blog column and a phone. */
export const EMBED_WIDTH = 360;
export const EMBED_HEIGHT = 480;

/** @param {string} text @returns {string} text for a double-quoted HTML attribute value */
function escapeAttribute(text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The <iframe> a reader pastes into their own page to show a poem (site/embed.html). Every
 * value is escaped: the title is the user's text, and it must stay text on someone else's
 * page. The width and height attributes keep the 3:4 frame where a page's CSP drops the style
 * attribute; the style lets the frame shrink with a narrow column, still at 3:4.
 * @param {{src: string, title: string}} frame
 */
export function embedSnippet(frame) {
  return (
    `<iframe src="${escapeAttribute(frame.src)}" title="${escapeAttribute(frame.title)}" ` +
    `width="${EMBED_WIDTH}" height="${EMBED_HEIGHT}" ` +
    'style="border:0;max-width:100%;height:auto;aspect-ratio:3/4" ' +
    'loading="lazy"></iframe>'
  );
}
