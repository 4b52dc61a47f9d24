// Sharing: the share dialog (a link that carries the poem, its settings and seed; an <iframe>
// of site/embed.html that shows it on another page), the poem card (a PNG drawn by site/card),
// opening a share link from the address bar, and replaying a shared poem to check that this
// browser writes the same characters.

import { state, setState, onState } from './state.js';
import { els } from './elements.js';
import { t, show, setStatus, setRun, notify, clearNotice, errorCode, errorMessage } from './messages.js';
import { engine } from './model.js';
import { writeComposer } from './composer.js';
import { showRecord, runPoem } from './poem-runner.js';
import { decodeShare, encodeShare } from '../share/share-codec.js';
import { shareState, recordFromShare, embedSnippet } from './share-link.js';
import { formatPoem, hanChars } from './forms.js';
import { renderCardBlob, cardAvailable } from './card-export.js';

/** @typedef {import('./state.js').PoemRecord} PoemRecord */

// A shared poem written with another model: say that a replay may differ.
onState('model', (model) => {
  if (model !== 'ready' || !state.shared || state.shared.modelId === engine.modelId) return;
  els.replayResult.textContent = t('replay.otherModel');
  delete els.replayResult.dataset.match;
  els.replayResult.hidden = false;
});

/**
 * The playground's URL with a poem's share fragment.
 * @param {PoemRecord} record
 */
export function shareUrl(record) {
  const url = new URL(location.href);
  url.hash = encodeShare(shareState(record)).slice(1);
  return url.href;
}

/**
 * The embed page's URL for a poem: embed.html beside the playground, the poem's share fragment,
 * and the interface language when it is not the embed page's Chinese.
 * @param {PoemRecord} record
 */
export function embedUrl(record) {
  const url = new URL('embed.html', location.href);
  if (state.lang === 'en') url.search = '?lang=en';
  url.hash = encodeShare(shareState(record)).slice(1);
  return url.href;
}

/** The share dialog's tabs, in order: [name, tab, panel, the field that holds what to copy]. */
const SHARE_TABS = /** @type {const} */ ([
  ['link', els.shareTabLink, els.sharePanelLink, els.shareUrl],
  ['embed', els.shareTabEmbed, els.sharePanelEmbed, els.shareEmbedCode],
]);

/** @typedef {(typeof SHARE_TABS)[number][0]} ShareTab */

/** @type {ShareTab} the tab the dialog opens on: the one used last */
let shareTab = 'link';

/**
 * Shows one tab of the share dialog (WAI-ARIA tabs: the selected tab is the one in the tab
 * order) with its text selected, ready to copy.
 * @param {ShareTab} tab
 * @param {'tab' | 'field'} [focus]  what gets the focus: the tab (a click, the arrow keys), the
 *        text (the dialog opening); default: it stays where it is
 */
export function selectShareTab(tab, focus) {
  shareTab = tab;
  for (const [name, button, panel] of SHARE_TABS) {
    const selected = name === tab;
    button.setAttribute('aria-selected', String(selected));
    button.tabIndex = selected ? 0 : -1;
    panel.hidden = !selected;
  }
  const [, button, , field] = /** @type {(typeof SHARE_TABS)[number]} */ (SHARE_TABS.find(([name]) => name === tab));
  els.shareStatus.textContent = '';
  field.setSelectionRange(0, field.value.length);
  if (focus === 'tab') button.focus();
  if (focus === 'field') field.select();
}

/**
 * Arrow keys, Home and End move between the tabs (and show them: automatic activation).
 * @param {KeyboardEvent} event
 */
export function shareTabKey(event) {
  const at = SHARE_TABS.findIndex(([name]) => name === shareTab);
  const n = SHARE_TABS.length;
  const to = { ArrowRight: at + 1, ArrowLeft: at - 1 + n, Home: 0, End: n - 1 }[event.key];
  if (to === undefined) return;
  event.preventDefault();
  selectShareTab(SHARE_TABS[to % n][0], 'tab');
}

/** Opens the share dialog for the poem on the page. */
export async function openShare() {
  const record = state.current;
  if (!record || !record.text) return;
  let url;
  let embed;
  try {
    url = shareUrl(record);
    embed = embedUrl(record);
  } catch (err) {
    notify(errorCode(err), errorMessage(err));
    return;
  }
  const title = show(record.title);
  els.shareUrl.value = url;
  els.shareEmbedCode.value = embedSnippet({ src: embed, title: title ? t('embedFrameTitle', { title }) : t('embedFrameUntitled') });
  els.shareEmbedPreview.href = embed;
  els.shareNative.hidden = typeof navigator.share !== 'function';
  els.shareDownload.hidden = !cardAvailable();
  els.shareDialog.showModal();
  selectShareTab(shareTab, 'field');
}

/**
 * Copies a field's text, or selects it for the reader to copy.
 * @param {HTMLInputElement | HTMLTextAreaElement} field
 * @param {string} done     the status key when copied
 * @param {string} failed   the status key when not
 */
async function copyField(field, done, failed) {
  try {
    await navigator.clipboard.writeText(field.value);
    els.shareStatus.textContent = t(done);
  } catch {
    field.select();
    els.shareStatus.textContent = t(failed);
  }
}

export const copyLink = () => copyField(els.shareUrl, 'copied', 'copyFailed');
export const copyEmbed = () => copyField(els.shareEmbedCode, 'embedCopied', 'embedCopyFailed');

/** @type {{key: string, promise: Promise<Blob>} | null} the last card drawn */
let cardCache = null;

