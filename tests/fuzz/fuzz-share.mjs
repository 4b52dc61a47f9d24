// Fuzz harness for the share-link decoder (site/share/share-codec.js decodeShare), in Node.
//
//   node tests/fuzz/fuzz-share.mjs [seconds=20] [--seed=N] [--corpus=DIR] [--coverage]
//
// Inputs are mutations of valid links (the seed corpus tests/fuzz/corpus/share/*.txt plus links
// encoded here from varied states) at three levels:
//   text   — the fragment string: flip/insert/delete/duplicate characters, cut, splice two links,
//            hostile strings (markup, huge, odd Unicode, '%' escapes);
//   bytes  — the decoded frame: mutate bytes, then base64url again (CRC usually fails: corrupted);
//   body   — mutate the body bytes and rebuild the frame with a CORRECT length and CRC, so that
//            the field parser and validation behind the checksum are reached.
// Asserts for every input: decodeShare never throws and returns within kMaxDecodeMs of CPU time;
// {ok:false} carries a known code and a "share link: " message; {ok:true} states pass
// validateShareState, re-encode without error and decode back to the same state.
// On a failure the input is written to crash-share-<n>.txt (cwd) and the process exits 1.
// --coverage reports the share-codec.js byte-range (block) coverage from V8's precise coverage.
import fs from 'node:fs';
import path from 'node:path';
import inspector from 'node:inspector';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CODEC = path.resolve(HERE, '../../site/share/share-codec.js');

const args = process.argv.slice(2);
const seconds = Number(args.find((a) => /^\d+(\.\d+)?$/.test(a)) ?? 20);
const seedArg = args.find((a) => a.startsWith('--seed='));
const corpusArg = args.find((a) => a.startsWith('--corpus='));
const wantCoverage = args.includes('--coverage');
const corpusDir = corpusArg ? corpusArg.slice(9) : path.join(HERE, 'corpus/share');

const KNOWN_CODES = new Set(['share_malformed', 'share_truncated', 'share_corrupted', 'share_future_version', 'share_too_large']);
// A hang detector, not a benchmark: the decoder does linear work on at most 8 KiB.
const kMaxDecodeMs = 1000;

