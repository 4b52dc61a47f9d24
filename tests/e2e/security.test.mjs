// Web security of the built site, in headless Chromium:
//   - every page (site/*.html) carries a Content-Security-Policy whose script-src has no
//     'unsafe-inline' / 'unsafe-eval' and no host wildcards; pages have no inline scripts,
//     inline event handlers or javascript: URLs (checked on the files);
//   - the CSP is enforced: markup injected through innerHTML on the live page runs nothing;
//   - share links carrying script-injection attempts in every text field are shown as text
//     (also after a reload, when the settings the link wrote come back from storage), oversize
//     and malformed links (bad alphabet, percent-escapes, invalid UTF-8 / odd UTF-16 / overlong
//     numbers / unknown flags behind a correct checksum, future versions) end in a clear notice
//     with its stable code — and in no case does a script run: a window.__pwned sentinel stays
//     undefined, no dialog opens, no CSP violation is reported, no request leaves for an
//     injected URL;
//   - the classroom page's own fragment format gets the same hostile inputs.
// The site is built with tools/site/build.mjs into a temporary folder; the tiny fixture model
// stands in for the default model (these tests never generate).
//   node --test tests/e2e/security.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { buildSite, serveSite, launchBrowser, ROOT } from './playground-server.mjs';
import { canRunChromium } from './server.mjs';
import { missingFiles, requireOrSkip } from '../js/support/require.mjs';
import { eachLimited } from '../js/support/each-limited.mjs';
import { encodeShare, crc32, MAX_FRAGMENT_LENGTH, SHARE_VERSION } from '../../site/share/share-codec.js';

const WASM = path.join(ROOT, 'build-wasm/wasm_bindings/inkstone.wasm');
const skip = requireOrSkip(canRunChromium(), missingFiles(ROOT, WASM));
const STAND_IN_MODEL = path.join(ROOT, 'tests/fixtures/models/tiny-llama-f32.gguf');

// Every payload sets window.__pwned or opens a dialog if it ever runs.
const PAYLOADS = [
  '<img src=x onerror="window.__pwned=1;alert(1)">',
  '<script>window.__pwned=2</script>',
  '"><svg onload="window.__pwned=3">',
  "'><iframe srcdoc=\"<script>parent.__pwned=4</script>\">",
  '</textarea></title><style>*{}</style><a href="javascript:window.__pwned=5">x</a>',
  '{{constructor.constructor("window.__pwned=6")()}}',
  '${window.__pwned=7}',
];

/** A valid share state with `text` in every free-text field. */
function hostileState(text, preset = 'wuyan-jueju') {
  return {
    modelId: 'test',
    prompt: { title: text.slice(0, 200), firstLine: text.slice(0, 200) },
    form: { preset, acrostic: text.slice(0, 64), tones: true, rhyme: true, rhymeBook: 'xinyun' },
    sampling: { temperature: 0.8, topK: 40, topP: 0.95, seed: 7 },
    poem: `${text}\n${text}，春風。`,
  };
}

// ---------------------------------------------------------------- crafted frames
function varint(n) {
  const out = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}
/** UTF-8 string field as the codec writes it. */
const str = (s) => {
  const b = [...Buffer.from(s, 'utf8')];
  return [...varint(b.length * 2), ...b];
};
/** A link with a correct length and checksum around any body bytes. */
function framed(body, version = 1) {
  const bytes = [...varint(body.length), ...body];
  const c = crc32(Uint8Array.from([version, ...bytes]));
  bytes.push(c >>> 24, (c >>> 16) & 0xff, (c >>> 8) & 0xff, c & 0xff);
  return `#p${version}.${Buffer.from(bytes).toString('base64url')}`;
}
/** Body fields after the flags, with `poem` given as raw field bytes. */
const tail = (poemField) => [...str('test'), ...str('t'), ...str('wuyan-jueju'), ...str('xinyun'),
  ...varint(1600), ...varint(40), ...varint(1900), ...varint(7), ...poemField];

const good = encodeShare(hostileState('明月'));
const goodBody = good.slice(good.indexOf('.') + 1);

