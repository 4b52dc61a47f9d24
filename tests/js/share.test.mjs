// Share-link codec: round trips, damage of every kind, hostile strings.
// Run: node --test tests/js/share.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';

import {
  encodeShare,
  decodeShare,
  crc32,
  ShareError,
  MAX_FRAGMENT_LENGTH,
  SHARE_VERSION,
} from '../../site/share/share-codec.js';

/** @returns {import('../../site/share/share-codec.js').ShareState} */
function sampleState() {
  return {
    modelId: 'a1b2c3d4e5f6',
    prompt: { title: '秋夜', firstLine: '空山新雨後' },
    form: { preset: 'wuyan-jueju', acrostic: '春夏秋冬', tones: true, rhyme: true, rhymeBook: 'pingshui' },
    sampling: { temperature: 0.8, topK: 40, topP: 0.95, seed: 20240601, guidance: 2.5, noRepeat: true },
    poem: '空山新雨後，天氣晚來秋。\n明月松間照，清泉石上流。',
  };
}

/** A state as decodeShare returns it (with the version filled in). */
function expected(state) {
  return { v: SHARE_VERSION, ...structuredClone(state) };
}

// base64url helpers written independently of the codec, via Buffer.
const toBytes = (fragment) => Buffer.from(fragment.slice(fragment.indexOf('.') + 1), 'base64url');
const toFragment = (prefix, bytes) => `${prefix}${Buffer.from(bytes).toString('base64url')}`;

// CRC-32 (IEEE) known answers. '123456789' → 0xCBF43926 is the published check value of the
// algorithm; the others were computed with Python's zlib.crc32 on the UTF-8 bytes:
//   python3 -c "import zlib; print(hex(zlib.crc32('秋夜 poem \U00020000'.encode())))"
const CRC32_KNOWN = [
  ['', 0x00000000],
  ['a', 0xe8b7be43],
  ['123456789', 0xcbf43926],
  ['The quick brown fox jumps over the lazy dog', 0x414fa339],
  ['秋夜 poem \u{20000}', 0x6d8814b1],
];

test('crc32 gives the known answers', () => {
  for (const [text, want] of CRC32_KNOWN) {
    assert.equal(crc32(new TextEncoder().encode(text)), want, JSON.stringify(text));
  }
});

test('crc32 matches zlib.crc32 where Node has it', { skip: typeof zlib.crc32 === 'function' ? false : 'zlib.crc32 needs Node >= 20.15 (the known answers above still ran)' }, () => {
  for (const [text] of CRC32_KNOWN) {
    const bytes = new TextEncoder().encode(text);
    assert.equal(crc32(bytes), zlib.crc32(bytes));
  }
});

test('round trip of a full state', () => {
  const state = sampleState();
  const fragment = encodeShare(state);
  assert.match(fragment, new RegExp(`^#p${SHARE_VERSION}\\.[A-Za-z0-9_-]+$`));
  assert.deepEqual(decodeShare(fragment), { ok: true, state: expected(state) });
  // Without the leading '#', too.
  assert.deepEqual(decodeShare(fragment.slice(1)), { ok: true, state: expected(state) });
});

test('optional fields absent stay absent', () => {
  const state = sampleState();
  delete state.prompt.firstLine;
  delete state.form.acrostic;
  state.form.tones = false;
  state.form.rhyme = false;
  state.form.rhymeBook = '';
  const result = decodeShare(encodeShare(state));
  assert.ok(result.ok);
  assert.deepEqual(result.state, expected(state));
  assert.equal('firstLine' in result.state.prompt, false);
  assert.equal('acrostic' in result.state.form, false);
});

test('numbers survive exactly, including ones that are not multiples of 1/1000', () => {
  const cases = [
    { temperature: 0, topK: 0, topP: 0, seed: 0 },
    { temperature: 5, topK: 1_000_000, topP: 1, seed: 0xffffffff },
    { temperature: 0.7000000000000001, topK: 1, topP: 0.9123456789, seed: 1 },
    { temperature: 1e-9, topK: 7, topP: 0.5, seed: 2 ** 31 },
  ];
  for (const sampling of cases) {
    const state = { ...sampleState(), sampling };
    const result = decodeShare(encodeShare(state));
    assert.ok(result.ok, JSON.stringify(sampling));
    for (const key of Object.keys(sampling)) assert.ok(Object.is(result.state.sampling[key], sampling[key]), key);
  }
});

