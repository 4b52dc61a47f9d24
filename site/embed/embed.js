// The embed page (embed.html), for an <iframe> on any site: one <inkstone-poem> writing a poem
// with the shipped model, or showing a shared one, and a link that opens it in the playground.
//
//   embed.html?form=五言絕句&title=春江&seed=3[&heads=…][&lang=en]   a new poem
//   embed.html[?lang=en]#p1.…                                        a share link's poem
//
// Query values only ever become attributes of the element (never markup); a share link's text
// only ever becomes text. A link that cannot be read shows a message by its error code (the
// "bad link" message) instead of the element's technical one, and the link back then opens an
// empty playground. The page needs no COOP/COEP: the element runs the single-threaded build.
// Who may frame it is the host's CSP header (docs/hosting.md): frame-ancestors cannot be set
// from a <meta> element.
import { formName } from '../web/inkstone-poem.js';
import { decodeShare } from '../share/share-codec.js';

const MODEL = 'assets/models/inkstone-poetry-q8_0.gguf';
const PASSED = /** @type {const} */ (['form', 'title', 'heads', 'seed', 'rhyme-book']);
/** The playground, beside this page. */
const PLAYGROUND = 'index.html';

/** Columns and rows of the regulated forms (embed.css sizes the type to fit them). */
const SHAPES = Object.freeze({ 五言絕句: [4, 6], 七言絕句: [4, 8], 五言律詩: [8, 6], 七言律詩: [8, 8] });
/** Where the element starts a new line (web/inkstone-poem.js). */
const LINE_END = /(?<=[，。？！；])/u;

/** The page's words (Traditional, like the element's own labels). */
const LABELS = Object.freeze({
  zh: {
    open: '在砚中打開',
    home: '砚 · 寫一首詩',
    badLink: {
      share_truncated: '這個分享連結不完整，可能複製時被截斷了。',
      share_corrupted: '這個分享連結已損壞，不能顯示。',
      share_future_version: '這個分享連結來自更新版的砚，這裏讀不懂。',
      share_too_large: '這個分享連結太長，不能顯示。',
      share_malformed: '這個分享連結無法讀取：它不是砚的詩連結，或已損壞。',
    },
  },
  en: {
    open: 'Open in Inkstone',
    home: 'Write a poem in Inkstone',
    badLink: {
      share_truncated: 'This share link is incomplete; it may have been cut off when copied.',
      share_corrupted: 'This share link is damaged and cannot be shown.',
      share_future_version: 'This share link comes from a newer Inkstone; this page cannot read it.',
      share_too_large: 'This share link is too long to show.',
      share_malformed: 'This share link cannot be read: it is not an Inkstone poem link, or it is damaged.',
    },
  },
});

const params = new URLSearchParams(location.search);
const lang = params.get('lang');
if (lang === 'en' || lang === 'zh') document.documentElement.lang = lang;
const labels = LABELS[document.documentElement.lang === 'en' ? 'en' : 'zh'];

const main = /** @type {HTMLElement} */ (document.getElementById('embed'));
const badLink = /** @type {HTMLElement} */ (document.getElementById('bad-link'));
const open = /** @type {HTMLAnchorElement} */ (document.getElementById('open'));
const openText = /** @type {HTMLElement} */ (document.getElementById('open-text'));

const poem = document.createElement('inkstone-poem');
poem.setAttribute('wasm', 'wasm/');
poem.setAttribute('model', MODEL);
for (const name of PASSED) {
  const value = params.get(name);
  if (value !== null) poem.setAttribute(name, value);
}
showShare();
main.prepend(poem);
addEventListener('hashchange', showShare);

/** A share link's fragment replaces the query's poem; the link back opens the same poem. */
function showShare() {
  const fragment = location.hash.length > 1 ? location.hash : '';
  const decoded = fragment ? decodeShare(fragment) : null;
  const playground = new URL(PLAYGROUND, location.href);
  if (decoded && decoded.ok) playground.hash = fragment;
  open.href = playground.href;
  openText.textContent = decoded && decoded.ok ? labels.open : labels.home;
  if (decoded && !decoded.ok) {
    badLink.textContent = labels.badLink[decoded.code] || labels.badLink.share_malformed;
    badLink.dataset.code = decoded.code;
  } else {
    badLink.textContent = '';
    delete badLink.dataset.code;
  }
  badLink.hidden = !(decoded && !decoded.ok);
  main.dataset.badLink = String(!badLink.hidden);
  const title = decoded && decoded.ok ? decoded.state.prompt.title : '';
  if (decoded && decoded.ok) setShape(decoded.state.poem);
  else setShape(null);
  document.title = title ? `${title} · 砚 Inkstone` : '砚 Inkstone';
  if (fragment) poem.setAttribute('share', fragment);
  else poem.removeAttribute('share');
}

/**
 * Tells embed.css the poem's shape: columns and rows of the shared poem's text, else of the
 * query's form (else a 七言律詩's, the widest regulated form).
 * @param {string | null} text
 */
function setShape(text) {
  let shape = SHAPES[/** @type {keyof typeof SHAPES} */ (formName(params.get('form') || ''))] || [8, 8];
  if (text) {
    const lines = text.replace(/\n/g, '').split(LINE_END).filter(Boolean);
    shape = [Math.max(1, lines.length), Math.max(1, ...lines.map((line) => Array.from(line).length))];
  }
  main.style.setProperty('--cols', String(shape[0]));
  main.style.setProperty('--rows', String(shape[1]));
}
