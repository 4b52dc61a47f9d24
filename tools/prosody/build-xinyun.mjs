// Builds assets/prosody/rhyme-xinyun.tsv: character -> 中华新韵 rhyme groups (1..14).
//
// Readings come from the npm package pinyin-pro (all readings of a polyphonic character,
// tone marks dropped, ü written v). Each reading's final is put in one of the 14 groups of
// 中华新韵 (中华诗词学会, 2005):
//   1 麻 a ia ua          2 波 o e uo          3 皆 ie üe           4 开 ai uai
//   5 微 ei ui(uei)       6 豪 ao iao          7 尤 ou iu(iou)      8 寒 an ian uan üan
//   9 文 en in un ün      10 唐 ang iang uang  11 庚 eng ing ong iong  12 齐 i er ü
//   13 支 -i (zhi chi shi ri zi ci si)         14 姑 u
// A character gets every group of its readings, primary reading first ("10,11").
// Characters: those of assets/prosody/tones.tsv (Simplified and Traditional corpus characters);
// pinyin-pro covers most Traditional characters itself; for the others the reading of the
// character's OpenCC t2s conversion is used.
//
// Usage (from a scratch dir with `npm install pinyin-pro`):
//   NODE_PATH=/work/cache/prosody/node_modules node tools/prosody/build-xinyun.mjs \
//       assets/prosody/tones.tsv assets/prosody/rhyme-xinyun.tsv
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(process.env.NODE_PATH + '/');
const { pinyin } = require('pinyin-pro');

export function xinyunGroup(syllable) {
  const s = syllable;
  if (s === 'er') return 12;
  if (/^(zh|ch|sh|r|z|c|s)i$/.test(s)) return 13;
  if (/ang$/.test(s)) return 10;
  if (/(eng|ing|ong)$/.test(s)) return 11;
  if (/an$/.test(s)) return 8;
  if (/(en|in|un|vn)$/.test(s)) return 9;
  if (/ai$/.test(s)) return 4;
  if (/(ei|ui)$/.test(s)) return 5;
  if (/ao$/.test(s)) return 6;
  if (/(ou|iu)$/.test(s)) return 7;
  if (/(ie|ve|ue)$/.test(s)) return 3;
  if (/a$/.test(s)) return 1;
  if (/[oe]$/.test(s)) return 2;
  if (/[iv]$/.test(s)) return 12;
  if (/^[jqxy]u$/.test(s)) return 12;  // ju qu xu yu: ü
  if (/u$/.test(s)) return 14;
  return 0;  // interjections without a vowel final (m, n, ng, hm)
}

const [inPath, outPath] = process.argv.slice(2);
const chars = fs.readFileSync(inPath, 'utf8').split('\n')
  .filter((l) => l && !l.startsWith('#')).map((l) => l.split('\t')[0]);
const lines = ['# char\t中华新韵 groups (1 麻 2 波 3 皆 4 开 5 微 6 豪 7 尤 8 寒 9 文 10 唐 11 庚 ' +
  '12 齐 13 支 14 姑), all readings, primary first — built by tools/prosody/build-xinyun.mjs',
  '@book\t中华新韵'];
const names = ['麻', '波', '皆', '开', '微', '豪', '尤', '寒', '文', '唐', '庚', '齐', '支', '姑'];
names.forEach((n, i) => lines.push(`@group\t${i + 1}\t${n}`));
const nHeader = lines.length;
const simplified = [...execFileSync('opencc', ['-c', 't2s'], { input: chars.join('\n') })
  .toString().split('\n')];
let nMissing = 0; let nMulti = 0;
const isHan = (r) => /^[a-zv]+$/.test(r);
for (const [i, c] of chars.entries()) {
  let readings = pinyin(c, { multiple: true, type: 'array', toneType: 'none', v: true });
  if (!readings.some(isHan) && simplified[i] && simplified[i] !== c) {
    readings = pinyin(simplified[i], { multiple: true, type: 'array', toneType: 'none', v: true });
  }
  readings = readings.filter(isHan);
  const groups = [];
  for (const r of readings) {
    const g = xinyunGroup(r);
    if (g && !groups.includes(g)) groups.push(g);
  }
  if (!groups.length) { nMissing++; continue; }
  if (groups.length > 1) nMulti++;
  lines.push(`${c}\t${groups.join(',')}`);
}
fs.writeFileSync(outPath, lines.join('\n') + '\n');
console.log(`chars ${chars.length}, with groups ${lines.length - nHeader}, missing ${nMissing}, ` +
  `several groups ${nMulti}`);