test('compact: a 七言律詩 link stays short', () => {
  const state = sampleState();
  state.poem = [
    '風急天高猿嘯哀，渚清沙白鳥飛迴。',
    '無邊落木蕭蕭下，不盡長江滾滾來。',
    '萬里悲秋常作客，百年多病獨登臺。',
    '艱難苦恨繁霜鬢，潦倒新停濁酒杯。',
  ].join('\n');
  const fragment = encodeShare(state);
  // 68 characters of poem: UTF-16 packing keeps it near 2 bytes a character.
  assert.ok(fragment.length < 300, `fragment is ${fragment.length} characters`);
});

test('unicode: astral characters, combining marks, emoji, RTL, U+2028 round trip', () => {
  const state = sampleState();
  state.prompt.title = '𠀀𪚥 title 👩‍👩‍👧 é ﷺ \u2028 עברית';
  state.poem = '𠮷野家\n🌕 月\n' + 'ab\u0301c';
  state.form.acrostic = '𠀀𠀁';
  assert.deepEqual(decodeShare(encodeShare(state)), { ok: true, state: expected(state) });
});

test('script-injection strings round trip as plain text', () => {
  const hostile = [
    '<img src=x onerror=alert(1)>',
    '"><script>alert(document.cookie)</script>',
    "javascript:alert('x')",
    '${constructor.constructor("alert(1)")()}',
    '__proto__',
  ];
  for (const text of hostile) {
    const state = sampleState();
    state.prompt.title = text;
    state.poem = text + '\n' + text;
    const fragment = encodeShare(state);
    // The fragment itself is pure base64url: nothing in it can break out of a URL or attribute.
    assert.match(fragment, new RegExp(`^#p${SHARE_VERSION}\\.[A-Za-z0-9_-]+$`));
    const result = decodeShare(fragment);
    assert.ok(result.ok);
    assert.equal(result.state.prompt.title, text);
    assert.equal(result.state.poem, text + '\n' + text);
    assert.equal(Object.getPrototypeOf(result.state), Object.prototype);
  }
});

test('truncation at every length is reported as share_truncated', () => {
  const fragment = encodeShare(sampleState());
  for (let n = 0; n < fragment.length; n++) {
    const cut = fragment.slice(0, n);
    const result = decodeShare(cut);
    assert.equal(result.ok, false, `prefix of length ${n} decoded`);
    if (n >= 2) assert.equal(result.code, 'share_truncated', `length ${n}: ${result.code} ${result.message}`);
  }
});

test('every single-bit flip in the payload is rejected; body flips are share_corrupted', () => {
  const fragment = encodeShare(sampleState());
  const bytes = toBytes(fragment);
  let corrupted = 0;
  for (let i = 0; i < bytes.length; i++) {
    for (let bit = 0; bit < 8; bit++) {
      const flipped = Uint8Array.from(bytes);
      flipped[i] ^= 1 << bit;
      const result = decodeShare(toFragment(`#p${SHARE_VERSION}.`, flipped));
      assert.equal(result.ok, false, `byte ${i} bit ${bit} was accepted`);
      // Byte 0..1 hold the length: a flip there can also read as truncation.
      if (i >= 2) assert.equal(result.code, 'share_corrupted', `byte ${i} bit ${bit}: ${result.code}`);
      if (result.code === 'share_corrupted') corrupted++;
    }
  }
  assert.ok(corrupted >= (bytes.length - 2) * 8);
});

test('character substitutions in the fragment text are rejected', () => {
  const fragment = encodeShare(sampleState());
  for (let i = 4; i < fragment.length; i++) {
    const c = fragment[i] === 'A' ? 'B' : 'A';
    const result = decodeShare(fragment.slice(0, i) + c + fragment.slice(i + 1));
    // The last character may carry only padding bits; changing those is harmless only if the decoder ignores them.
    if (i === fragment.length - 1 && result.ok) continue;
    assert.equal(result.ok, false, `position ${i}`);
  }
});

test('changing the version digit to an older/other format is tampering or malformed', () => {
  const fragment = encodeShare(sampleState());
  assert.equal(decodeShare(fragment.replace(`#p${SHARE_VERSION}.`, '#p0.')).code, 'share_malformed');
});

test('a future version is reported as such', () => {
  const fragment = encodeShare(sampleState());
  const result = decodeShare(fragment.replace(`#p${SHARE_VERSION}.`, `#p${SHARE_VERSION + 1}.`));
  assert.deepEqual({ ok: result.ok, code: result.code }, { ok: false, code: 'share_future_version' });
  assert.equal(decodeShare('#p99.anything').code, 'share_future_version');
});

