// The composer: the form on the left (title, opening, form and rules, 藏頭 characters, the 詞牌
// of a 詞, sampling, seed) read into and written from state.settings, and the FormChoice it
// describes. A 詞 takes its 詞牌 as its title (the title field gives way to the 詞牌 field),
// rhymes by the 詞 book (the rhyme book shows 詞韻 while it is chosen; the user's book comes
// back for the other forms) and has no 起式.

import { state, saveState } from './state.js';
import { els } from './elements.js';
import { FORM_IDS, DEFAULT_CIPAI } from './forms.js';
import { toSimplified } from './hanzi.js';
import { t } from './messages.js';
import { renderCipaiField } from './cipai-picker.js';

/** @typedef {import('./forms.js').FormChoice} FormChoice */

/** A fresh random uint32 seed. */
export function randomSeed() {
  return crypto.getRandomValues(new Uint32Array(1))[0];
}

/** @returns {import('./forms.js').FormId} */
function selectedForm() {
  const checked = /** @type {HTMLInputElement | null} */ (els.composer.querySelector('input[name="form"]:checked'));
  const value = checked ? checked.value : 'qiyan-jueju';
  return /** @type {any} */ (FORM_IDS.includes(/** @type {any} */ (value)) ? value : 'qiyan-jueju');
}

/** Fields → settings (saved). */
export function readComposer() {
  const settings = state.settings;
  settings.title = els.title.value;
  settings.firstLine = els.firstLine.value;
  settings.form = selectedForm();
  settings.acrostic = els.acrostic.value;
  settings.lineLength = els.lineLength.value === '5' ? 5 : 7;
  settings.tones = els.tones.checked;
  settings.rhyme = els.rhyme.checked;
  settings.start = /** @type {any} */ (['平起', '仄起'].includes(els.start.value) ? els.start.value : '');
  if (els.rhymeBook.value !== 'ci') settings.rhymeBook = els.rhymeBook.value;
  settings.temperature = Number(els.temperature.value);
  settings.topK = Math.round(Number(els.topK.value));
  settings.topP = Number(els.topP.value);
  settings.guidance = Number(els.guidance.value);
  settings.noRepeat = els.noRepeat.checked;
  const seed = Math.floor(Number(els.seed.value));
  settings.seed = Number.isFinite(seed) && seed >= 0 ? Math.min(seed, 0xffffffff) : 0;
  settings.samplingOpen = els.sampling.open;
  settings.prosody = els.prosodyToggle.checked;
  saveState();
}

/** Settings → fields. */
export function writeComposer() {
  const settings = state.settings;
  els.title.value = settings.title;
  els.firstLine.value = settings.firstLine;
  for (const input of els.composer.querySelectorAll('input[name="form"]')) {
    /** @type {HTMLInputElement} */ (input).checked = /** @type {HTMLInputElement} */ (input).value === settings.form;
  }
  els.acrostic.value = settings.acrostic;
  els.lineLength.value = String(settings.lineLength);
  els.tones.checked = settings.tones;
  els.rhyme.checked = settings.rhyme;
  els.start.value = settings.start;
  els.rhymeBook.value = userRhymeBook();
  els.temperature.value = String(settings.temperature);
  els.topK.value = String(settings.topK);
  els.topP.value = String(settings.topP);
  els.guidance.value = String(settings.guidance);
  els.noRepeat.checked = settings.noRepeat;
  els.seed.value = String(settings.seed);
  els.sampling.open = settings.samplingOpen;
  els.prosodyToggle.checked = settings.prosody;
  syncComposer();
}

/** Outputs, visibility and pressed states that follow the fields. */
export function syncComposer() {
  els.temperatureOut.textContent = Number(els.temperature.value).toFixed(2);
  els.topKOut.textContent = els.topK.value === '0' ? '∞' : els.topK.value;
  els.topPOut.textContent = Number(els.topP.value).toFixed(2);
  els.guidanceOut.textContent = els.guidance.value === '1' ? '—' : Number(els.guidance.value).toFixed(1);
  const form = selectedForm();
  const ci = form === 'ci';
  els.acrosticField.hidden = form !== 'cangtou' && !ci;
  els.lineLength.hidden = ci;
  const helpKey = ci ? 'acrosticHelpCi' : 'acrosticHelp';
  els.acrosticHelp.dataset.i18n = helpKey;
  els.acrosticHelp.textContent = t(helpKey);
  els.titleField.hidden = ci;
  els.cipaiField.hidden = !ci;
  els.startField.hidden = ci;
  const ciBook = /** @type {HTMLOptionElement} */ (els.rhymeBook.querySelector('option[value="ci"]'));
  ciBook.hidden = !ci;
  els.rhymeBook.disabled = ci;
  if (ci) els.rhymeBook.value = 'ci';
  else if (els.rhymeBook.value === 'ci') els.rhymeBook.value = userRhymeBook();
  const free = form === 'free';
  els.rules.disabled = free;
  els.rules.classList.toggle('muted', free);
  els.seedLock.setAttribute('aria-pressed', String(state.settings.seedLocked));
  if (ci) renderCipaiField();
}

/** The user's rhyme book for 詩 if this site has it, else 中華新韻. */
function userRhymeBook() {
  const book = state.settings.rhymeBook;
  return book !== 'ci' && [...els.rhymeBook.options].some((o) => o.value === book && !o.disabled) ? book : 'xinyun';
}

/** @returns {FormChoice} */
export function composerChoice() {
  const settings = state.settings;
  /** @type {FormChoice} */
  const choice = {
    form: settings.form,
    start: settings.form === 'ci' ? '' : settings.start,
    acrostic: toSimplified(settings.acrostic),
    lineLength: settings.lineLength,
    tones: settings.tones,
    rhyme: settings.rhyme,
  };
  if (settings.form === 'ci') {
    choice.cipai = settings.cipai || DEFAULT_CIPAI;
    choice.variant = settings.cipaiVariant || 0;
  }
  return choice;
}

/** A new random seed, unless the seed is locked. */
export function rollSeed() {
  state.settings.seed = randomSeed();
  els.seed.value = String(state.settings.seed);
}
