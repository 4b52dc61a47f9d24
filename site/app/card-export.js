// The poem card (詩箋) for the poem on the page: site/card renders it (vertical text, seal,
// painting) at print resolution; this module feeds it the page's poem in the display script.

import { renderCard, cardToPngBlob } from '../card/index.js';
import { formatPoem, hanChars } from './forms.js';
import { display } from './hanzi.js';
import { stanzaBreakOf } from './cipai.js';

/** Card size in pixels (3:4, 8 × 10.7 inches at 300 dpi). */
export const CARD_WIDTH = 2400;
export const CARD_HEIGHT = 3200;

/** Whether cards can be drawn here (a 2D canvas that can encode PNG). */
export function cardAvailable() {
  return typeof document !== 'undefined' && typeof HTMLCanvasElement !== 'undefined';
}

/**
 * Renders the card as a PNG.
 * @param {{title: string, text: string, choice: {form: string, acrostic: string, cipai?: string,
 *          variant?: number}, sampling: {seed: number}}} record  a 詞's columns hold its
 *          sentences, its 闋 apart
 * @param {'simplified'|'traditional'} script
 * @returns {Promise<Blob>}
 */
export async function renderCardBlob(record, script) {
  const ci = record.choice.form === 'ci';
  const heads = record.choice.form === 'cangtou' || ci ? hanChars(record.choice.acrostic) : [];
  const canvas = await renderCard({
    ...(ci ? { stanzaBreak: stanzaBreakOf(record.choice.cipai, record.choice.variant) } : {}),
    poem: display(formatPoem(record.text), script),
    title: display(record.title, script),
    seed: record.sampling.seed >>> 0,
    sealText: display(heads.length ? heads.join('') : record.title, script),
    lang: script === 'traditional' ? 'zh-Hant' : 'zh-Hans',
    width: CARD_WIDTH,
    height: CARD_HEIGHT,
  });
  return cardToPngBlob(canvas);
}
