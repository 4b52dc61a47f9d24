// The classroom's links (site/classroom/link-state.js), without a browser:
//   - a state goes through encodeState and decodeState unchanged, with the way of writing it was
//     made with (g: the guidance scale, q: 不重字) among the fields
//   - a link written before g and q were recorded (the fragment spelled out here) decodes as it
//     did: its fields, and no guidance or 不重字, so the page keeps the reader's settings
//   - g and q outside their ranges are left out (the reader's settings apply), each alone
//   - a 詞 (f=<词>, its 詞牌 the title) comes back as it went, with its 又一體 (v); the main form
//     (0) is written without v, and a malformed v is left out
//
// Run: node --test tests/js/classroom-link.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { encodeState, decodeState } from '../../site/classroom/link-state.js';

/** @type {import('../../site/classroom/link-state.js').LinkState} */
const STATE = {
  formTag: '<七绝>', title: '春江', seed: 7, temperature: 0.8, topK: 40, topP: 0.95, minP: 0.05,
  layer: 1, head: 2, rules: true, tokens: [5, 36, 1295], step: 2, formula: 'worked',
};

test('classroom links: a state, its guidance scale and 不重字 come back from the fragment', () => {
  for (const way of [
    { guidance: 2.5, noRepeat: true },
    { guidance: 1, noRepeat: false },
    { guidance: 0, noRepeat: true },
    { guidance: 16, noRepeat: false },
    { guidance: 1.75, noRepeat: true },
  ]) {
    const fragment = encodeState({ ...STATE, ...way });
    const p = new URLSearchParams(fragment.slice(1));
    assert.equal(p.get('g'), String(way.guidance), fragment);
    assert.equal(p.get('q'), way.noRepeat ? '1' : '0', fragment);
    assert.deepEqual(decodeState(fragment), { ...STATE, ...way }, fragment);
  }
});

test('classroom links: a link without g and q (as made before) decodes as before', () => {
  // A fragment as the page wrote it before the way of writing was recorded.
  const old = `#c=1&f=${encodeURIComponent('<五绝>')}&t=${encodeURIComponent('秋夜')}&s=3&T=0.9&k=0&p=1&m=0&l=0&h=1&r=1&x=5.10.z&n=3`;
  const s = decodeState(old);
  assert.deepEqual(s, {
    formTag: '<五绝>', title: '秋夜', seed: 3, temperature: 0.9, topK: 0, topP: 1, minP: 0,
    layer: 0, head: 1, rules: true, tokens: [5, 36, 35], step: 3,
  });
  assert.equal('guidance' in /** @type {object} */ (s), false, 'no guidance: the reader\'s setting');
  assert.equal('noRepeat' in /** @type {object} */ (s), false, 'no 不重字: the reader\'s setting');
  // A state without them is written without them (the fields are optional).
  const { formula: _, ...plain } = STATE;
  const fragment = encodeState(plain);
  assert.equal(new URLSearchParams(fragment.slice(1)).has('g'), false, fragment);
  assert.equal(new URLSearchParams(fragment.slice(1)).has('q'), false, fragment);
  assert.deepEqual(decodeState(fragment), plain);
});

test('classroom links: a malformed g or q is left out, the rest is kept', () => {
  const base = encodeState(STATE);
  for (const g of ['16.5', '-1', 'abc', '', 'Infinity', 'NaN']) {
    const s = decodeState(`${base}&g=${encodeURIComponent(g)}&q=1`);
    assert.ok(s);
    assert.equal(s.guidance, undefined, `g=${g}`);
    assert.equal(s.noRepeat, true, `g=${g}: q still read`);
    assert.equal(s.seed, 7);
  }
  for (const q of ['2', 'yes', 'true', '']) {
    const s = decodeState(`${base}&g=2&q=${encodeURIComponent(q)}`);
    assert.ok(s);
    assert.equal(s.noRepeat, undefined, `q=${q}`);
    assert.equal(s.guidance, 2, `q=${q}: g still read`);
  }
});

test('classroom links: a 詞 (<词>, its 詞牌 the title) comes back from the fragment', () => {
  const ci = { ...STATE, formTag: '<词>', title: '浣溪沙' };
  const fragment = encodeState(ci);
  assert.equal(new URLSearchParams(fragment.slice(1)).get('f'), '<词>', fragment);
  assert.deepEqual(decodeState(fragment), ci, fragment);
});

test('classroom links: the 又一體 of a 詞 (v) comes back; the main form has no v; a bad v is left out', () => {
  const ci = { ...STATE, formTag: '<词>', title: '柳梢青', variant: 2 };
  const fragment = encodeState(ci);
  assert.equal(new URLSearchParams(fragment.slice(1)).get('v'), '2', fragment);
  assert.deepEqual(decodeState(fragment), ci, fragment);
  const main = encodeState({ ...ci, variant: 0 });
  assert.equal(new URLSearchParams(main.slice(1)).has('v'), false, main);
  assert.equal(decodeState(main)?.variant, undefined);
  for (const v of ['-1', '100', 'x', '']) {
    const s = decodeState(`${main}&v=${encodeURIComponent(v)}`);
    assert.equal(s?.variant, undefined, `v=${v}`);
    assert.equal(s?.title, '柳梢青');
  }
  assert.equal(decodeState(`${main}&v=1.7`)?.variant, 1);
});

