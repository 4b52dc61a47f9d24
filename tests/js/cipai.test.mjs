// 詞牌 through the client's poetry module (web/poetry.js): the table reaches the worker and comes
// back as the patterns of assets/prosody/cipai.tsv (read here independently), analyse() reads a
// 詞 by its 詞牌 (also after a crash), a bad table is refused with the old one kept, and the
// shipped poetry model writes a {"cipai": name} 詞 whose clauses, marks and rhyme tones are
// those of the table, checked here from the table files themselves.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { POETRY_MODEL, PROSODY, ROOT, missingBuilds } from './support/paths.mjs';
import { missingFiles, requireOrSkip } from './support/require.mjs';
import { nodeClient } from './support/node-worker.mjs';
import { Poetry } from '../../web/poetry.js';

const FILES = ['tones.tsv', 'rhyme-ci.tsv', 'cipai.tsv'].map((f) => path.join(PROSODY, f));
const skip = requireOrSkip(missingBuilds('inkstone'), missingFiles(ROOT, ...FILES));
const read = (/** @type {string} */ f) => fs.readFileSync(path.join(PROSODY, f), 'utf8');

// cipai.tsv as its header documents it: name, variant, poems, agreeing, stanza_break, slots, lines.
function readTable() {
  return read('cipai.tsv').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => {
    const [name, variant, poems, agreeing, stanzaBreak, slots, lines] = l.split('\t');
    const slotTones = slots.split(' ').map((s) => [...s][1]);
    return {
      name, variant: +variant, poems: +poems, agreeing: +agreeing, stanzaBreak: +stanzaBreak, slotTones,
      lines: lines.split(' ').map((item) => {
        const m = /^([平仄中⊕⊖]+)([。，、])([a-z]?)$/u.exec(item);
        assert.ok(m, item);
        return { chars: [...m[1]].length, tones: m[1], punct: m[2], slot: m[3] ? slots.split(' ').findIndex((s) => s[0] === m[3]) : -1 };
      }),
    };
  });
}

// tones.tsv: char -> 'P' | 'Z' | 'B'.
function readTones() {
  const tones = new Map();
  for (const l of read('tones.tsv').split('\n')) {
    if (!l || l.startsWith('#')) continue;
    const [ch, t] = l.split('\t');
    tones.set(ch, t);
  }
  return tones;
}

const RULIN = '昨夜雨疏风骤。浓睡不消残酒。试问卷帘人，却道海棠依旧。知否，知否。应是绿肥红瘦。';

test('the 詞牌 table reaches the worker whole, and analyse() reads 如夢令 by it, also after a crash', { skip }, async () => {
  const ink = nodeClient();
  try {
    const poetry = new Poetry(ink);
    assert.deepEqual(await poetry.cipaiPatterns(), [], 'no table before setCipai');
    await poetry.setProsody({ tones: read('tones.tsv'), rhyme: read('rhyme-ci.tsv') });
    assert.equal((await poetry.analyse(RULIN)).form, '', 'no 詞 without the table');
    const expected = readTable();
    assert.equal((await poetry.setCipai(read('cipai.tsv'))).nPatterns, expected.length);
    const patterns = await poetry.cipaiPatterns();
    assert.ok(patterns.length >= 118);
    assert.deepEqual(patterns, expected);

    const a = await poetry.analyse(RULIN);
    assert.equal(a.form, '詞');
    assert.equal(a.cipai?.name, '如梦令');
    assert.deepEqual(a.faults, []);
    const rhymes = a.lines.map((l) => l[l.length - 1].rhyme);
    assert.deepEqual(rhymes, [true, true, false, true, true, true, true]);

    // Read as the 詞牌 it was written to: 生查子 has the shape of a 五言律詩, which its structure
    // alone is read as; an unknown name is refused by code.
    const shengchazi = '去年元夜时，花市灯如昼。月上柳梢头，人约黄昏后。今年元夜时，月与灯依旧。不见去年人，泪湿春衫袖。';
    assert.match((await poetry.analyse(shengchazi)).form, /^五言律詩/);
    const as = await poetry.analyse(shengchazi, { cipai: '生查子' });
    assert.equal(as.form, '詞');
    assert.equal(as.cipai?.name, '生查子');
    assert.deepEqual(as.lines.map((l) => l[l.length - 1].rhyme), [false, true, false, true, false, true, false, true]);
    await assert.rejects(poetry.analyse(shengchazi, { cipai: '不存在' }), (err) => err.code === 'invalid_argument');

    // A table that does not parse is refused by code; the loaded one stays.
    await assert.rejects(poetry.setCipai('浣溪沙\t0\t10\t5\t-1\ta平\n'), (err) => err.code === 'invalid_argument' && /cipai table/.test(err.message));
    assert.equal((await poetry.cipaiPatterns()).length, expected.length);

    await assert.rejects(ink.debugCrash(), (err) => err.code === 'crashed');
    await ink.settled();
    assert.deepEqual(await new Poetry(ink).analyse(RULIN), a, 'the new worker has the tables and the 詞牌');
  } finally {
    ink.dispose();
  }
});

