// The npm package (tools/package/build.mjs, `make package`) as a stranger gets it: built into a
// temporary folder, packed with `npm pack`, installed from the tarball (offline) into a fresh
// project under the system's temp folder, which sees nothing of the repository but the poetry
// model and prosody tables copied into it. Then used three ways:
//   (a) Node: createNodeInkstone() writes a 五言絕句 with the packaged wasm; the text is checked
//       against the form's definition (4 lines of 5 characters, lines 2 and 4 rhyming by the
//       rhyme book read here), not against the runtime's own analyser;
//   (b) a plain HTML page in headless Chromium, served without COOP/COEP, with
//       <inkstone-poem form="五言絕句" title="春江" seed="3" model="…">: the poem appears in the
//       shadow root, keeps the form, equals the Node poem written with the same options, is
//       painted; page styles do not reach in and the element's do not leak out; reduced motion
//       means no animated characters; labels follow the language;
//   (c) tsc type-checks a consumer TypeScript file against the shipped .d.ts, and a file with a
//       deliberate type error fails.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { ROOT, POETRY_MODEL, PROSODY, missingBuilds } from '../js/support/paths.mjs';
import { missingFiles, requireOrSkip } from '../js/support/require.mjs';
import { canRunChromium, launchBrowser } from '../../tools/lib/chromium.mjs';
import { startServer } from '../../tools/lib/static-server.mjs';
import { encodeShare } from '../../site/share/share-codec.js';

const run = promisify(execFile);
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');
const TABLES = ['tones.tsv', 'rhyme-xinyun.tsv'];

const needs = [
  missingBuilds('inkstone', 'inkstone-mt'),
  missingFiles(ROOT, POETRY_MODEL, TSC, ...TABLES.map((t) => path.join(PROSODY, t))),
];
const skip = requireOrSkip(...needs);
const skipBrowser = requireOrSkip(...needs, canRunChromium());

/** 五言絕句 by its definition: four lines of five Han characters, each ended by punctuation. */
const WUJUE = /^(?:\p{Script=Han}{5}[，。？！；]){4}$/u;

// The options the element uses for form="五言絕句" title="春江" seed="3" (web/inkstone-poem.js):
// the Node run writes with the same ones, so both must write the same poem.
const POEM_OPTIONS = {
  prompt: '<五绝>春江\n',
  seed: 3,
  temperature: 0.8,
  topK: 40,
  topP: 0.95,
  minP: 0.05,
  maxTokens: 26,
  constraint: { form: '五言絕句', tones: true, rhyme: true },
};

// A share link as the site writes it (site/share/share-codec.js), for <inkstone-poem share>.
const SHARED_POEM = '床前明月光，疑是地上霜。\n举头望明月，低头思故乡。';
const SHARED_LINK = encodeShare({
  modelId: 'test', prompt: { title: '静夜思' }, poem: SHARED_POEM,
  form: { preset: 'wuyan-jueju', tones: true, rhyme: true, rhymeBook: 'xinyun' },
  sampling: { temperature: 0.8, topK: 40, topP: 0.95, seed: 7 },
});

/** @type {string} */
let tmp;
/** @type {string} the consumer project */
let app;
/** @type {string} */
let nodePoem = '';