test('oversize fragments are rejected before decoding; oversize states refuse to encode', () => {
  const big = '#p1.' + 'A'.repeat(MAX_FRAGMENT_LENGTH);
  assert.equal(decodeShare(big).code, 'share_too_large');

  const state = sampleState();
  state.poem = '𠀀'.repeat(2000); // 2000 code points (the limit), 8000 bytes → over 8 KB of base64
  assert.throws(() => encodeShare(state), (err) => err instanceof ShareError && err.code === 'share_too_large');
  state.poem = '月'.repeat(2000); // 4000 bytes in UTF-16 → fits
  assert.ok(decodeShare(encodeShare(state)).ok);
});

test('malformed inputs: wrong prefix, bad alphabet, garbage', () => {
  for (const input of ['', '#', '#x1.AAAA', '#p1.AA$A', '#p1.AAAA', '#p1.%E6%9C%88', '#p1.' + '\u6708', '#p1x', 'p1 AAAA']) {
    const result = decodeShare(input);
    assert.equal(result.ok, false, JSON.stringify(input));
    assert.ok(['share_malformed', 'share_truncated', 'share_corrupted'].includes(result.code), `${input}: ${result.code}`);
    assert.equal(typeof result.message, 'string');
  }
  assert.equal(decodeShare(/** @type {any} */ (42)).code, 'share_malformed');
});

/**
 * Builds a frame with a correct checksum around an arbitrary body, to test
 * validation past the CRC (what a deliberate forger could produce).
 * @param {number[]} body
 */
