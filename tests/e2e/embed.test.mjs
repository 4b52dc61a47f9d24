// The embed page (site/embed.html, for an <iframe>) and the share dialog's Embed tab, on the built
// site served without COOP/COEP and with the site's framing policy (docs/hosting.md):
//   - embed.html writes a 五言絕句 from the query (form, title, seed, lang) with <inkstone-poem>,
//     and shows a share link's poem from the fragment, with a link that opens it in the
//     playground; nothing breaks its CSP;
//   - the share dialog's Embed tab: arrow keys move between the tabs, the code is one <iframe>
//     (a hostile title stays an attribute value) whose src decodes back to the same poem, and the
//     copy button puts it on the clipboard; axe finds nothing serious in the tab;
//   - that code pasted into a page of another origin (a second loopback port; plain, and
//     crossOriginIsolated) shows the poem in the frame, while the playground refuses to be framed
//     there (frame-ancestors 'self');
//   - hostile share links: markup in the title and poem stays text and runs nothing; links that
//     cannot be read show the "bad link" message by their code, and no poem.
//   node --test tests/e2e/embed.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { missingBuilds } from '../js/support/paths.mjs';
import { missingFiles, requireOrSkip } from '../js/support/require.mjs';
import { canRunChromium, launchBrowser } from '../../tools/lib/chromium.mjs';
import { startServer } from '../../tools/lib/static-server.mjs';
import { DEFAULT_MODEL, ROOT, buildSite, serveSite, watchPage } from './playground-server.mjs';
import { openPlaygroundPage } from './playground-page.mjs';
import { runAxe, seriousViolations, formatViolations } from './support/axe.mjs';
import { encodeShare, decodeShare } from '../../site/share/share-codec.js';

const skip = requireOrSkip(missingBuilds('inkstone'), missingFiles(ROOT, DEFAULT_MODEL), canRunChromium());

/** 五言絕句 by its definition: four lines of five Han characters, each ended by punctuation. */
const WUJUE = /^(?:\p{Script=Han}{5}[，。？！；]){4}$/u;

/** What embed.html says for a link it cannot read (site/embed/embed.js), by code. */
const BAD_LINK = {
  zh: {
    share_corrupted: '這個分享連結已損壞，不能顯示。',
    share_truncated: '這個分享連結不完整，可能複製時被截斷了。',
    share_malformed: '這個分享連結無法讀取：它不是砚的詩連結，或已損壞。',
  },
  en: { share_corrupted: 'This share link is damaged and cannot be shown.' },
};

// Every payload sets window.__pwned or opens a dialog if it ever runs.
const PAYLOADS = [
  '<img src=x onerror="window.__pwned=1;alert(1)">',
  '<script>window.__pwned=2</script>',
  '"><svg onload="window.__pwned=3">',
  "'><iframe srcdoc=\"<script>parent.__pwned=4</script>\">",
];

/**
 * A share state (the shape site/app/share-link.js writes).
 * @param {string} title
 * @param {string} poem
 */
function shareOf(title, poem) {
  return {
    modelId: 'test', prompt: { title }, poem,
    form: { preset: 'wuyan-jueju', tones: true, rhyme: true, rhymeBook: 'xinyun' },
    sampling: { temperature: 0.8, topK: 40, topP: 0.95, seed: 7, guidance: 2.5, noRepeat: true },
  };
}

/** A poem as the playground writes it into a link: one line per clause (forms.js formatPoem). */
const JINGYESI = shareOf('静夜思', '床前明月光，\n疑是地上霜。\n举头望明月，\n低头思故乡。');

/** @type {string} */
let site = '';
/** @type {Awaited<ReturnType<typeof serveSite>> | null} the site without COOP/COEP */
let server = null;
/** @type {Awaited<ReturnType<typeof serveSite>> | null} the site with COOP/COEP (make serve) */
let isolatedServer = null;
/** @type {string} a folder of host pages, served from other origins */
let hostDir = '';
/** @type {import('../../tools/lib/static-server.mjs').StaticServer | null} */
let host = null;
/** @type {import('../../tools/lib/static-server.mjs').StaticServer | null} a crossOriginIsolated host */
let isolatedHost = null;
/** @type {import('playwright-core').Browser | null} */
let browser = null;

