// The playground page: wires the composer, the streaming poem, the painting, the character
// popover, share links, poem cards and the gallery to the Inkstone client (web/client.js).
// The parts live in their own modules:
//   state.js          the page state (one owner, change notifications)
//   elements.js       the page's elements;  messages.js  status line, notices, interface text
//   composer.js       the form ⇄ settings;  poem-runner.js  the poem on the page and its runs
//   cipai-picker.js   the 詞牌 field and dialog;  cipai.js  the 詞牌 patterns
//   sharing.js        share links, embed code, poem cards, replay;  gallery-dialog.js  the gallery
//   model.js          the engine and loading a model
// This file keeps the display settings (theme, language, script, layout), the event wiring
// and the start.
//
// Page state the tests (and anyone curious) can read:
//   body[data-model]   'loading' | 'ready' | 'error'
//   body[data-cipai]   the 詞牌 table: 'loading' | 'ready' | 'error'
//   #poem[data-analysed-form], #poem[data-analysed-cipai]  the analyser's form ('詞' …) and
//                      詞牌 ('name' or 'name/variant') of the poem on the page (tone marks on)
//   body[data-run]     'idle' | 'writing' | 'replaying' | 'done' | 'stopped' | 'error' | 'shared'
//                      ('done' only when the model ended the poem itself; a poem cut at the
//                      length limit is 'stopped')
//   body[data-stop-reason]      why the last generation ended: 'eos' | 'max_tokens' |
//                               'context_full' | 'none' (the stream ended without a summary)
//   #replay-result[data-match]  'true' | 'false' after a replay
//   #notice[data-code]          the error code of the message shown
//   body[data-ready-ms]         ms from navigation until the model was ready
//   body[data-first-token-ms], body[data-tokens-per-second]   of the last poem (worker timings)
//
// Model, file and URL text only ever reaches the page through textContent / attributes.

import { state, setState, saveState, onState } from './state.js';
import { els } from './elements.js';
import { t, show, renderStatus, setRun, notify, clearNotice, errorCode, errorMessage } from './messages.js';
import { engine, loadModel, switchModel, updateModelName, cipaiReady } from './model.js';
import { bindCipaiPicker } from './cipai-picker.js';
import { readComposer, writeComposer, syncComposer, rollSeed } from './composer.js';
import { view, popover, prosody, refreshProsody, resetPainting, updateSeal, showRecord, generate, stop } from './poem-runner.js';
import { openShare, copyLink, copyEmbed, selectShareTab, shareTabKey, nativeShare, downloadCard, openSharedLink, replay } from './sharing.js';
import { openGallery } from './gallery-dialog.js';
import { applyStrings } from './i18n.js';
import { loadHanzi, loadTraditional } from './hanzi.js';
import { MAX_ACROSTIC } from './forms.js';

/** @typedef {import('./state.js').PoemRecord} PoemRecord */

// ---------------------------------------------------------------- display settings

function applyTheme() {
  const dark =
    state.settings.theme === 'dark' ||
    (state.settings.theme === '' && window.matchMedia('(prefers-color-scheme: dark)').matches);
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
  els.themeToggle.setAttribute('aria-pressed', String(dark));
}

function applyLanguage() {
  const hant = state.settings.script === 'traditional';
  document.documentElement.lang = state.lang === 'en' ? 'en' : hant ? 'zh-Hant' : 'zh-Hans';
  els.poem.lang = hant ? 'zh-Hant' : 'zh-Hans';
  applyStrings(document, t);
  // The script toggle names the script it switches to.
  const scriptLabel = /** @type {HTMLElement} */ (els.scriptToggle.querySelector('span'));
  scriptLabel.textContent = hant ? '简' : '繁';
  els.scriptToggle.setAttribute('aria-pressed', String(hant));
  document.title = state.lang === 'en' ? 'Inkstone · 砚' : `${show('砚')} · Inkstone`;
  syncComposer();
  updateModelName();
  renderStatus();
}

// ---------------------------------------------------------------- events

