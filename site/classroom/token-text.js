// How the classroom shows a token: what it spells, whole. A token of a byte-level BPE vocabulary
// (Qwen) may spell several characters (春风, 。\n) or only part of one (the first byte of 春,
// E6); a token of a SentencePiece vocabulary may be a byte-fallback token (<0xE6>). The runtime
// gives each token's bytes (web/client.js tokenBytes); they are shown as text where they are
// UTF-8 and as <0xNN> where they are not, never as a replacement character. Control tokens
// decode to no bytes (BOS, <|im_start|>): they are shown by their piece.

/**
 * @typedef {'control'|'bytes'|'text'} TokenKind
 *   control: decodes to nothing, shown by its piece; bytes: has bytes that are not UTF-8 alone;
 *   text: whole characters
 * @typedef {{text: string, kind: TokenKind, bytes: Uint8Array}} TokenText
 */

const decoder = new TextDecoder('utf-8', { fatal: true });

/** The length of the UTF-8 sequence a lead byte starts (0: not a lead byte). @param {number} b */
function sequenceLength(b) {
  if (b < 0x80) return 1;
  if (b >= 0xc2 && b <= 0xdf) return 2;
  if (b >= 0xe0 && b <= 0xef) return 3;
  if (b >= 0xf0 && b <= 0xf4) return 4;
  return 0;
}

/** @param {number} b */
export function byteName(b) {
  return `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
}

/**
 * @param {string} piece   the vocabulary's piece (tokenPieces)
 * @param {Uint8Array} bytes  what the token decodes to (tokenBytes)
 * @returns {TokenText}
 */
export function tokenText(piece, bytes) {
  if (bytes.length === 0) return { text: piece, kind: 'control', bytes };
  let text = '';
  let whole = true;
  for (let i = 0; i < bytes.length;) {
    const n = sequenceLength(bytes[i]);
    let ch = '';
    if (n > 0 && i + n <= bytes.length) {
      try {
        ch = decoder.decode(bytes.subarray(i, i + n));
      } catch {
        ch = '';
      }
    }
    if (ch) {
      text += ch;
      i += n;
    } else {
      text += byteName(bytes[i]);
      whole = false;
      i += 1;
    }
  }
  return { text, kind: whole ? 'text' : 'bytes', bytes };
}

/**
 * What a run of tokens spells together: their bytes joined, then shown as one token's are (a
 * character split over two tokens is whole again; control tokens spell nothing).
 * @param {TokenText[]} tokens
 */
export function spell(tokens) {
  const all = new Uint8Array(tokens.reduce((n, t) => n + t.bytes.length, 0));
  let at = 0;
  for (const t of tokens) {
    all.set(t.bytes, at);
    at += t.bytes.length;
  }
  return tokenText('', all).text;
}

/** Whether a token's text is more than one character (shown as one chip). @param {string} text */
export function isMulti(text) {
  return Array.from(text).length > 1;
}