before(async () => {
  if (skip) return;
  site = await buildSite();
  server = await serveSite(site, { isolated: false });
  isolatedServer = await serveSite(site, { isolated: true });
  hostDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'inkstone-host-'));
  host = await startServer({ root: hostDir });
  isolatedHost = await startServer({ root: hostDir, isolated: true });
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  for (const s of [server, isolatedServer, host, isolatedHost]) if (s) await s.close();
  if (site) await fsp.rm(site, { recursive: true, force: true });
  if (hostDir) await fsp.rm(hostDir, { recursive: true, force: true });
});

/** The embed page's state, read inside its document (top level or a frame). */
function readEmbed() {
  const el = /** @type {any} */ (document.querySelector('inkstone-poem'));
  const root = el.shadowRoot;
  const status = root.querySelector('.status');
  const badLink = /** @type {HTMLElement} */ (document.getElementById('bad-link'));
  const open = /** @type {HTMLAnchorElement} */ (document.getElementById('open'));
  return {
    state: el.getAttribute('data-state'),
    status: status.textContent,
    statusShown: getComputedStyle(status).display !== 'none',
    text: el.text,
    title: root.querySelector('.title').textContent,
    label: root.querySelector('canvas').getAttribute('aria-label'),
    badLink: badLink.hidden ? null : badLink.textContent,
    badLinkCode: badLink.dataset.code ?? null,
    open: { href: open.href, target: open.target, rel: open.rel, text: open.textContent },
    isolated: crossOriginIsolated,
    origin: location.origin,
    pwned: /** @type {any} */ (window).__pwned ?? null,
    // Elements that markup from a link would have made, in the page or the element.
    injected: [document.body, root].reduce((n, r) => n + r.querySelectorAll('img, script, svg, iframe, a[href^="javascript:"]').length, 0),
    violations: /** @type {any} */ (window).__violations ?? [],
  };
}

/**
 * @param {import('playwright-core').Page | import('playwright-core').Frame} where
 * @param {number} [timeout]  a shared poem needs no model: seconds, not minutes
 */
async function waitForEmbed(where, timeout = 240_000) {
  await where.waitForFunction(() => {
    const el = document.querySelector('inkstone-poem');
    return !!el && ['done', 'error'].includes(el.getAttribute('data-state') || '');
  }, undefined, { timeout });
}

/**
 * Opens a URL of the embed page, waits for the element to finish, reads what it shows.
 * @param {string} query
 * @param {{axe?: boolean}} [options]  axe: also run axe-core on the page
 */