function bindEvents() {
  els.composer.addEventListener('submit', (e) => {
    e.preventDefault();
    void generate();
  });
  els.composer.addEventListener('input', () => {
    readComposer();
    syncComposer();
  });
  els.composer.addEventListener('change', () => {
    readComposer();
    syncComposer();
  });
  els.sampling.addEventListener('toggle', () => readComposer());
  els.rhymeBook.addEventListener('change', async () => {
    if (!engine.ready || state.running) return; // the next poem loads it
    try {
      await engine.useRhymeBook(state.settings.rhymeBook);
      refreshProsody(false);
    } catch (err) {
      notify(errorCode(err), errorMessage(err));
    }
  });
  els.stop.addEventListener('click', stop);
  els.seedDice.addEventListener('click', () => {
    rollSeed();
    saveState();
  });
  els.seedLock.addEventListener('click', () => {
    state.settings.seedLocked = !state.settings.seedLocked;
    syncComposer();
    saveState();
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && state.running && !popover.open) {
      stop();
    } else if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !state.running) {
      e.preventDefault();
      void generate();
    }
  });
  els.noticeClose.addEventListener('click', clearNotice);

  for (const input of document.querySelectorAll('input[name="layout"]')) {
    input.addEventListener('change', () => {
      state.settings.layout = /** @type {HTMLInputElement} */ (input).value === 'vertical' ? 'vertical' : 'horizontal';
      view.setLayout(state.settings.layout);
      popover.close(false);
      saveState();
    });
  }
  els.prosodyToggle.addEventListener('change', () => {
    state.settings.prosody = els.prosodyToggle.checked;
    saveState();
    prosody.setEnabled(state.settings.prosody);
    refreshProsody(Boolean(state.running));
  });
  els.scriptToggle.addEventListener('click', async () => {
    // The choice is kept at once; the Simplified → Traditional tables (~1 MB) load the first
    // time they are needed, and the page switches when they are there.
    state.settings.script = state.settings.script === 'traditional' ? 'simplified' : 'traditional';
    saveState();
    if (state.settings.script === 'traditional' && !(await loadTraditional()) && state.settings.script === 'traditional') {
      state.settings.script = 'simplified';
      saveState();
      notify('hanziUnavailable');
    }
    view.setScript(state.settings.script);
    applyLanguage();
    updateSeal();
    refreshProsody(Boolean(state.running));
  });
  els.langToggle.addEventListener('click', () => {
    setState({ lang: state.lang === 'zh' ? 'en' : 'zh' });
    state.settings.lang = state.lang;
    saveState();
    applyLanguage();
  });
  els.themeToggle.addEventListener('click', () => {
    const dark = document.documentElement.dataset.theme === 'dark';
    state.settings.theme = dark ? 'light' : 'dark';
    saveState();
    applyTheme();
  });
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', applyTheme);

  els.galleryOpen.addEventListener('click', () => void openGallery());
  els.galleryClose.addEventListener('click', () => els.gallery.close());
  els.share.addEventListener('click', () => void openShare());
  els.shareClose.addEventListener('click', () => els.shareDialog.close());
  els.shareCopy.addEventListener('click', () => void copyLink());
  els.shareEmbedCopy.addEventListener('click', () => void copyEmbed());
  els.shareTabLink.addEventListener('click', () => selectShareTab('link', 'tab'));
  els.shareTabEmbed.addEventListener('click', () => selectShareTab('embed', 'tab'));
  for (const tab of [els.shareTabLink, els.shareTabEmbed]) tab.addEventListener('keydown', shareTabKey);
  els.shareNative.addEventListener('click', () => void nativeShare());
  els.shareDownload.addEventListener('click', () => void downloadCard());
  els.card.addEventListener('click', () => void downloadCard());
  els.replay.addEventListener('click', () => void replay());
  bindCipaiPicker();
  for (const dialog of [els.gallery, els.shareDialog, els.cipaiDialog]) {
    dialog.addEventListener('click', (e) => {
      if (e.target === dialog) dialog.close(); // a click on the backdrop
    });
  }
  window.addEventListener('hashchange', () => {
    if (!state.running && location.hash.length > 1) openSharedLink();
  });
  engine.client.addEventListener('crash', () => notify('crashed'));

  // A model the user brought through the model manager (site/pwa/model-manager.js).
  window.addEventListener('inkstone:model-selected', (event) => {
    const detail = /** @type {CustomEvent} */ (event).detail;
    if (state.running || !detail || !(detail.source instanceof Blob)) return;
    event.preventDefault();
    const loading = switchModel(detail.source, String(detail.name || 'model'));
    if (typeof detail.respondWith === 'function') detail.respondWith(loading);
  });
}

// The 詞牌 table: the 詞 choice needs it (and is disabled without it).
onState('cipai', (cipai) => {
  document.body.dataset.cipai = cipai;
  const input = /** @type {HTMLInputElement} */ (els.composer.querySelector('input[name="form"][value="ci"]'));
  input.disabled = cipai === 'error';
  syncComposer();
});

// ---------------------------------------------------------------- start

async function main() {
  setRun('idle');
  document.body.dataset.model = 'loading';
  document.body.dataset.cipai = 'loading';
  // The 詞牌 table goes to the worker while the model downloads (the picker lists it at once).
  void cipaiReady();
  els.acrostic.maxLength = MAX_ACROSTIC;
  // Traditional → Simplified is needed only for what the user types (generate() waits for it);
  // Simplified → Traditional before anything is shown, if that is the chosen display.
  void loadHanzi();
  if (state.settings.script === 'traditional' && !(await loadTraditional())) state.settings.script = 'simplified';
  writeComposer();
  view.setScript(state.settings.script);
  view.setLayout(state.settings.layout);
  for (const input of document.querySelectorAll('input[name="layout"]')) {
    /** @type {HTMLInputElement} */ (input).checked = /** @type {HTMLInputElement} */ (input).value === state.settings.layout;
  }
  prosody.setEnabled(state.settings.prosody);
  applyTheme();
  applyLanguage();
  bindEvents();
  if (!openSharedLink()) {
    const saved = state.settings.poem;
    if (saved && typeof saved.text === 'string' && saved.text && saved.choice && saved.sampling) {
      showRecord(/** @type {PoemRecord} */ (saved));
      setRun(saved.complete ? 'done' : 'stopped');
      els.replay.hidden = false;
    } else {
      view.clear();
      resetPainting(state.settings.seed, '');
    }
  }
  // Rhyme books whose table this site lacks are disabled (and replaced if one was chosen).
  await prosody.init(els.rhymeBook);
  if (els.rhymeBook.value !== 'ci') state.settings.rhymeBook = els.rhymeBook.value;
  await loadModel();
}

void main();