function forge(body, version = 1) {
  const len = [];
  let n = body.length;
  while (n >= 0x80) {
    len.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  len.push(n);
  const framed = [...len, ...body];
  const c = zlib.crc32 ? zlib.crc32(Uint8Array.from([version, ...framed])) : crc32(Uint8Array.from([version, ...framed]));
  return toFragment(`#p${version}.`, [...framed, c >>> 24, (c >>> 16) & 255, (c >>> 8) & 255, c & 255]);
}

/** @param {number} n */
const v = (n) => {
  const out = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
};

/** @param {string} s */
const str8 = (s) => {
  const b = [...new TextEncoder().encode(s)];
  return [b.length * 2, ...b];
};

test('forged frames with a valid checksum are still validated field by field', () => {
  const good = [0, ...str8('m1'), ...str8('t'), ...str8('free'), ...str8(''), ...v(2 * 800), 40, ...v(2 * 900), 7, ...str8('x')];
  // Sanity: the forged good frame decodes (checks forge() matches the format).
  const ok = decodeShare(forge(good));
  assert.ok(ok.ok, ok.message);
  assert.equal(ok.state.sampling.temperature, 0.8);

  const cases = {
    'unknown flag bits': [0x40, ...good.slice(1)],
    'temperature out of range': [0, ...str8('m1'), ...str8('t'), ...str8('free'), ...str8(''), ...v(2 * 5001 * 1000 / 1000), 40, ...v(2 * 900), 7, ...str8('x')],
    'model id with a space': [0, ...str8('m 1'), ...str8('t'), ...str8('free'), ...str8(''), ...v(2 * 800), 40, ...v(2 * 900), 7, ...str8('x')],
    'preset with upper case': [0, ...str8('m1'), ...str8('t'), ...str8('FREE'), ...str8(''), ...v(2 * 800), 40, ...v(2 * 900), 7, ...str8('x')],
    'control character in title': [0, ...str8('m1'), ...str8('a\u0000b'), ...str8('free'), ...str8(''), ...v(2 * 800), 40, ...v(2 * 900), 7, ...str8('x')],
    'newline in title': [0, ...str8('m1'), ...str8('a\nb'), ...str8('free'), ...str8(''), ...v(2 * 800), 40, ...v(2 * 900), 7, ...str8('x')],
    'invalid UTF-8': [0, ...str8('m1'), 4, 0xff, 0xfe, ...str8('free'), ...str8(''), ...v(2 * 800), 40, ...v(2 * 900), 7, ...str8('x')],
    'lone surrogate in UTF-16': [0, ...str8('m1'), 5, 0xd8, 0x00, ...str8('free'), ...str8(''), ...v(2 * 800), 40, ...v(2 * 900), 7, ...str8('x')],
    'seed above 2^32-1': [0, ...str8('m1'), ...str8('t'), ...str8('free'), ...str8(''), ...v(2 * 800), 40, ...v(2 * 900), 0x80, 0x80, 0x80, 0x80, 0x10, ...str8('x')],
    'string runs past the end': [0, ...str8('m1'), ...str8('t'), ...str8('free'), ...str8(''), ...v(2 * 800), 40, ...v(2 * 900), 7, 40, 0x41],
    'trailing bytes': [...good, 0],
    'overlong varint': [0x80, 0x00, ...good.slice(1)],
    'NaN topP': [0, ...str8('m1'), ...str8('t'), ...str8('free'), ...str8(''), ...v(2 * 800), 40, 1, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0, 7, ...str8('x')],
  };
  for (const [name, body] of Object.entries(cases)) {
    const result = decodeShare(forge(body));
    assert.equal(result.ok, false, name);
    assert.equal(result.code, 'share_malformed', `${name}: ${result.code} ${result.message}`);
  }
});

test('encodeShare rejects invalid states with share_invalid_state', () => {
  const mutations = [
    (s) => (s.modelId = ''),
    (s) => (s.modelId = 'has space'),
    (s) => (s.prompt.title = 5),
    (s) => (s.prompt.title = 'x\u0007'),
    (s) => (s.prompt.title = 'lone \uD800 surrogate'),
    (s) => (s.form.preset = 'Wuyan'),
    (s) => (s.form.tones = 'yes'),
    (s) => (s.sampling.temperature = -0.1),
    (s) => (s.sampling.temperature = Infinity),
    (s) => (s.sampling.topK = 1.5),
    (s) => (s.sampling.topP = 1.01),
    (s) => (s.sampling.seed = 2 ** 32),
    (s) => (s.poem = 'x'.repeat(2001)),
    (s) => (s.sampling = null),
    (s) => (s.sampling.guidance = 16.5),
    (s) => (s.sampling.guidance = -1),
    (s) => (s.sampling.noRepeat = 'yes'),
  ];
  for (const mutate of mutations) {
    const state = sampleState();
    mutate(state);
    assert.throws(() => encodeShare(state), (err) => err instanceof ShareError && err.code === 'share_invalid_state', mutate.toString());
  }
});

test('same state ⇒ same fragment (deterministic)', () => {
  assert.equal(encodeShare(sampleState()), encodeShare(sampleState()));
});

test('version 1 links read as written before guidance: guidance 1, repeats allowed; version 2 carries both', () => {
  // The same v1 body as the forged frames above (no guidance, no writing flags).
  const v1 = [0, ...str8('m1'), ...str8('t'), ...str8('free'), ...str8(''), ...v(2 * 800), 40, ...v(2 * 900), 7, ...str8('x')];
  const old = decodeShare(forge(v1, 1));
  assert.ok(old.ok, old.message);
  assert.deepEqual(old.state.sampling, { temperature: 0.8, topK: 40, topP: 0.9, seed: 7, guidance: 1, noRepeat: false });
  // Version 2: the seed is followed by num guidance (2.5 = 2500/1000 → varint 5000) and writeFlags.
  const v2 = [0, ...str8('m1'), ...str8('t'), ...str8('free'), ...str8(''), ...v(2 * 800), 40, ...v(2 * 900), 7, ...v(5000), 1, ...str8('x')];
  const now = decodeShare(forge(v2, 2));
  assert.ok(now.ok, now.message);
  assert.deepEqual(now.state.sampling, { temperature: 0.8, topK: 40, topP: 0.9, seed: 7, guidance: 2.5, noRepeat: true });
  // A v1 body read as v2 (or the reverse) does not decode: the version is part of the format.
  assert.equal(decodeShare(forge(v1, 2)).ok, false);
  assert.equal(decodeShare(forge(v2, 1)).ok, false);
  // Unknown writing flags and an out-of-range guidance are malformed.
  const badFlags = [0, ...str8('m1'), ...str8('t'), ...str8('free'), ...str8(''), ...v(2 * 800), 40, ...v(2 * 900), 7, ...v(5000), 2, ...str8('x')];
  assert.equal(decodeShare(forge(badFlags, 2)).code, 'share_malformed');
  const badGuidance = [0, ...str8('m1'), ...str8('t'), ...str8('free'), ...str8(''), ...v(2 * 800), 40, ...v(2 * 900), 7, ...v(2 * 17000), 0, ...str8('x')];
  assert.equal(decodeShare(forge(badGuidance, 2)).code, 'share_malformed');
  // encodeShare writes absent fields as today's recipe before this change: guidance 1, repeats allowed.
  const plain = sampleState();
  delete plain.sampling.guidance;
  delete plain.sampling.noRepeat;
  const back = decodeShare(encodeShare(plain));
  assert.ok(back.ok);
  assert.equal(back.state.sampling.guidance, 1);
  assert.equal(back.state.sampling.noRepeat, false);
});