test('the shipped poetry model writes 詞 to their 詞牌 (checked from the table files)', { skip: requireOrSkip(skip, missingFiles(ROOT, POETRY_MODEL)) }, async () => {
  const ink = nodeClient();
  const poetry = new Poetry(ink);
  try {
    await poetry.setProsody({ tones: read('tones.tsv'), rhyme: read('rhyme-ci.tsv') });
    await poetry.setCipai(read('cipai.tsv'));
    const info = await ink.load(new Uint8Array(fs.readFileSync(POETRY_MODEL)));
    const table = readTable();
    const tones = readTones();
    // The <词> tag when the model has it (run 2 on), else the free tag: the constraint forces
    // the 詞牌 either way.
    const tag = (await ink.tokenize('<词>', { addBos: false })).length === 1 ? '<词>' : '<其他>';
    for (const [name, seed] of [['浣溪沙', 1], ['菩萨蛮', 2], ['水调歌头', 3], ['如梦令', 4]]) {
      const pattern = table.find((p) => p.name === name && p.variant === 0);
      assert.ok(pattern, name);
      const run = await ink.complete({ prompt: `${tag}${name}\n`, seed, temperature: 0.8, maxTokens: 256, constraint: { cipai: name } });
      assert.equal(run.reason, 'eos', `${name}: ${run.text}`);
      // Clause by clause: the pattern's length and mark, and at a rhyme the slot's tone.
      const clauses = [...run.text.matchAll(/(\p{Script=Han}+)([。，、])/gu)];
      assert.equal(clauses.map((m) => m[0]).join(''), run.text, `${name}: only clauses and marks: ${run.text}`);
      assert.deepEqual(clauses.map((m) => [...m[1]].length), pattern.lines.map((l) => l.chars), `${name}: ${run.text}`);
      assert.deepEqual(clauses.map((m) => m[2]), pattern.lines.map((l) => l.punct), `${name}: ${run.text}`);
      let checked = 0;
      pattern.lines.forEach((line, i) => {
        const chars = [...clauses[i][1]];
        if (line.slot >= 0) {
          const t = tones.get(chars[chars.length - 1]);
          const want = pattern.slotTones[line.slot] === '平' ? 'P' : 'Z';
          if (t === 'P' || t === 'Z') {
            assert.equal(t, want, `${name} clause ${i + 1}: ${chars.join('')} rhymes on ${pattern.slotTones[line.slot]}`);
            checked++;
          }
        }
        [...line.tones].forEach((mark, c) => {
          const t = tones.get(chars[c]);
          if ((mark === '平' || mark === '⊕') && t === 'Z') assert.fail(`${name} clause ${i + 1} char ${c + 1}: ${chars[c]} is 仄 where the pattern has ${mark}`);
          if ((mark === '仄' || mark === '⊖') && t === 'P') assert.fail(`${name} clause ${i + 1} char ${c + 1}: ${chars[c]} is 平 where the pattern has ${mark}`);
        });
      });
      assert.ok(checked > 0, `${name}: some rhyme had a definite tone`);
      const a = await poetry.analyse(run.text);
      assert.equal(a.form, '詞', run.text);
      assert.ok(a.cipai.name === name || a.cipai.others.includes(name), `${name}: read as ${a.cipai.name}`);
      if (a.cipai.name === name) assert.deepEqual(a.faults, [], `${name}: ${run.text}`);
      console.log(`${name} (${info.nCtx} ctx, ${tag}): ${run.text}`);
    }
  } finally {
    ink.dispose();
  }
});