/** [name, fragment, expected notice code] */
const BAD_LINKS = [
  ['oversize (9,000 characters)', `#p1.${'A'.repeat(9000)}`, 'share_too_large'],
  ['oversize (200,000 characters)', `#p1.${goodBody.repeat(Math.ceil(200_000 / goodBody.length))}`, 'share_too_large'],
  ['one past the limit', `#p1.${'A'.repeat(MAX_FRAGMENT_LENGTH - 3)}`, 'share_too_large'],
  ['markup in the fragment', '#p1.<img src=x onerror=window.__pwned=1>', 'share_malformed'],
  ['percent-escaped markup', '#p1.%3Cscript%3Ewindow.__pwned%3D1%3C%2Fscript%3E', 'share_malformed'],
  ['javascript: URL', '#javascript:window.__pwned=1', 'share_malformed'],
  ['emoji and RTL override', '#p1.\u{1F600}\u202eAAAA', 'share_malformed'],
  ['base64 padding', `${good}==`, 'share_malformed'],
  ['standard base64 alphabet', good.replace(/-/g, '+').replace(/_/g, '/') + '+/', 'share_malformed'],
  ['cut off', good.slice(0, good.length - 7), 'share_truncated'],
  ['corrupted', good.slice(0, 20) + (good[20] === 'A' ? 'B' : 'A') + good.slice(21), 'share_corrupted'],
  ['future version', good.replace(/^#p\d+\./, `#p${SHARE_VERSION + 1}.`), 'share_future_version'],
  ['invalid UTF-8 behind a correct checksum', framed([0, ...tail([...varint(4 * 2), 0xc0, 0xaf, 0xed, 0xa0])]), 'share_malformed'],
  ['odd UTF-16 behind a correct checksum', framed([0, ...tail([...varint(3 * 2 + 1), 0x4e, 0x00, 0x41])]), 'share_malformed'],
  ['lone surrogate behind a correct checksum', framed([0, ...tail([...varint(2 * 2 + 1), 0xd8, 0x3d])]), 'share_malformed'],
  ['NUL character behind a correct checksum', framed([0, ...tail(str('a\u0000<script>'))]), 'share_malformed'],
  ['overlong number behind a correct checksum', framed([0x80, 0x80, 0x00, ...tail(str('a'))]), 'share_malformed'],
  ['unknown flags behind a correct checksum', framed([0x70, ...tail(str('a'))]), 'share_malformed'],
  ['string length past the end behind a correct checksum', framed([0, ...str('test'), ...varint(1_000_000)]), 'share_malformed'],
  ['non-finite number behind a correct checksum', framed([0, ...str('test'), ...str('t'), ...str('wuyan-jueju'), ...str('xinyun'), 1, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0, ...varint(40), ...varint(1900), ...varint(7), ...str('a')]), 'share_malformed'],
];

// Each case opens its own context; this many are open at once.
const CASES_AT_ONCE = 4;

/** @type {string} */
let siteDir = '';
/** @type {Awaited<ReturnType<typeof serveSite>>} */
let server;
/** @type {import('playwright-core').Browser} */
let browser;

before(async () => {
  if (skip) return;
  siteDir = await buildSite({ model: STAND_IN_MODEL });
  server = await serveSite(siteDir, { basePath: '/inkstone/' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (siteDir) fs.rmSync(siteDir, { recursive: true, force: true });
});

/**
 * Opens a page of the built site in a fresh context, recording every sign of script running.
 * @param {string} pagePath e.g. 'index.html#p1.…'
 */
async function openWatched(pagePath) {
  const context = await browser.newContext({ locale: 'zh-CN' });
  // Before any page script: collect CSP violations (an injected inline script or handler that
  // reached the DOM would be reported here even though the CSP stops it).
  await context.addInitScript(() => {
    /** @type {any} */ (window).__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      /** @type {any} */ (window).__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`);
    });
  });
  const page = await context.newPage();
  const watch = { dialogs: /** @type {string[]} */ ([]), errors: /** @type {string[]} */ ([]), requests: /** @type {string[]} */ ([]) };
  page.on('dialog', (d) => {
    watch.dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('pageerror', (e) => watch.errors.push(e.message));
  page.on('request', (r) => watch.requests.push(r.url()));
  await page.goto(`${server.url}${pagePath}`);
  return { context, page, watch };
}

/** Asserts that nothing ran: sentinel, dialogs, CSP violations, stray requests, page errors. */
async function assertNothingRan(page, watch, what) {
  const seen = await page.evaluate(() => ({
    pwned: /** @type {any} */ (window).__pwned,
    violations: /** @type {any} */ (window).__violations,
    // Elements that injected markup would have made inside the app.
    injected: document.querySelectorAll('body img[src="x"], body iframe, body svg[onload], body a[href^="javascript:"], body script:not([src])').length,
  }));
  assert.equal(seen.pwned, undefined, `${what}: a script ran`);
  assert.deepEqual(watch.dialogs, [], `${what}: a dialog opened`);
  assert.deepEqual(seen.violations, [], `${what}: CSP violations (markup reached the DOM)`);
  assert.equal(seen.injected, 0, `${what}: markup from the link became elements`);
  assert.ok(!watch.requests.some((u) => /\/x$|javascript:/.test(u)), `${what}: a request left for an injected URL`);
  assert.deepEqual(watch.errors, [], `${what}: page errors`);
}

test('every page has a CSP without unsafe-inline scripts, and no inline script or handler', () => {
  const pages = fs.readdirSync(path.join(ROOT, 'site')).filter((f) => f.endsWith('.html'));
  assert.ok(pages.includes('index.html'), 'site/index.html exists');
  for (const file of pages) {
    const html = fs.readFileSync(path.join(ROOT, 'site', file), 'utf8');
    const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/i.exec(html);
    assert.ok(meta, `${file}: no Content-Security-Policy meta`);
    const directives = new Map(meta[1].split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([k, ...v]) => [k, v]));
    const scriptSrc = directives.get('script-src') ?? directives.get('default-src');
    assert.ok(scriptSrc, `${file}: neither script-src nor default-src`);
    for (const bad of ["'unsafe-inline'", "'unsafe-eval'", '*', 'data:', 'blob:', 'http:', 'https:']) {
      assert.ok(!scriptSrc.includes(bad), `${file}: script-src allows ${bad}`);
    }
    assert.deepEqual(directives.get('object-src'), ["'none'"], `${file}: object-src`);
    assert.deepEqual(directives.get('base-uri'), ["'none'"], `${file}: base-uri`);
    // The CSP must come before the first script so that it governs all of them.
    assert.ok(html.indexOf(meta[0]) < html.search(/<script/i), `${file}: CSP meta after a script`);
    for (const tag of html.match(/<script\b[^>]*>/gi) ?? []) assert.match(tag, /\ssrc=/, `${file}: inline script ${tag}`);
    assert.doesNotMatch(html, /\son[a-z]+\s*=/i, `${file}: inline event handler`);
    assert.doesNotMatch(html, /javascript:/i, `${file}: javascript: URL`);
  }
});

test('the CSP is enforced on the live page: injected markup runs nothing', { skip }, async () => {
  const { context, page, watch } = await openWatched('index.html');
  await page.waitForFunction(() => document.body.dataset.run !== undefined);
  await page.evaluate((payloads) => {
    const box = document.createElement('div');
    box.id = 'csp-probe';
    box.innerHTML = payloads.join('');
    document.body.append(box);
    const s = document.createElement('script');
    s.textContent = 'window.__pwned = "inline"';
    document.body.append(s);
  }, PAYLOADS);
  await page.waitForTimeout(300);  // let image errors and iframes settle
  const seen = await page.evaluate(() => ({ pwned: /** @type {any} */ (window).__pwned, violations: /** @type {any} */ (window).__violations.length }));
  assert.equal(seen.pwned, undefined, 'injected markup ran despite the CSP');
  assert.ok(seen.violations > 0, 'the CSP reported nothing: is it in force?');
  assert.deepEqual(watch.dialogs, []);
  await context.close();
});

test('script injection in every text field of a share link stays text, also after a reload', { skip }, async () => {
  await eachLimited(PAYLOADS, CASES_AT_ONCE, async (payload) => {
    const fragment = encodeShare(hostileState(payload));
    const { context, page, watch } = await openWatched(`index.html${fragment}`);
    await page.waitForFunction(() => document.body.dataset.run === 'shared' || document.body.dataset.run === 'error', null, { timeout: 15_000 });
    assert.equal(await page.evaluate(() => document.body.dataset.run), 'shared', payload);
    assert.equal(await page.textContent('#poem-heading'), payload.slice(0, 200));
    assert.ok((await page.textContent('#poem-body'))?.includes('春風'), 'the poem is shown');
    await page.waitForTimeout(200);
    await assertNothingRan(page, watch, payload);
    // The link wrote title/first line/acrostic into the composer and the stored settings; a
    // reload without the fragment shows them again from storage.
    await page.goto(`${server.url}index.html`);
    await page.waitForFunction(() => document.body.dataset.run !== undefined);
    await page.waitForTimeout(200);
    await assertNothingRan(page, watch, `${payload} (reloaded)`);
    await context.close();
  });
});

test('oversize and malformed links show a clear notice with their code; nothing runs', { skip }, async () => {
  await eachLimited(BAD_LINKS, CASES_AT_ONCE, async ([name, fragment, code]) => {
    const { context, page, watch } = await openWatched(`index.html${fragment}`);
    await page.waitForFunction(() => document.body.dataset.run === 'error' || document.body.dataset.run === 'shared', null, { timeout: 15_000 });
    const shown = await page.evaluate(() => ({
      run: document.body.dataset.run,
      code: document.getElementById('notice')?.dataset.code,
      hidden: document.getElementById('notice')?.hidden,
      text: document.getElementById('notice-text')?.textContent ?? '',
    }));
    assert.equal(shown.run, 'error', name);
    assert.equal(shown.code, code, name);
    assert.equal(shown.hidden, false, `${name}: the notice is not visible`);
    assert.ok(shown.text.length > 0, `${name}: empty notice`);
    assert.ok(!shown.text.includes('<') && !/p\d+\./.test(shown.text), `${name}: the notice echoes the link: ${shown.text}`);
    await assertNothingRan(page, watch, name);
    await context.close();
  });
});

test('a hostile link arriving by hashchange on an open page is handled the same way', { skip }, async () => {
  const { context, page, watch } = await openWatched('index.html');
  // The page listens for hashchange once it is wired up (after the model has loaded).
  await page.waitForFunction(() => document.body.dataset.model && document.body.dataset.model !== 'loading', null, { timeout: 30_000 });
  for (const [name, fragment, code] of BAD_LINKS.slice(0, 8)) {
    await page.evaluate((f) => {
      location.hash = f;
    }, fragment);
    await page.waitForFunction((c) => document.getElementById('notice')?.dataset.code === c, code, { timeout: 10_000 });
    await page.evaluate(() => {
      delete document.getElementById('notice')?.dataset.code;
    });
    await assertNothingRan(page, watch, `${name} (hashchange)`);
  }
  await context.close();
});

test('the classroom page ignores hostile fragments safely', { skip: requireOrSkip(skip, missingFiles(ROOT, path.join(ROOT, 'site/classroom.html'))) }, async () => {
  const fragments = [
    `#c=1&f=${encodeURIComponent(PAYLOADS[0])}&t=${encodeURIComponent(PAYLOADS[1])}&s=1`,
    `#c=1&t=${encodeURIComponent(PAYLOADS[2])}&x=${'z'.repeat(10000)}&n=99999999`,
    '#c=1&s=1e309&T=-1&k=NaN&p=Infinity&l=-5&h=999&x=....&n=-1',
    `#${'%'.repeat(5000)}`,
    BAD_LINKS[3][1],
  ];
  await eachLimited(fragments, CASES_AT_ONCE, async (fragment) => {
    const { context, page, watch } = await openWatched(`classroom.html${fragment}`);
    await page.waitForLoadState('load');
    await page.waitForTimeout(500);
    await assertNothingRan(page, watch, `classroom ${fragment.slice(0, 40)}`);
    await context.close();
  });
});
