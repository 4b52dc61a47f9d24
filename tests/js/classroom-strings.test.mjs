// The classroom's string tables (site/classroom/strings-*.js) in English, Simplified Chinese and
// Traditional Chinese (Taiwan), checked without a browser:
//   - the three tables have the same keys, none empty, and each key the same {placeholders}
//   - every key the classroom uses (classroom.html's data-i18n*, the literal keys in its modules,
//     and the families built at run time: the tour's stops, the worked example's steps, the
//     error codes, the constraint engine's rule names read from core/src/constraint-engine.cpp)
//     is in the tables, and every key in the tables is used
//   - the Simplified table holds no Traditional form and the Traditional one no Simplified form
//     or mainland word: each is a fixed point of OpenCC's conversion towards it (tw → cn, and
//     cn → twp, which also swaps mainland words for Taiwan's); so wherever a Simplified string
//     has characters whose Traditional forms differ, its Traditional string differs
//   - English has no Chinese characters except in the few strings that name Chinese things
//   - the language follows the playground's two settings (lang, script)
//
// Run: node --test tests/js/classroom-strings.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

import { STRINGS, langOf } from '../../site/classroom/strings.js';
import { STOPS } from '../../site/classroom/tour.js';
import { STEPS } from '../../site/classroom/worked-example.js';

const require = createRequire(import.meta.url);
const OpenCC = require('opencc-js');

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const LANGS = /** @type {const} */ (['en', 'zh-Hans', 'zh-Hant']);

// English strings that are Chinese on purpose: the brand, and the toggles that name the Chinese
// interface (中, 中文) and the Traditional script (繁; hidden in English). The page marks them lang="zh-…".
const EN_CHINESE = new Set(['brandName', 'langToggle', 'langToggleTitle', 'scriptToggle']);
// The Traditional table's 繁/简 toggle names Simplified in Simplified: 简.
const HANT_SIMPLIFIED = new Set(['scriptToggle']);
// Chinese strings without a Chinese character: the toggle to English, and the list separator 、.
const ZH_NOT_CHINESE = new Set(['langToggle', 'langToggleTitle', 'listSep']);
// Proper Taiwan words that OpenCC's cn → twp phrase table would rewrite because it reads them as
// mainland words: 通過 (passed, a check) → 透過 (by way of); 參數 (a model's parameters) → 引數
// (a function's arguments).
const TWP_KEEP = ['通過', '參數'];