before(async () => {
  if (skip) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'inkstone-package-'));
  const pkgDir = path.join(tmp, 'package');
  await run(process.execPath, [path.join(ROOT, 'tools/package/build.mjs'), pkgDir]);
  const npmEnv = { ...process.env, npm_config_cache: path.join(tmp, 'npm-cache'), npm_config_update_notifier: 'false' };
  const packed = await run('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: pkgDir, env: npmEnv });
  const tarball = path.join(tmp, JSON.parse(packed.stdout)[0].filename);
  app = path.join(tmp, 'app');
  fs.mkdirSync(path.join(app, 'assets/models'), { recursive: true });
  fs.mkdirSync(path.join(app, 'assets/prosody'));
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  await run('npm', ['install', tarball, '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: app, env: npmEnv });
  fs.rmSync(pkgDir, { recursive: true });  // the app can only use what the tarball gave it
  fs.copyFileSync(POETRY_MODEL, path.join(app, 'assets/models/inkstone-poetry-q8_0.gguf'));
  for (const t of TABLES) fs.copyFileSync(path.join(PROSODY, t), path.join(app, 'assets/prosody', t));
});

after(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('the tarball installs a real copy with the wasm builds, declarations, README and licence', { skip }, () => {
  const installed = path.join(app, 'node_modules/inkstone');
  assert.ok(!fs.lstatSync(installed).isSymbolicLink(), 'installed from the tarball, not linked');
  const pkg = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8'));
  const protocol = fs.readFileSync(path.join(ROOT, 'web/protocol.js'), 'utf8').match(/PROTOCOL_VERSION = (\d+)/);
  assert.ok(protocol);
  assert.equal(pkg.version.split('.')[0], protocol[1], 'the major version is the protocol version');
  assert.equal(pkg.license, 'MIT');
  for (const f of ['LICENSE', 'README.md', 'wasm/inkstone.wasm', 'wasm/inkstone.mjs', 'wasm/inkstone-mt.wasm',
    'wasm/inkstone-mt.mjs', 'wasm/inkstone-mt.worker.js', 'web/client.d.ts', 'web/inkstone-poem.d.ts',
    'web/poetry.d.ts', 'share/share-codec.d.ts', 'art/index.d.ts']) {
    assert.ok(fs.existsSync(path.join(installed, f)), `package has ${f}`);
  }
  assert.deepEqual(
    fs.readdirSync(installed).filter((f) => f.endsWith('.gguf')).concat(
      fs.readdirSync(path.join(installed, 'wasm')).filter((f) => f.endsWith('.gguf'))),
    [], 'no model inside');
});

test('Node: the packaged client writes a 五言絕句 that keeps its form and rhyme', { skip, timeout: 300_000 }, async (t) => {
  const script = `
    import { readFile } from 'node:fs/promises';
    import { createNodeInkstone } from 'inkstone/node';
    import { Poetry } from 'inkstone/poetry';
    const ink = await createNodeInkstone();
    const runtime = await ink.runtime();
    await ink.load(await readFile('assets/models/inkstone-poetry-q8_0.gguf'));
    await new Poetry(ink).setProsody({
      tones: await readFile('assets/prosody/tones.tsv', 'utf8'),
      rhyme: await readFile('assets/prosody/rhyme-xinyun.tsv', 'utf8'),
    });
    const summary = await ink.complete(${JSON.stringify(POEM_OPTIONS)});
    ink.dispose();
    console.log(JSON.stringify({ text: summary.text, reason: summary.reason, runtime,
      client: import.meta.resolve('inkstone'), wasm: import.meta.resolve('inkstone/wasm/inkstone.wasm') }));
  `;
  fs.writeFileSync(path.join(app, 'poem.mjs'), script);
  const { stdout } = await run(process.execPath, ['poem.mjs'], { cwd: app, timeout: 280_000 });
  const result = JSON.parse(stdout.trim().split('\n').pop() || '{}');
  const inApp = (/** @type {string} */ url) => new URL(url).pathname.startsWith(path.join(fs.realpathSync(app), 'node_modules/inkstone/'));
  assert.ok(inApp(result.client) && inApp(result.wasm), `resolved inside the app: ${result.client}, ${result.wasm}`);
  assert.equal(result.runtime.build, 'inkstone');
  assert.equal(result.runtime.protocolVersion, 1);
  assert.equal(result.reason, 'eos', 'the poem ended by itself');
  assert.match(result.text, WUJUE, `a 五言絕句: ${result.text}`);
  assertRhymes(result.text);
  nodePoem = result.text;
  t.diagnostic(`Node: ${result.text}`);
});

test('a plain page: <inkstone-poem> writes and paints the poem in its shadow root, styles stay apart', { skip: skipBrowser, timeout: 300_000 }, async (t) => {
  fs.writeFileSync(path.join(app, 'page.css'), `
    p, span, h2, figure, .line, .poem, .title, .status { color: rgb(255, 0, 0); border: 3px solid rgb(255, 0, 0);
      letter-spacing: 9px; }
  `);
  fs.writeFileSync(path.join(app, 'index.html'), `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>package</title>
<link rel="stylesheet" href="page.css">
<script type="module" src="node_modules/inkstone/web/inkstone-poem.js"></script>
</head><body>
<inkstone-poem id="en" form="五言絕句" title="春江" seed="3" model="assets/models/inkstone-poetry-q8_0.gguf"></inkstone-poem>
<inkstone-poem id="zh" lang="zh" form="五绝" title="春江" seed="3" model="assets/models/inkstone-poetry-q8_0.gguf"></inkstone-poem>
<inkstone-poem id="shared" share="${SHARED_LINK}"></inkstone-poem>
<inkstone-poem id="broken" share="${SHARED_LINK.slice(0, -3)}AAA"></inkstone-poem>
<div id="outside"><span class="ch">外</span><div class="text">外</div></div>
</body></html>`);
  const server = await startServer({ root: app });
  const browser = await launchBrowser();
  try {
    for (const reducedMotion of /** @type {const} */ (['no-preference', 'reduce'])) {
      const context = await browser.newContext({ reducedMotion });
      const page = await context.newPage();
      /** @type {string[]} */
      const errors = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`${server.url}/index.html`);
      await page.waitForFunction(
        () => [...document.querySelectorAll('inkstone-poem')].every((el) => ['done', 'error'].includes(el.getAttribute('data-state') || '')),
        undefined, { timeout: 240_000 });
      const seen = await page.evaluate(() => {
        const read = (/** @type {string} */ id) => {
          const el = /** @type {any} */ (document.getElementById(id));
          const root = el.shadowRoot;
          const line = root.querySelector('.line');
          const lineStyle = getComputedStyle(line);
          const canvas = root.querySelector('canvas');
          const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
          const grays = new Set();
          for (let i = 0; i < pixels.length; i += 4 * 97) grays.add(pixels[i] >> 3);
          return {
            state: el.getAttribute('data-state'),
            status: root.querySelector('.status').textContent,
            text: el.text,
            shown: root.querySelector('.poem').textContent,
            lines: [...root.querySelectorAll('.line')].map((l) => l.textContent),
            title: root.querySelector('.title').textContent,
            animatedChars: root.querySelectorAll('.ch').length,
            animations: root.querySelector('.poem').getAnimations({ subtree: true }).length,
            lineColor: lineStyle.color,
            lineBorder: lineStyle.borderTopWidth,
            lineSpacing: lineStyle.letterSpacing,
            label: canvas.getAttribute('aria-label'),
            paintTones: grays.size,
          };
        };
        const outside = /** @type {HTMLElement} */ (document.querySelector('#outside .ch'));
        const text = /** @type {HTMLElement} */ (document.querySelector('#outside .text'));
        const shared = /** @type {any} */ (document.getElementById('shared'));
        const broken = /** @type {any} */ (document.getElementById('broken'));
        return {
          shared: {
            state: shared.getAttribute('data-state'),
            title: shared.shadowRoot.querySelector('.title').textContent,
            lines: [...shared.shadowRoot.querySelectorAll('.line')].map((l) => l.textContent),
            animatedChars: shared.shadowRoot.querySelectorAll('.ch').length,
          },
          broken: { state: broken.getAttribute('data-state'), status: broken.shadowRoot.querySelector('.status').textContent },
          isolated: crossOriginIsolated,
          en: read('en'),
          zh: read('zh'),
          outsideAnimation: getComputedStyle(outside).animationName,
          outsideWriting: getComputedStyle(text).writingMode,
          outsideColor: getComputedStyle(outside).color,
        };
      });
      await context.close();
      assert.deepEqual(errors, []);
      assert.equal(seen.isolated, false, 'served without COOP/COEP');
      for (const el of [seen.en, seen.zh]) {
        assert.equal(el.state, 'done', `written (status: ${el.status})`);
        assert.equal(el.title, '春江');
        assert.match(el.text, WUJUE, `a 五言絕句: ${el.text}`);
        assert.equal(el.shown, el.text, 'the shadow root shows the poem');
        assert.equal(el.lines.length, 4, 'one line element per line');
        if (nodePoem) assert.equal(el.text, nodePoem, 'the same poem as Node with the same options');
        assert.ok(el.paintTones > 3, 'the canvas is painted');
        // Page styles do not reach in.
        assert.notEqual(el.lineColor, 'rgb(255, 0, 0)');
        assert.equal(el.lineBorder, '0px');
        assert.notEqual(el.lineSpacing, '9px');
        if (reducedMotion === 'reduce') {
          assert.equal(el.animatedChars, 0, 'no per-character animation with reduced motion');
          assert.equal(el.animations, 0);
        } else {
          assert.equal(el.animatedChars, Array.from(el.text).length, 'one animated span per character');
        }
      }
      assertRhymes(seen.en.text);
      t.diagnostic(`${reducedMotion}: ${seen.en.text} / ${seen.zh.text}`);
      assert.equal(seen.en.label, 'Ink painting: 春江', 'English labels on an English page');
      assert.equal(seen.zh.label, '水墨畫: 春江', 'lang="zh" on the element');
      // A share link shows the poem it carries; a damaged one says so.
      assert.equal(seen.shared.state, 'done');
      assert.equal(seen.shared.title, '静夜思');
      assert.deepEqual(seen.shared.lines, ['床前明月光，', '疑是地上霜。', '举头望明月，', '低头思故乡。']);
      assert.equal(seen.shared.animatedChars, reducedMotion === 'reduce' ? 0 : 24);
      assert.equal(seen.broken.state, 'error');
      assert.match(seen.broken.status, /^Could not write the poem: share link: /);
      // The element's styles do not leak out.
      assert.equal(seen.outsideAnimation, 'none');
      assert.equal(seen.outsideWriting, 'horizontal-tb');
      assert.equal(seen.outsideColor, 'rgb(255, 0, 0)');
    }
    // With no configuration the wasm came from the package's wasm/ folder: the one-thread build.
    assert.ok(server.requests.includes('/node_modules/inkstone/wasm/inkstone.wasm'), server.requests.join(' '));
    assert.ok(!server.requests.some((r) => r.includes('inkstone-mt')), 'no threaded build without COOP/COEP');
  } finally {
    await browser.close();
    await server.close();
  }
});

test('tsc: a consumer type-checks against the shipped .d.ts, and a type error fails', { skip, timeout: 120_000 }, async () => {
  fs.writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'ES2022', module: 'ESNext', moduleResolution: 'bundler', lib: ['ES2022', 'DOM', 'DOM.Iterable'],
      strict: true, noEmit: true, types: [],
    },
    files: ['consumer.ts'],
  }));
  fs.writeFileSync(path.join(app, 'consumer.ts'), `
import { Inkstone, InkstoneError, ModelStore } from 'inkstone';
import { Poetry } from 'inkstone/poetry';
import { InkstonePoem, planPoem } from 'inkstone/element';
import { decodeShare } from 'inkstone/share';
import { createNodeInkstone } from 'inkstone/node';

export async function write(out: HTMLElement): Promise<number> {
  const ink = new Inkstone({ build: 'inkstone' });
  const info = await ink.load('/models/inkstone-poetry-q8_0.gguf', { store: new ModelStore() });
  const poetry = new Poetry(ink);
  const summary = await poetry.setProsody({ tones: '/t.tsv', rhyme: '/r.tsv' }, { fetch: true });
  for await (const ev of ink.generate({ prompt: '<五绝>春江\\n', seed: 3, constraint: { form: '五言絕句' } })) {
    if (ev.type === 'token') out.textContent += ev.text;
    else console.log(ev.tokensPerSecond);
  }
  const el = document.createElement('inkstone-poem') as InkstonePoem;
  const state: 'idle' | 'loading' | 'writing' | 'done' | 'error' = el.state;
  const plan = planPoem({ form: '五绝', title: '春江', heads: '' });
  const shared = decodeShare('#p1.x');
  const node: Inkstone = await createNodeInkstone();
  try { await node.modelInfo(); } catch (e) { if (e instanceof InkstoneError) console.log(e.code); }
  return info.nParams + summary.nTones + state.length + plan.prompt.length + (shared.ok ? 1 : 0);
}
`);
  const ok = await run(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: app }).then(
    () => ({ code: 0, out: '' }),
    (e) => ({ code: e.code, out: `${e.stdout}${e.stderr}` }),
  );
  assert.equal(ok.code, 0, `the consumer type-checks:\n${ok.out}`);

  fs.appendFileSync(path.join(app, 'consumer.ts'), `
export async function wrong(ink: Inkstone): Promise<string> {
  const info = await ink.load('/m.gguf');
  return info.nParams;
}
`);
  const bad = await run(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: app }).then(
    () => ({ code: 0, out: '' }),
    (e) => ({ code: e.code, out: `${e.stdout}${e.stderr}` }),
  );
  assert.notEqual(bad.code, 0, 'a type error fails tsc');
  assert.match(bad.out, /consumer\.ts\(\d+,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/);
});

/**
 * Lines 2 and 4 end on characters that share a rhyme group of the 中华新韵 table (read here).
 * @param {string} poem
 */
function assertRhymes(poem) {
  /** @type {Map<string, string[]>} */
  const groups = new Map();
  for (const row of fs.readFileSync(path.join(PROSODY, 'rhyme-xinyun.tsv'), 'utf8').split('\n')) {
    if (!row || row.startsWith('#') || row.startsWith('@')) continue;
    const [ch, list] = row.split('\t');
    groups.set(ch, list.split(','));
  }
  const lines = poem.match(/\p{Script=Han}{5}/gu) || [];
  const end2 = lines[1].at(-1) || '';
  const end4 = lines[3].at(-1) || '';
  const common = (groups.get(end2) || []).filter((g) => (groups.get(end4) || []).includes(g));
  assert.ok(common.length > 0, `lines 2 and 4 rhyme (${end2}, ${end4}): ${poem}`);
}
