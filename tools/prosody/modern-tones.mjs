// Writes char<TAB>modern tones (1-4, 5 neutral; all readings, primary first) for the characters
// of assets/prosody/tones.tsv, from the npm package pinyin-pro. Used by build-ci-rhymes.py to tell
// 入聲 rhyme groups apart (their characters are often read in a modern 1st or 2nd tone).
//   NODE_PATH=/work/cache/prosody/node_modules node tools/prosody/modern-tones.mjs \
//       assets/prosody/tones.tsv /work/cache/prosody/modern-tones.tsv
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(process.env.NODE_PATH + '/');
const { pinyin } = require('pinyin-pro');

const [tonesPath, outPath] = process.argv.slice(2);
const chars = fs.readFileSync(tonesPath, 'utf8').split('\n')
  .filter((l) => l.includes('\t') && !l.startsWith('#')).map((l) => l.split('\t')[0]);
const out = [];
for (const c of chars) {
  const nums = pinyin(c, { pattern: 'num', multiple: true, type: 'array' });
  const tones = [...new Set(nums.map((n) => (n === '0' ? '5' : String(n))))].filter((t) => /^[1-5]$/.test(t));
  if (tones.length) out.push(`${c}\t${tones.join(',')}`);
}
fs.writeFileSync(outPath, out.join('\n') + '\n');
console.log(`modern tones for ${out.length} of ${chars.length} characters`);
