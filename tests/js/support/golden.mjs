// Reads tests/fixtures/golden/*.txt (written by tools/reference/llama_ref.py, float64 numpy):
//   model <path> / seq <n> t0 .. / logits <pos> v0 v1 ... (n lines per seq)
import fs from 'node:fs';

/**
 * @param {string} file
 * @returns {{model: string, seqs: {tokens: number[], logits: Float64Array[]}[]}}
 */
export function readGolden(file) {
  const out = { model: '', seqs: [] };
  let current = null;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const parts = line.trim().split(/\s+/);
    if (parts[0] === 'model') {
      out.model = parts[1];
    } else if (parts[0] === 'seq') {
      const n = Number(parts[1]);
      current = { tokens: parts.slice(2, 2 + n).map(Number), logits: [] };
      out.seqs.push(current);
    } else if (parts[0] === 'logits') {
      const pos = Number(parts[1]);
      current.logits[pos] = Float64Array.from(parts.slice(2), Number);
    }
  }
  return out;
}
