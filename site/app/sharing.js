// Sharing: the share dialog (a link that carries the poem, its settings and seed), the poem
// card (a PNG drawn by site/card), opening a share link from the address bar, and replaying a
// shared poem to check that this browser writes the same characters.

import { state, setState, onState } from './state.js';
import { els } from './elements.js';
import { t, show, setStatus, setRun, notify, clearNotice, errorCode, errorMessage } from './messages.js';
import { engine } from './model.js';
import { writeComposer } from './composer.js';
import { showRecord, runPoem } from './poem-runner.js';
import { decodeShare, encodeShare } from '../share/share-codec.js';
import { shareState, recordFromShare } from './share-link.js';
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

/** @param {PoemRecord} record */
export function shareUrl(record) {
  const url = new URL(location.href);
  url.hash = encodeShare(shareState(record)).slice(1);
  return url.href;
}

/** Opens the share dialog for the poem on the page. */
export async function openShare() {
  if (!state.current || !state.current.text) return;
  let url;
  try {
    url = shareUrl(state.current);
  } catch (err) {
    notify(errorCode(err), errorMessage(err));
    return;
  }
  els.shareUrl.value = url;
  els.shareStatus.textContent = '';
  els.shareNative.hidden = typeof navigator.share !== 'function';
  els.shareDownload.hidden = !cardAvailable();
  els.shareDialog.showModal();
  els.shareUrl.select();
}

export async function copyLink() {
  try {
    await navigator.clipboard.writeText(els.shareUrl.value);
    els.shareStatus.textContent = t('copied');
  } catch {
    els.shareUrl.select();
    els.shareStatus.textContent = t('copyFailed');
  }
}

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
  state.settings.title = record.title;
  state.settings.firstLine = record.opening;
  state.settings.form = record.choice.form;
  state.settings.start = record.choice.start;
  state.settings.acrostic = record.choice.acrostic;
  state.settings.lineLength = record.choice.lineLength;
  state.settings.tones = record.choice.tones;
  state.settings.rhyme = record.choice.rhyme;
  state.settings.rhymeBook = record.rhymeBook;
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