let session = null;
if (wantCoverage) {
  session = new inspector.Session();
  session.connect();
  const post = (method, params) => new Promise((resolve, reject) =>
    session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
  await post('Profiler.enable');
  await post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  session.postAsync = post;
}
const codec = await import(CODEC);
const { decodeShare, encodeShare, validateShareState, crc32, MAX_FRAGMENT_LENGTH } = codec;

// ---------------------------------------------------------------- deterministic PRNG
let seed = seedArg ? Number(seedArg.slice(7)) >>> 0 : (Date.now() >>> 0);
const initialSeed = seed;
function rand() {  // mulberry32
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (n) => Math.floor(rand() * n);
const pick = (xs) => xs[int(xs.length)];

// ---------------------------------------------------------------- seeds
const HOSTILE = [
  '<script>window.__pwned=1</script>', '"><img src=x onerror=alert(1)>', 'javascript:alert(1)',
  '</textarea><svg onload=alert(1)>', '\u202e\u200b\ufeff', '\u{1F600}\u{20000}', '%3Cscript%3E',
  '\uD800', '\uDC00', '\u0000', '\u007f', '\n', '床前明月光', '\r\n', '{{7*7}}', '${alert(1)}',
];
function randomString(maxChars) {
  const n = int(maxChars + 1);
  let s = '';
  while ([...s].length < n) {
    const r = rand();
    if (r < 0.3) s += String.fromCharCode(0x4e00 + int(0x5000));
    else if (r < 0.6) s += String.fromCharCode(0x20 + int(0x5f));
    else if (r < 0.7) s += '\n';
    else if (r < 0.8) s += String.fromCodePoint(0x10000 + int(0x20000));
    else s += pick(HOSTILE).replace(/[\u0000-\u0009\u000b-\u001f\u007f]|[\ud800-\udfff]/g, '');
  }
  return [...s].slice(0, n).join('');
}
function randomState() {
  const slug = () => 'abcdefghijklmnopqrstuvwxyz0123456789-'.split('').filter(() => rand() < 0.3).join('').slice(0, 32);
  const state = {
    modelId: ('m' + Math.floor(rand() * 1e12).toString(36) + pick(['', '.q8', ':v2', '-x_'])).slice(0, 64),
    prompt: { title: randomString(20).replace(/\n/g, '') },
    form: { preset: slug() || 'free', tones: rand() < 0.5, rhyme: rand() < 0.5, rhymeBook: slug() },
    sampling: {
      temperature: pick([0, 0.8, 1, 5, rand() * 5, 1 / 3]),
      topK: pick([0, 40, 1_000_000, int(1000)]),
      topP: pick([0, 0.95, 1, rand()]),
      seed: pick([0, 1, 0xffffffff, int(0xffffffff)]),
    },
    poem: randomString(pick([0, 10, 60, 400])),
  };
  if (rand() < 0.5) state.prompt.firstLine = randomString(12).replace(/\n/g, '');
  if (rand() < 0.5) state.form.acrostic = randomString(8).replace(/\n/g, '');
  return state;
}

const seeds = [];
if (fs.existsSync(corpusDir)) {
  for (const f of fs.readdirSync(corpusDir).sort()) seeds.push(fs.readFileSync(path.join(corpusDir, f), 'utf8').trim());
}
for (let i = 0; i < 64; i++) {
  try {
    seeds.push(encodeShare(randomState()));
  } catch (e) {
    if (e.code !== 'share_too_large') throw e;  // a generator bug, not a decoder one
  }
}

// ---------------------------------------------------------------- mutations
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const ODD = ['#', '.', '=', '+', '/', '%', ' ', '\u00e9', '\u{1F600}', '\uD800', '\0', 'p', '1', '9'];

function mutateText(s) {
  const n = 1 + int(4);
  for (let k = 0; k < n; k++) {
    const i = int(s.length + 1);
    switch (int(9)) {
      case 0: s = s.slice(0, i) + pick(B64) + s.slice(i + 1); break;            // replace
      case 1: s = s.slice(0, i) + pick(B64) + s.slice(i); break;                // insert
      case 2: s = s.slice(0, i) + s.slice(i + 1 + int(8)); break;               // delete
      case 3: s = s.slice(0, i); break;                                         // cut off
      case 4: s = s.slice(0, i) + pick(ODD) + s.slice(i); break;                // odd char
      case 5: s = s.slice(0, i) + pick(seeds).slice(int(40)); break;            // splice
      case 6: s = s.slice(0, i) + s.slice(int(s.length)).repeat(1 + int(50)); break;  // grow
      case 7: s = s.replace(/^#?p\d*/, pick(['#p', '#p0', '#p2', '#p999999', '#p1234567', 'p1', '#P1', '#p01', '#x1', ''])); break;
      default: s = s.slice(0, i) + pick(HOSTILE) + s.slice(i);
    }
  }
  return s;
}
function mutateBytes(bytes) {
  const b = Array.from(bytes);
  const n = 1 + int(4);
  for (let k = 0; k < n; k++) {
    const i = int(b.length + 1);
    switch (int(7)) {
      case 0: if (b.length) b[i % b.length] ^= 1 << int(8); break;
      case 1: if (b.length) b[i % b.length] = pick([0, 1, 0x7f, 0x80, 0xff, 0xfe, 0xc0, 0xed, int(256)]); break;
      case 2: b.splice(i, 0, ...Array.from({ length: 1 + int(8) }, () => int(256))); break;
      case 3: b.splice(i, 1 + int(8)); break;
      case 4: b.splice(i, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01); break;  // long varint
      case 5: b.splice(i, 0, 0xff, 0xff, 0xff, 0xff, 0x0f); break;  // huge varint
      default: b.splice(i, 0, ...new TextEncoder().encode(pick(HOSTILE))); break;
    }
  }
  return Uint8Array.from(b);
}
function varint(n) {
  const out = [];
  while (n >= 0x80) { out.push((n % 0x80) | 0x80); n = Math.floor(n / 0x80); }
  out.push(n);
  return out;
}
/** Splits a valid link's frame into its body, or null. */
function bodyOf(link) {
  const bytes = Buffer.from(link.slice(link.indexOf('.') + 1), 'base64url');
  let n = 0, scale = 1, i = 0;
  for (; i < bytes.length && i < 8; i++) {
    n += (bytes[i] & 0x7f) * scale;
    scale *= 128;
    if (!(bytes[i] & 0x80)) break;
  }
  const body = bytes.subarray(i + 1, i + 1 + n);
  return body.length === n ? body : null;
}
/** A frame with a correct length and checksum around any body. */
function frame(body, version = 1) {
  const framed = [...varint(body.length), ...body];
  const c = crc32(Uint8Array.from([version, ...framed]));
  framed.push(c >>> 24, (c >>> 16) & 0xff, (c >>> 8) & 0xff, c & 0xff);
  return `#p${version}.${Buffer.from(framed).toString('base64url')}`;
}

function nextInput() {
  const base = pick(seeds);
  const r = rand();
  if (r < 0.35) return mutateText(base);
  if (r < 0.5) return '#p1.' + Buffer.from(mutateBytes(Buffer.from(base.slice(base.indexOf('.') + 1), 'base64url'))).toString('base64url');
  const body = bodyOf(base);
  if (!body) return mutateText(base);
  return frame(mutateBytes(body), rand() < 0.95 ? 1 : int(3));
}

// ---------------------------------------------------------------- the checks
function fail(input, why) {
  let n = 0;
  while (fs.existsSync(`crash-share-${n}.txt`)) n++;
  fs.writeFileSync(`crash-share-${n}.txt`, input);
  console.error(`fuzz-share: FAILURE (${why}); input written to crash-share-${n}.txt (seed ${initialSeed})`);
  console.error(JSON.stringify(input).slice(0, 500));
  process.exit(1);
}
const outcomes = new Map();
function check(input) {
  // CPU time, not wall time: on a shared machine a niced process can wait seconds for a core.
  const t0 = process.cpuUsage();
  let r;
  try {
    r = decodeShare(input);
  } catch (e) {
    fail(input, `threw ${e && e.stack}`);
  }
  const cpu = process.cpuUsage(t0);
  const ms = (cpu.user + cpu.system) / 1000;
  if (ms > kMaxDecodeMs) fail(input, `took ${ms.toFixed(0)} ms of CPU`);
  if (!r || typeof r !== 'object' || typeof r.ok !== 'boolean') fail(input, `bad result ${JSON.stringify(r)}`);
  if (!r.ok) {
    if (!KNOWN_CODES.has(r.code)) fail(input, `unknown code ${r.code}`);
    if (typeof r.message !== 'string' || !r.message.startsWith('share link: ')) fail(input, `bad message ${r.message}`);
    if (input.length > MAX_FRAGMENT_LENGTH && r.code !== 'share_too_large') fail(input, `oversize gave ${r.code}`);
    outcomes.set(r.code, (outcomes.get(r.code) || 0) + 1);
    return;
  }
  outcomes.set('ok', (outcomes.get('ok') || 0) + 1);
  const problem = validateShareState(r.state);
  if (problem) fail(input, `ok state does not validate: ${problem}`);
  let again;
  try {
    again = encodeShare(r.state);
  } catch (e) {
    fail(input, `ok state does not re-encode: ${e.message}`);
  }
  const back = decodeShare(again);
  // Re-encoding writes the current format: the same state, with the version it is written in.
  const same = (/** @type {any} */ st) => JSON.stringify({ ...st, v: undefined });
  if (!back.ok || same(back.state) !== same(r.state)) fail(input, 're-encoded state decodes differently');
}

// ---------------------------------------------------------------- run
for (const s of seeds) check(s);
const deadline = performance.now() + seconds * 1000;
let execs = seeds.length;
while (performance.now() < deadline) {
  for (let k = 0; k < 200; k++) check(nextInput());
  execs += 200;
}
let coverage = '';
if (session) {
  const { result } = await session.postAsync('Profiler.takePreciseCoverage');
  const script = result.find((s) => s.url.endsWith('/site/share/share-codec.js'));
  const size = fs.readFileSync(CODEC, 'utf8').length;
  // Byte ranges: the first range of each function covers the function; nested ranges override.
  const count = new Int32Array(size).fill(-1);
  for (const fn of script.functions) {
    for (const rg of fn.ranges) count.fill(rg.count, rg.startOffset, Math.min(size, rg.endOffset));
  }
  let covered = 0, known = 0;
  for (const c of count) { if (c >= 0) { known++; if (c > 0) covered++; } }
  const uncoveredFns = script.functions.filter((f) => f.ranges[0].count === 0 && f.functionName).map((f) => f.functionName);
  coverage = ` coverage=${((100 * covered) / known).toFixed(1)}% of share-codec.js bytes` +
    (uncoveredFns.length ? ` (functions never run: ${uncoveredFns.join(', ')})` : '');
}
console.log(`fuzz-share: ${execs} execs in ${seconds} s, seed ${initialSeed}, no failure;` +
  ` outcomes ${JSON.stringify(Object.fromEntries(outcomes))};${coverage}`);