const HAN = /\p{Script=Han}/u;
/** Token names quoted from the vocabulary (<七绝>, <s>) are the model's spelling, in any language. */
const withoutTokenNames = (/** @param {string} s */ s) => s.replace(/<[^<>]*>/g, '');
const placeholders = (/** @param {string} s */ s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('classroom strings: the three tables have the same keys, none empty, the same placeholders', () => {
  const keys = Object.keys(STRINGS.en).sort();
  assert.ok(keys.length > 150, `only ${keys.length} keys`);
  for (const lang of LANGS) {
    assert.deepEqual(Object.keys(STRINGS[lang]).sort(), keys, `${lang}: keys`);
    for (const key of keys) {
      assert.equal(typeof STRINGS[lang][key], 'string', `${lang} ${key}`);
      assert.ok(STRINGS[lang][key].trim() !== '', `${lang} ${key} is empty`);
      assert.deepEqual(placeholders(STRINGS[lang][key]), placeholders(STRINGS.en[key]), `${lang} ${key}: placeholders`);
    }
  }
});

/** Every key the classroom asks for, from its markup and modules. */
function usedKeys() {
  const dir = path.join(ROOT, 'site/classroom');
  const html = fs.readFileSync(path.join(ROOT, 'site/classroom.html'), 'utf8');
  const used = new Set([...html.matchAll(/data-i18n(?:-title|-aria-label)?="([^"]+)"/g)].map((m) => m[1]));
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.js') && !f.startsWith('strings-'))) {
    const js = fs.readFileSync(path.join(dir, file), 'utf8');
    for (const m of js.matchAll(/\b(?:t|tParts|setStatus)\(\s*'([^']+)'/g)) used.add(m[1]);
    // Keys passed around as values: explain()'s ['error.…', vars], t(side === … ? 'a' : 'b').
    for (const m of js.matchAll(/'((?:error|status)\.\w+|worked(?:Correct|Flawed))'/g)) used.add(m[1]);
    if (file === 'classroom.js') {
      for (const m of js.matchAll(/case '(\w+)':/g)) used.add(`error.${m[1]}`);
    }
  }
  for (const stop of STOPS) for (const part of ['title', 'text', 'action']) used.add(`tour.${stop.id}.${part}`);
  for (const step of STEPS) used.add(`workedStep.${step}`);
  for (const how of ['prompt', 'sampled', 'greedy', 'picked']) used.add(`how.${how}`);
  // The rule names the runtime reports (the mask panel translates them).
  const engine = fs.readFileSync(path.join(ROOT, 'core/src/constraint-engine.cpp'), 'utf8');
  const names = /kRuleNames\[kNumConstraintRules\] = \{([^}]*)\}/.exec(engine);
  assert.ok(names, 'kRuleNames in core/src/constraint-engine.cpp');
  const rules = [...names[1].matchAll(/"(\w+)"/g)].map((m) => m[1]);
  assert.ok(rules.includes('tone') && rules.length >= 6, rules.join());
  for (const rule of rules) used.add(`rule.${rule}`);
  // error.unsupported_model is shown as error.invalid_model.
  used.delete('error.unsupported_model');
  return used;
}

test('classroom strings: every key the page uses is in the tables, and every key is used', () => {
  const used = usedKeys();
  const keys = new Set(Object.keys(STRINGS.en));
  assert.deepEqual([...used].filter((k) => !keys.has(k)).sort(), [], 'used but missing');
  assert.deepEqual([...keys].filter((k) => !used.has(k)).sort(), [], 'in the tables but never used');
});

test('classroom strings: Simplified has no Traditional forms; Traditional has no Simplified forms or mainland words', () => {
  const toSimplified = OpenCC.Converter({ from: 'tw', to: 'cn' });
  const toTraditional = OpenCC.Converter({ from: 'cn', to: 'tw' });
  const toTaiwan = OpenCC.Converter({ from: 'cn', to: 'twp' });
  let differ = 0;
  for (const key of Object.keys(STRINGS.en)) {
    const hans = withoutTokenNames(STRINGS['zh-Hans'][key]);
    const hant = withoutTokenNames(STRINGS['zh-Hant'][key]);
    if (!ZH_NOT_CHINESE.has(key)) {
      assert.match(hans, HAN, `zh-Hans ${key} has no Chinese`);
      assert.match(hant, HAN, `zh-Hant ${key} has no Chinese`);
    }
    assert.equal(toSimplified(hans), hans, `zh-Hans ${key} has Traditional forms`);
    if (HANT_SIMPLIFIED.has(key)) continue;
    // Each kept word is cut out before the check, so it cannot hide anything around it.
    const parts = TWP_KEEP.reduce((acc, word) => acc.flatMap((s) => s.split(word)), [hant]);
    for (const part of parts) assert.equal(toTaiwan(part), part, `zh-Hant ${key} is not Taiwan usage: ${hant}`);
    if (toTraditional(hans) !== hans) {
      differ++;
      assert.notEqual(hant, hans, `zh-Hant ${key} is the Simplified string`);
    }
  }
  assert.ok(differ > 120, `only ${differ} strings have characters that differ`);
});

test('classroom strings: English has no Chinese characters but in the strings that name Chinese things', () => {
  for (const [key, text] of Object.entries(STRINGS.en)) {
    if (EN_CHINESE.has(key)) assert.match(text, HAN, key);
    else assert.doesNotMatch(withoutTokenNames(text), HAN, `en ${key}: ${text}`);
  }
  for (const lang of /** @type {const} */ (['zh-Hans', 'zh-Hant'])) {
    const same = Object.keys(STRINGS.en).filter((k) => STRINGS[lang][k] === STRINGS.en[k]);
    assert.deepEqual(same, lang === 'zh-Hans' ? ['brandName', 'scriptToggle'] : [], `${lang} strings equal to English`);
  }
});

test('classroom strings: the language is the playground\'s lang and script settings', () => {
  assert.equal(langOf({ lang: 'en', script: 'traditional' }), 'en');
  assert.equal(langOf({ lang: 'en', script: 'simplified' }), 'en');
  assert.equal(langOf({ lang: 'zh', script: 'simplified' }), 'zh-Hans');
  assert.equal(langOf({ lang: 'zh', script: 'traditional' }), 'zh-Hant');
  // Not chosen yet: the playground's rule (site/app/i18n.js initialLang) picks Chinese here,
  // where Node has no navigator.languages.
  assert.equal(langOf({ lang: '', script: 'traditional' }), 'zh-Hant');
});
