// The embed page (embed.html), for an <iframe> on any site: one <inkstone-poem> writing a poem
// with the shipped model, or showing a shared one.
//
//   embed.html?form=五言絕句&title=春江&seed=3[&heads=…][&lang=en]   a new poem
//   embed.html#p1.…                                                  a share link's poem
//
// Query values only ever become attributes of the element (never markup). The page needs no
// COOP/COEP: the element runs the single-threaded build.
import '../web/inkstone-poem.js';

const MODEL = 'assets/models/inkstone-poetry-q8_0.gguf';
const PASSED = /** @type {const} */ (['form', 'title', 'heads', 'seed', 'rhyme-book']);

const params = new URLSearchParams(location.search);
const lang = params.get('lang');
if (lang === 'en' || lang === 'zh') document.documentElement.lang = lang;

const poem = document.createElement('inkstone-poem');
poem.setAttribute('wasm', 'wasm/');
poem.setAttribute('model', MODEL);
for (const name of PASSED) {
  const value = params.get(name);
  if (value !== null) poem.setAttribute(name, value);
}
showShare();
/** @type {HTMLElement} */ (document.getElementById('embed')).append(poem);
addEventListener('hashchange', showShare);

/** A share link's fragment replaces the query's poem. */
function showShare() {
  if (location.hash.length > 1) poem.setAttribute('share', location.hash);
  else poem.removeAttribute('share');
}
