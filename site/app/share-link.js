// A poem on the page ⇄ the state a share link carries (site/share/share-codec.js).
//   prompt.title       the title (Simplified, as the model read it)
//   prompt.firstLine   the given opening: what the user typed, or the kept start of a poem
//                      continued from another character / with a line rewritten
//   form.preset        the form slug (forms.js formSlug), form.acrostic the 藏頭 characters
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
  if (record.choice.form === 'cangtou') state.form.acrostic = record.choice.acrostic;
  return state;
}

/**
 * @param {ShareState} state
 * @returns {PoemRecord | null}
 */
export function recordFromShare(state) {
  const form = parseFormSlug(state.form.preset);
  if (!form) return null;
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