async function open(query, options = {}) {
  const context = await /** @type {import('playwright-core').Browser} */ (browser).newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  const problems = watchPage(page);
  /** @type {string[]} */
  const dialogs = [];
  /** @type {string[]} */
  const requests = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('request', (r) => requests.push(r.url()));
  await page.addInitScript(() => {
    /** @type {any} */ (window).__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      /** @type {any} */ (window).__violations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  await page.goto(`${/** @type {any} */ (server).url}embed.html${query}`);
  await waitForEmbed(page);
  await page.waitForTimeout(100); // a payload that ran late would show by now
  const seen = await page.evaluate(readEmbed);
  const axe = options.axe ? seriousViolations(await runAxe(page)) : [];
  await context.close();
  return { ...seen, problems, dialogs, requests, axe };
}

test('embed.html?form=五言絕句&title=春江&seed=3 writes a 五言絕句 without COOP/COEP', { skip, timeout: 300_000 }, async () => {
  const seen = await open(`?form=${encodeURIComponent('五言絕句')}&title=${encodeURIComponent('春江')}&seed=3&lang=en`);
  assert.equal(seen.state, 'done', `written (status: ${seen.status})`);
  assert.equal(seen.isolated, false);
  assert.equal(seen.title, '春江');
  assert.match(seen.text, WUJUE, `a 五言絕句: ${seen.text}`);
  assert.equal(seen.label, 'Ink painting: 春江', 'lang=en');
  assert.deepEqual(seen.violations, [], 'no CSP violation (the element adopts its stylesheet)');
  assert.deepEqual(seen.problems, []);
});

test('embed.html#<share link> shows the shared poem, and a link that opens it in the playground', { skip, timeout: 120_000 }, async () => {
  const fragment = encodeShare({ ...JINGYESI, prompt: { title: '<b>静夜思</b>' } });
  const seen = await open(fragment, { axe: true });
  assert.equal(seen.state, 'done');
  assert.equal(seen.title, '<b>静夜思</b>', 'a title from a link is text, never markup');
  assert.equal(seen.text, '床前明月光，疑是地上霜。举头望明月，低头思故乡。');
  assert.equal(seen.label, '水墨畫: <b>静夜思</b>', 'the page is Chinese by default');
  assert.equal(seen.badLink, null);
  assert.equal(seen.statusShown, false, 'a finished poem needs no status line');
  assert.deepEqual(seen.open, {
    href: `${/** @type {any} */ (server).url}index.html${fragment}`, target: '_blank', rel: 'noopener', text: '在砚中打開 ↗',
  });
  assert.deepEqual(seen.violations, []);
  assert.deepEqual(seen.problems, []);
  assert.deepEqual(seen.axe, [], formatViolations(seen.axe, 'embed.html, a shared poem'));
});

test('embed.html: markup in a share link stays text and runs nothing', { skip, timeout: 120_000 }, async () => {
  for (const payload of PAYLOADS) {
    const poem = `${payload}\n${payload}，春風。`;
    const fragment = encodeShare(shareOf(payload, poem));
    const seen = await open(fragment);
    assert.equal(seen.state, 'done', payload);
    assert.equal(seen.title, payload, 'the title is the payload, as text');
    assert.equal(seen.text, poem.replace(/\n/g, ''), 'the poem is the payload, as text');
    assert.equal(seen.pwned, null, `${payload}: a script ran`);
    assert.deepEqual(seen.dialogs, [], `${payload}: a dialog opened`);
    assert.equal(seen.injected, 0, `${payload}: markup from the link became elements`);
    assert.ok(!seen.requests.some((u) => /\/x$/.test(u)), `${payload}: the injected <img src=x> was fetched`);
    assert.deepEqual(seen.violations, [], `${payload}: CSP violations (markup reached the DOM)`);
    assert.deepEqual(seen.problems, [], payload);
  }
});

test('embed.html: a link it cannot read shows the bad-link message and no poem; nothing runs', { skip, timeout: 120_000 }, async () => {
  const good = encodeShare(JINGYESI);
  const cases = [
    ['corrupted', `${good.slice(0, 20)}${good[20] === 'A' ? 'B' : 'A'}${good.slice(21)}`, 'share_corrupted'],
    ['cut off', good.slice(0, good.length - 7), 'share_truncated'],
    ['script in the fragment', '#p1.<script>window.__pwned=1</script>', 'share_malformed'],
    ['markup in the fragment', '#<img src=x onerror="window.__pwned=1;alert(1)">', 'share_malformed'],
  ];
  const base = /** @type {any} */ (server).url;
  for (const [what, fragment, code] of cases) {
    const seen = await open(fragment, { axe: what === 'corrupted' });
    assert.equal(seen.badLinkCode, code, what);
    assert.equal(seen.badLink, BAD_LINK.zh[/** @type {keyof typeof BAD_LINK.zh} */ (code)], what);
    assert.equal(seen.state, 'error', `${what}: the element shows no poem`);
    assert.equal(seen.text, '');
    assert.equal(seen.statusShown, false, `${what}: the element's technical message gives way to the bad-link one`);
    assert.deepEqual(seen.open, { href: `${base}index.html`, target: '_blank', rel: 'noopener', text: '砚 · 寫一首詩 ↗' }, `${what}: the link back opens an empty playground`);
    assert.equal(seen.pwned, null, `${what}: a script ran`);
    assert.deepEqual(seen.dialogs, [], what);
    assert.equal(seen.injected, 0, what);
    assert.ok(!seen.requests.some((u) => /\/x$/.test(u)), `${what}: a request left for an injected URL`);
    assert.deepEqual(seen.violations, [], what);
    assert.deepEqual(seen.problems, [], what);
    assert.deepEqual(seen.axe, [], formatViolations(seen.axe, `embed.html, a ${what} link`));
  }
  const english = await open(`?lang=en${cases[0][1]}`);
  assert.equal(english.badLink, BAD_LINK.en.share_corrupted);
  assert.equal(english.open.text, 'Write a poem in Inkstone ↗');
});

/**
 * Opens the playground on a share link, opens the share dialog on its Embed tab and reads the
 * code. The caller closes the context.
 * @param {string} base  the site's URL
 * @param {string} fragment
 * @param {'zh' | 'en'} lang  the interface language (saved settings, as the toggle leaves them)
 */
async function embedCode(base, fragment, lang) {
  const opened = await openPlaygroundPage(/** @type {import('playwright-core').Browser} */ (browser), `${base}${fragment}`, {
    beforeGoto: (page) =>
      page.addInitScript((l) => {
        if (!localStorage.getItem('inkstone.playground.v1')) localStorage.setItem('inkstone.playground.v1', JSON.stringify({ lang: l }));
      }, lang),
  });
  const { page } = opened;
  await page.waitForFunction(() => document.body.dataset.run === 'shared', null, { timeout: 30_000 });
  await page.click('#share');
  await page.waitForSelector('#share-dialog[open]');
  await page.click('#share-tab-embed');
  await page.waitForSelector('#share-panel-embed:not([hidden])');
  return { ...opened, code: await page.inputValue('#share-embed-code') };
}

/**
 * An HTML snippet as a browser parses it (DOMParser runs nothing): the elements and the
 * attributes of the first. Parsed in a blank page of the context (a parsed document inherits
 * its page's CSP, and the playground's would report the snippet's style attribute).
 * @param {import('playwright-core').BrowserContext} context
 * @param {string} code
 */
async function parseSnippet(context, code) {
  const blank = await context.newPage();
  const parsed = await blank.evaluate((html) => {
    const doc = new DOMParser().parseFromString(html, 'text/html');
    const first = doc.body.firstElementChild;
    return {
      nodes: doc.body.childNodes.length,
      elements: [...doc.head.querySelectorAll('*'), ...doc.body.querySelectorAll('*')].map((e) => e.tagName),
      attributes: first ? Object.fromEntries([...first.attributes].map((a) => [a.name, a.value])) : {},
    };
  }, code);
  await blank.close();
  return parsed;
}

test("share dialog: the Embed tab's code is one <iframe> of embed.html with the same poem, and it copies", { skip, timeout: 180_000 }, async () => {
  const base = /** @type {any} */ (server).url;
  const title = '春江 "夜" <b>&amp;</b>';
  const shared = shareOf(title, '春江潮水平，\n明月海上生。\n波光千万里，\n何处不月明。');
  const fragment = encodeShare(shared);
  const { context, page, problems, code } = await embedCode(base, fragment, 'zh');
  try {
    // Tabs: the selected one is the only one in the tab order; arrows, Home and End move.
    const tabs = () => page.evaluate(() => ({
      selected: ['link', 'embed'].filter((n) => document.getElementById(`share-tab-${n}`)?.getAttribute('aria-selected') === 'true'),
      visible: ['link', 'embed'].filter((n) => !document.getElementById(`share-panel-${n}`)?.hidden),
      focused: document.activeElement?.id,
      inTabOrder: ['link', 'embed'].filter((n) => /** @type {HTMLElement} */ (document.getElementById(`share-tab-${n}`)).tabIndex === 0),
    }));
    assert.deepEqual(await tabs(), { selected: ['embed'], visible: ['embed'], focused: 'share-tab-embed', inTabOrder: ['embed'] });
    await page.keyboard.press('ArrowLeft');
    assert.deepEqual(await tabs(), { selected: ['link'], visible: ['link'], focused: 'share-tab-link', inTabOrder: ['link'] });
    await page.keyboard.press('End');
    assert.deepEqual(await tabs(), { selected: ['embed'], visible: ['embed'], focused: 'share-tab-embed', inTabOrder: ['embed'] });

    // The code: one <iframe>, its title the poem's (text in an attribute, however hostile).
    const parsed = await parseSnippet(context, code);
    assert.equal(parsed.nodes, 1, code);
    assert.deepEqual(parsed.elements, ['IFRAME'], code);
    const a = parsed.attributes;
    assert.deepEqual(Object.keys(a).sort(), ['height', 'loading', 'src', 'style', 'title', 'width']);
    assert.equal(a.title, `砚：${title}`);
    assert.deepEqual([a.width, a.height], ['360', '480'], 'a 3:4 frame');
    assert.match(a.style, /aspect-ratio:\s*3\s*\/\s*4/);
    // Its src: embed.html beside the playground; the fragment decodes to the same poem.
    const src = new URL(a.src);
    assert.equal(`${src.origin}${src.pathname}${src.search}`, `${base}embed.html`);
    const decoded = decodeShare(src.hash);
    assert.ok(decoded.ok, `the fragment decodes: ${decoded.ok ? '' : decoded.message}`);
    const { v, ...round } = decoded.state;
    assert.deepEqual(round, shared, 'the embed code carries the shared poem');
    assert.equal(src.hash, new URL(await page.inputValue('#share-url')).hash, 'the same fragment as the share link');
    assert.equal(await page.getAttribute('#share-embed-preview', 'href'), a.src, 'the preview opens the same page');

    // Copy: the clipboard holds the code, and the status says so.
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(base).origin });
    await page.click('#share-embed-copy');
    await page.waitForFunction(() => document.getElementById('share-status')?.textContent !== '');
    assert.equal(await page.textContent('#share-status'), '嵌入代码已复制。');
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), code);

    const violations = seriousViolations(await runAxe(page, { include: '#share-dialog' }));
    assert.deepEqual(violations, [], formatViolations(violations, 'share dialog, Embed tab'));
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('the Embed code on a page of another origin shows the poem; the playground cannot be framed there', { skip, timeout: 180_000 }, async () => {
  const fragment = encodeShare(JINGYESI);
  for (const [what, site, hostServer] of /** @type {const} */ ([
    ['plain host', server, host],
    ['crossOriginIsolated host', isolatedServer, isolatedHost],
  ])) {
    const base = /** @type {any} */ (site).url;
    const made = await embedCode(base, fragment, 'en');
    const src = new URL((await parseSnippet(made.context, made.code)).attributes.src);
    await made.context.close();
    assert.equal(`${src.origin}${src.pathname}${src.search}`, `${base}embed.html?lang=en`, 'the English interface asks for English labels');
    assert.equal(src.hash, fragment, 'the shared poem');
    const file = `host-${what.split(' ')[0]}.html`;
    await fsp.writeFile(path.join(hostDir, file), [
      '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A blog</title></head><body>',
      `<p>A poem I like:</p>${made.code}`,
      `<iframe id="playground" src="${base}index.html" title="the playground" width="400" height="300"></iframe>`,
      '</body></html>',
    ].join('\n'));

    const context = await /** @type {import('playwright-core').Browser} */ (browser).newContext({ serviceWorkers: 'block' });
    const page = await context.newPage();
    /** @type {string[]} */
    const consoleErrors = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    try {
      await page.goto(`${/** @type {any} */ (hostServer).url}/${file}`);
      const hostPage = await page.evaluate(() => ({ origin: location.origin, isolated: crossOriginIsolated }));
      assert.equal(hostPage.isolated, what === 'crossOriginIsolated host', what);
      const embed = await (await page.$('iframe[src*="embed.html"]'))?.contentFrame();
      assert.ok(embed, `${what}: the embed frame`);
      await waitForEmbed(embed, 20_000);
      const seen = await embed.evaluate(readEmbed);
      assert.notEqual(seen.origin, hostPage.origin, `${what}: the frame is another origin`);
      assert.equal(seen.origin, new URL(base).origin);
      assert.equal(seen.state, 'done', `${what}: ${seen.status}`);
      assert.equal(seen.title, '静夜思');
      assert.equal(seen.text, '床前明月光，疑是地上霜。举头望明月，低头思故乡。');
      assert.equal(seen.label, 'Ink painting: 静夜思', `${what}: lang=en`);
      assert.deepEqual(seen.open, { href: `${base}index.html${fragment}`, target: '_blank', rel: 'noopener', text: 'Open in Inkstone ↗' });
      assert.deepEqual(seen.violations, []);
      const box = await (await page.$('iframe[src*="embed.html"]'))?.boundingBox();
      assert.deepEqual(box && [box.width, box.height], [360, 480], `${what}: the frame is 360 × 480`);

      // The playground says frame-ancestors 'self': the browser refuses to show it here.
      const playground = await (await page.$('#playground'))?.contentFrame();
      const framed = await playground?.evaluate(() => !!document.getElementById('composer')).catch(() => false);
      assert.equal(framed, false, `${what}: the playground showed inside another origin's page`);
      if (what === 'plain host') {
        assert.ok(consoleErrors.some((e) => /frame-ancestors 'self'/.test(e)), `refused by frame-ancestors: ${consoleErrors.join(' | ')}`);
      }
    } finally {
      await context.close();
    }
  }
});