/**
 * The card PNG of a poem in the current display script (drawn once, then reused).
 * @param {PoemRecord} record
 */
function cardBlob(record) {
  const key = JSON.stringify([record.title, record.text, record.sampling.seed, record.choice.acrostic, state.settings.script]);
  if (cardCache && cardCache.key === key) return cardCache.promise;
  const promise = renderCardBlob(record, state.settings.script);
  cardCache = { key, promise };
  promise.catch(() => {
    if (cardCache && cardCache.promise === promise) cardCache = null;
  });
  return promise;
}

export async function nativeShare() {
  if (!state.current) return;
  /** @type {ShareData} */
  const data = { title: show(state.current.title) || 'Inkstone', text: show(formatPoem(state.current.text)), url: els.shareUrl.value };
  try {
    if (cardAvailable()) {
      els.shareStatus.textContent = t('cardDrawing');
      const blob = await cardBlob(state.current);
      const file = new File([blob], cardFileName(state.current), { type: 'image/png' });
      if (navigator.canShare && navigator.canShare({ ...data, files: [file] })) data.files = [file];
      els.shareStatus.textContent = '';
    }
    await navigator.share(data);
    els.shareStatus.textContent = t('shareDone');
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') return;
    // Drawing the card can outlast the click's permission to share: the card is ready now.
    if (err instanceof DOMException && err.name === 'NotAllowedError') {
      els.shareStatus.textContent = t('shareAgain');
      return;
    }
    els.shareStatus.textContent = errorMessage(err);
  }
}

/** @param {PoemRecord} record */
function cardFileName(record) {
  const name = hanChars(record.title).join('') || 'poem';
  return `inkstone-${name}-${record.sampling.seed}.png`;
}

let drawingCard = false;

export async function downloadCard() {
  if (!state.current || !state.current.text || !cardAvailable() || drawingCard) return;
  drawingCard = true;
  els.card.disabled = true;
  els.shareDownload.disabled = true;
  els.card.setAttribute('aria-busy', 'true');
  els.shareStatus.textContent = t('cardDrawing');
  setStatus('cardDrawing');
  // Let the status paint before the (synchronous) drawing starts.
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  try {
    const blob = await cardBlob(state.current);
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = cardFileName(state.current);
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    els.shareStatus.textContent = t('cardSaved');
    setStatus('cardSaved');
  } catch (err) {
    setStatus('status.idle');
    notify('unknown', `${t('cardFailed')} ${errorMessage(err)}`);
  } finally {
    drawingCard = false;
    els.card.removeAttribute('aria-busy');
    els.card.disabled = !state.current || !state.current.text || Boolean(state.running);
    els.shareDownload.disabled = false;
  }
}

/** Reads a share link in the address bar, if any. */
export function openSharedLink() {
  const hash = location.hash;
  if (!hash || hash === '#') return false;
  const result = decodeShare(hash);
  if (!result.ok) {
    setRun('error');
    notify(result.code);
    return false;
  }
  const record = recordFromShare(result.state);
  if (!record) {
    setRun('error');
    notify('share_malformed');
    return false;
  }
  // A good link replaces what an earlier (bad) link said.
  if ((els.notice.dataset.code || '').startsWith('share_')) clearNotice();
  els.replayResult.hidden = true;
  delete els.replayResult.dataset.match;
  setState({ shared: result.state });
  state.settings.firstLine = record.opening;
  state.settings.form = record.choice.form;
  state.settings.start = record.choice.start;
  state.settings.acrostic = record.choice.acrostic;
  state.settings.lineLength = record.choice.lineLength;
  state.settings.tones = record.choice.tones;
  state.settings.rhyme = record.choice.rhyme;
  if (record.choice.form === 'ci') {
    // A 詞's title is its 詞牌, and it rhymes by the 詞 book: the user's title and book stay.
    state.settings.cipai = record.choice.cipai ?? '';
    state.settings.cipaiVariant = record.choice.variant ?? 0;
  } else {
    state.settings.title = record.title;
    state.settings.rhymeBook = record.rhymeBook;
  }
  Object.assign(state.settings, record.sampling);
  state.settings.seedLocked = true;
  writeComposer();
  showRecord(record);
  els.replay.hidden = false;
  els.replay.disabled = !engine.ready;
  setRun('shared');
  setStatus('status.sharedShown');
  return true;
}

export async function replay() {
  if (!state.current) return;
  if (!engine.ready) {
    els.replayResult.textContent = t('replay.waitModel');
    els.replayResult.hidden = false;
    return;
  }
  const source = state.shared ? recordFromShare(state.shared) : state.current;
  if (!source) return;
  const expected = formatPoem(source.text);
  const record = await runPoem(source, 'replaying');
  if (!record || !record.complete) return;
  const got = formatPoem(record.text);
  const match = got === expected;
  els.replayResult.dataset.match = String(match);
  if (match) {
    els.replayResult.textContent = t('replay.match');
  } else if (source.modelId && engine.modelId && source.modelId !== engine.modelId) {
    els.replayResult.textContent = t('replay.mismatchModel');
  } else {
    const a = Array.from(got);
    const b = Array.from(expected);
    let i = 0;
    while (i < a.length && i < b.length && a[i] === b[i]) i++;
    const n = b.slice(0, i).filter((c) => /\p{Script=Han}/u.test(c)).length + 1;
    els.replayResult.textContent = t('replay.mismatch', { n });
  }
  els.replayResult.hidden = false;
}
