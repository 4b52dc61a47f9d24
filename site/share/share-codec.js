// Share-link codec: a poem's whole recipe in a URL fragment.
//
// Fragment format (version 2; version 1 is read too):
//
//   #p2.<base64url, no padding>
//
// The base64url text decodes to
//
//   varint bodyLength | body (bodyLength bytes) | crc32 (4 bytes, big-endian)
//
// where crc32 covers [version byte, varint bodyLength, body], so editing the
// version digit, the length or any body byte is caught as tampering. Body:
//
//   varint flags            bit0 firstLine present, bit1 acrostic present,
//                           bit2 tones enforced, bit3 rhyme enforced
//   str modelId             str = varint ((byteLength << 1) | encoding) + bytes,
//   str title                     encoding 0 = UTF-8, 1 = UTF-16BE (whichever
//   [str firstLine]               is shorter: CJK text is 2 bytes a char
//   str preset                    instead of 3)
//   [str acrostic]
//   str rhymeBook
//   num temperature         num = varint (n << 1) for n/1000 exactly, or
//   varint topK                   varint 1 + float64 big-endian otherwise
//   num topP
//   varint seed             uint32
//   num guidance            version 2 on: classifier-free guidance scale (1 = off)
//   varint writeFlags       version 2 on: bit0 no repeated characters
//   str poem
//
// A version 1 link was written before guidance and the no-repeat default: it decodes with
// guidance 1 and noRepeat false, which is how it was written, so its replay is exact.
//
// Decoding never evaluates anything and validates every field's type and range.
// Strings that come back are plain text, meant only for `textContent`.

/** Current format version, written as the digit(s) after `#p`. */
export const SHARE_VERSION = 2;

/** Longest fragment we write or accept, in characters (including the `#`). */
export const MAX_FRAGMENT_LENGTH = 8192;

/**
 * @typedef {object} SharePrompt
 * @property {string} title        title or theme the user typed (may be empty)
 * @property {string} [firstLine]  optional first line the user supplied
 */

/**
 * @typedef {object} ShareForm
 * @property {string} preset     form preset id, e.g. 'wuyan-jueju', 'free' ([a-z0-9-], 1..32)
 * @property {string} [acrostic] 藏頭 characters, one per line
 * @property {boolean} tones     平仄 enforced
 * @property {boolean} rhyme     rhyme enforced
 * @property {string} rhymeBook  rhyme book id, e.g. 'pingshui', 'xinyun' ([a-z0-9-], 0..32)
 */

/**
 * @typedef {object} ShareSampling
 * @property {number} temperature 0..5
 * @property {number} topK        integer 0..1_000_000 (0 = off)
 * @property {number} topP        0..1
 * @property {number} seed        integer 0..2^32-1
 * @property {number} [guidance]  0..16, classifier-free guidance (1 or absent = off)
 * @property {boolean} [noRepeat] no character used twice (absent = false)
 */

/**
 * @typedef {object} ShareState
 * @property {number} [v]         format version; filled in by decodeShare, ignored by encodeShare
 * @property {string} modelId     model hash prefix ([0-9A-Za-z._:-], 1..64)
 * @property {SharePrompt} prompt
 * @property {ShareForm} form
 * @property {ShareSampling} sampling
 * @property {string} poem        the poem text, lines separated by '\n'
 */

/**
 * @typedef {'share_malformed'|'share_truncated'|'share_corrupted'|'share_future_version'|'share_too_large'} ShareErrorCode
 */

/**
 * @typedef {{ok: true, state: ShareState} | {ok: false, code: ShareErrorCode, message: string}} DecodeResult
 */

/** Thrown by encodeShare for a state it cannot encode. */
export class ShareError extends Error {
  /**
   * @param {string} code    'share_invalid_state' | 'share_too_large'
   * @param {string} message
   */
  constructor(code, message) {
    super(message);
    this.name = 'ShareError';
    this.code = code;
  }
}

// ---------------------------------------------------------------------------
// Limits (characters, counted as code points)

const LIMITS = Object.freeze({
  modelId: 64,
  title: 200,
  firstLine: 200,
  preset: 32,
  acrostic: 64,
  rhymeBook: 32,
  poem: 2000,
});
const MAX_TEMPERATURE = 5;
const MAX_TOP_K = 1_000_000;
const MAX_SEED = 0xffffffff;
const FLAG_FIRST_LINE = 1;
const FLAG_ACROSTIC = 2;
const FLAG_TONES = 4;
const FLAG_RHYME = 8;
const KNOWN_FLAGS = 15;
const MAX_GUIDANCE = 16;
const WRITE_NO_REPEAT = 1;
const KNOWN_WRITE_FLAGS = 1;

const MODEL_ID_RE = /^[0-9A-Za-z._:-]+$/;
const SLUG_RE = /^[a-z0-9-]*$/;
// C0 controls except '\n', DEL, and lone surrogates are never valid.
const BAD_CHARS_RE = /[\u0000-\u0009\u000B-\u001F\u007F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/u;

// ---------------------------------------------------------------------------
// CRC32 (IEEE 802.3, reflected, poly 0xEDB88320)

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * CRC32 of a byte array.
 * @param {Uint8Array} bytes
 * @returns {number} unsigned 32-bit checksum
 */
export function crc32(bytes) {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// ---------------------------------------------------------------------------
// base64url (RFC 4648 §5, no padding), strict

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64_INDEX = (() => {
  const index = new Int16Array(128).fill(-1);
  for (let i = 0; i < B64.length; i++) index[B64.charCodeAt(i)] = i;
  return index;
})();

/**
 * @param {Uint8Array} bytes
 * @returns {string}
 */
function toBase64Url(bytes) {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i] << 16;
    out += B64[n >> 18] + B64[(n >> 12) & 63];
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63];
  }
  return out;
}

/**
 * Decodes base64url. A dangling final character (length % 4 === 1) is what a
 * cut-off link leaves behind, so it is dropped and the missing bytes are
 * reported later as truncation.
 * @param {string} text
 * @returns {Uint8Array | null} null when a character is outside the alphabet
 */
function fromBase64Url(text) {
  let usable = text.length;
  if (usable % 4 === 1) usable -= 1;
  const out = new Uint8Array(Math.floor((usable * 6) / 8));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const v = code < 128 ? B64_INDEX[code] : -1;
    if (v < 0) return null;
    if (i >= usable) break;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Byte writer / reader

class ByteWriter {
  constructor() {
    /** @type {number[]} */
    this.bytes = [];
  }

  /** @param {number} n unsigned integer ≤ 2^53 */
  varint(n) {
    while (n >= 0x80) {
      this.bytes.push((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    this.bytes.push(n);
  }

  /** @param {Uint8Array | number[]} data */
  raw(data) {
    for (const b of data) this.bytes.push(b);
  }

  /** @param {string} s */
  str(s) {
    const utf8 = new TextEncoder().encode(s);
    const utf16 = new Uint8Array(s.length * 2);
    for (let i = 0; i < s.length; i++) {
      const u = s.charCodeAt(i);
      utf16[2 * i] = u >> 8;
      utf16[2 * i + 1] = u & 0xff;
    }
    if (utf16.length < utf8.length) {
      this.varint(utf16.length * 2 + 1);
      this.raw(utf16);
    } else {
      this.varint(utf8.length * 2);
      this.raw(utf8);
    }
  }

  /** @param {number} x finite, non-negative */
  num(x) {
    const milli = Math.round(x * 1000);
    if (milli / 1000 === x && milli <= 0xfffffff) {
      this.varint(milli * 2);
      return;
    }
    this.varint(1);
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, x);
    this.raw(new Uint8Array(view.buffer));
  }
}

/** Internal decode failure; turned into {ok:false} at the boundary. */
class DecodeFailure extends Error {
  /**
   * @param {ShareErrorCode} code
   * @param {string} message
   */
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

class ByteReader {
  /** @param {Uint8Array} bytes */
  constructor(bytes) {
    this.bytes = bytes;
    this.pos = 0;
  }

  /**
   * @param {string} what field name, for the message
   * @returns {number}
   */
  varint(what) {
    let n = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (this.pos >= this.bytes.length) throw new DecodeFailure('share_malformed', `${what}: ends early`);
      const b = this.bytes[this.pos++];
      n += (b & 0x7f) * scale;
      if (!(b & 0x80)) {
        if (i > 0 && b === 0) throw new DecodeFailure('share_malformed', `${what}: overlong number`);
        return n;
      }
      scale *= 0x80;
    }
    throw new DecodeFailure('share_malformed', `${what}: number too long`);
  }

  /**
   * @param {number} n
   * @param {string} what
   * @returns {Uint8Array}
   */
  take(n, what) {
    if (n > this.bytes.length - this.pos) throw new DecodeFailure('share_malformed', `${what}: ends early`);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /**
   * @param {string} what
   * @returns {string}
   */
  str(what) {
    const header = this.varint(what);
    const byteLength = Math.floor(header / 2);
    const data = this.take(byteLength, what);
    if (header % 2 === 0) {
      try {
        return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(data);
      } catch {
        throw new DecodeFailure('share_malformed', `${what}: invalid UTF-8`);
      }
    }
    if (byteLength % 2 !== 0) throw new DecodeFailure('share_malformed', `${what}: odd UTF-16 length`);
    let s = '';
    for (let i = 0; i < byteLength; i += 2) s += String.fromCharCode((data[i] << 8) | data[i + 1]);
    return s;
  }

  /**
   * @param {string} what
   * @returns {number}
   */
  num(what) {
    const header = this.varint(what);
    if (header % 2 === 0) return header / 2 / 1000;
    if (header !== 1) throw new DecodeFailure('share_malformed', `${what}: bad number tag`);
    const data = this.take(8, what);
    return new DataView(data.buffer, data.byteOffset, 8).getFloat64(0);
  }
}

// ---------------------------------------------------------------------------
// Validation (shared by encode and decode)

/**
 * @param {unknown} s
 * @param {string} what
 * @param {number} maxChars
 * @param {{allowNewline?: boolean, pattern?: RegExp, minChars?: number}} [opts]
 * @returns {string | null} problem description, or null when fine
 */
function checkString(s, what, maxChars, opts = {}) {
  if (typeof s !== 'string') return `${what}: not a string`;
  const n = [...s].length;
  if (n > maxChars) return `${what}: longer than ${maxChars} characters`;
  if (n < (opts.minChars ?? 0)) return `${what}: empty`;
  if (BAD_CHARS_RE.test(s)) return `${what}: contains a control character or a lone surrogate`;
  if (!opts.allowNewline && s.includes('\n')) return `${what}: contains a line break`;
  if (opts.pattern && !opts.pattern.test(s)) return `${what}: has characters outside its alphabet`;
  return null;
}

/**
 * @param {unknown} x
 * @param {string} what
 * @param {number} max
 * @param {boolean} integer
 * @returns {string | null}
 */
function checkNumber(x, what, max, integer) {
  if (typeof x !== 'number' || !Number.isFinite(x)) return `${what}: not a finite number`;
  if (x < 0 || x > max) return `${what}: outside 0..${max}`;
  if (Object.is(x, -0)) return `${what}: negative zero`;
  if (integer && !Number.isInteger(x)) return `${what}: not an integer`;
  return null;
}

/**
 * Checks a state's shape, types and ranges.
 * @param {any} state
 * @returns {string | null} the first problem found, or null
 */
export function validateShareState(state) {
  if (!state || typeof state !== 'object') return 'state: not an object';
  const { prompt, form, sampling } = state;
  if (!prompt || typeof prompt !== 'object') return 'prompt: not an object';
  if (!form || typeof form !== 'object') return 'form: not an object';
  if (!sampling || typeof sampling !== 'object') return 'sampling: not an object';
  return (
    checkString(state.modelId, 'modelId', LIMITS.modelId, { pattern: MODEL_ID_RE, minChars: 1 }) ??
    checkString(prompt.title, 'prompt.title', LIMITS.title) ??
    (prompt.firstLine === undefined ? null : checkString(prompt.firstLine, 'prompt.firstLine', LIMITS.firstLine)) ??
    checkString(form.preset, 'form.preset', LIMITS.preset, { pattern: SLUG_RE, minChars: 1 }) ??
    (form.acrostic === undefined ? null : checkString(form.acrostic, 'form.acrostic', LIMITS.acrostic)) ??
    (typeof form.tones === 'boolean' ? null : 'form.tones: not a boolean') ??
    (typeof form.rhyme === 'boolean' ? null : 'form.rhyme: not a boolean') ??
    checkString(form.rhymeBook, 'form.rhymeBook', LIMITS.rhymeBook, { pattern: SLUG_RE }) ??
    checkNumber(sampling.temperature, 'sampling.temperature', MAX_TEMPERATURE, false) ??
    checkNumber(sampling.topK, 'sampling.topK', MAX_TOP_K, true) ??
    checkNumber(sampling.topP, 'sampling.topP', 1, false) ??
    checkNumber(sampling.seed, 'sampling.seed', MAX_SEED, true) ??
    (sampling.guidance === undefined ? null : checkNumber(sampling.guidance, 'sampling.guidance', MAX_GUIDANCE, false)) ??
    (sampling.noRepeat === undefined || typeof sampling.noRepeat === 'boolean' ? null : 'sampling.noRepeat: not a boolean') ??
    checkString(state.poem, 'poem', LIMITS.poem, { allowNewline: true })
  );
}

// ---------------------------------------------------------------------------
// Public API

/**
 * Encodes a share state as a URL fragment (`#p1.…`).
 * @param {ShareState} state
 * @returns {string} the fragment, starting with '#'
 * @throws {ShareError} code 'share_invalid_state' for a bad field, 'share_too_large' past MAX_FRAGMENT_LENGTH
 */
export function encodeShare(state) {
  const problem = validateShareState(state);
  if (problem) throw new ShareError('share_invalid_state', `encode share: ${problem}`);
  const { prompt, form, sampling } = state;

  const body = new ByteWriter();
  let flags = 0;
  if (prompt.firstLine !== undefined) flags |= FLAG_FIRST_LINE;
  if (form.acrostic !== undefined) flags |= FLAG_ACROSTIC;
  if (form.tones) flags |= FLAG_TONES;
  if (form.rhyme) flags |= FLAG_RHYME;
  body.varint(flags);
  body.str(state.modelId);
  body.str(prompt.title);
  if (prompt.firstLine !== undefined) body.str(prompt.firstLine);
  body.str(form.preset);
  if (form.acrostic !== undefined) body.str(form.acrostic);
  body.str(form.rhymeBook);
  body.num(sampling.temperature);
  body.varint(sampling.topK);
  body.num(sampling.topP);
  body.varint(sampling.seed);
  body.num(sampling.guidance ?? 1);
  body.varint(sampling.noRepeat ? WRITE_NO_REPEAT : 0);
  body.str(state.poem);

  const framed = new ByteWriter();
  framed.varint(body.bytes.length);
  framed.raw(body.bytes);
  const checksum = crc32(Uint8Array.from([SHARE_VERSION, ...framed.bytes]));
  framed.raw([checksum >>> 24, (checksum >>> 16) & 0xff, (checksum >>> 8) & 0xff, checksum & 0xff]);

  const fragment = `#p${SHARE_VERSION}.${toBase64Url(Uint8Array.from(framed.bytes))}`;
  if (fragment.length > MAX_FRAGMENT_LENGTH) {
    throw new ShareError('share_too_large', `encode share: link would be ${fragment.length} characters (limit ${MAX_FRAGMENT_LENGTH})`);
  }
  return fragment;
}

/**
 * Decodes a URL fragment made by encodeShare. Never throws.
 * @param {string} fragment location.hash, with or without the leading '#'
 * @returns {DecodeResult}
 */
export function decodeShare(fragment) {
  try {
    return { ok: true, state: decodeOrThrow(fragment) };
  } catch (err) {
    if (err instanceof DecodeFailure) return { ok: false, code: /** @type {ShareErrorCode} */ (err.code), message: `share link: ${err.message}` };
    return { ok: false, code: 'share_malformed', message: 'share link: could not be read' };
  }
}

/**
 * @param {string} fragment
 * @returns {ShareState}
 */
function decodeOrThrow(fragment) {
  if (typeof fragment !== 'string') throw new DecodeFailure('share_malformed', 'not a string');
  if (fragment.length > MAX_FRAGMENT_LENGTH) {
    throw new DecodeFailure('share_too_large', `${fragment.length} characters is over the ${MAX_FRAGMENT_LENGTH} limit`);
  }
  const text = fragment.startsWith('#') ? fragment.slice(1) : fragment;
  const head = /^p([0-9]{1,6})(\.|$)/.exec(text);
  if (!head) {
    if (text === '') throw new DecodeFailure('share_malformed', 'empty');
    if (text === 'p') throw new DecodeFailure('share_truncated', 'the link is cut off');
    throw new DecodeFailure('share_malformed', 'not a poem link');
  }
  const version = Number(head[1]);
  if (version > SHARE_VERSION) {
    throw new DecodeFailure('share_future_version', `made by a newer version (format ${version}); this page reads format ${SHARE_VERSION}`);
  }
  if (version < 1) throw new DecodeFailure('share_malformed', `unknown format ${version}`);
  if (head[2] === '') throw new DecodeFailure('share_truncated', 'the link is cut off');

  const bytes = fromBase64Url(text.slice(head[0].length));
  if (!bytes) throw new DecodeFailure('share_malformed', 'contains characters that do not belong in a poem link');

  // Frame: varint length | body | crc32.
  const frame = new ByteReader(bytes);
  let bodyLength;
  try {
    bodyLength = frame.varint('length');
  } catch {
    throw new DecodeFailure('share_truncated', 'the link is cut off');
  }
  const headerBytes = frame.pos;
  const available = bytes.length - headerBytes - 4;
  if (available < bodyLength) throw new DecodeFailure('share_truncated', 'the link is cut off');
  if (available > bodyLength) throw new DecodeFailure('share_corrupted', 'has extra data after the poem');

  const checked = new Uint8Array(1 + headerBytes + bodyLength);
  checked[0] = version;
  checked.set(bytes.subarray(0, headerBytes + bodyLength), 1);
  const stored = new DataView(bytes.buffer, bytes.byteOffset + headerBytes + bodyLength, 4).getUint32(0);
  if (crc32(checked) !== stored) throw new DecodeFailure('share_corrupted', 'the checksum does not match (the link was changed or damaged)');

  // Body.
  const r = new ByteReader(bytes.subarray(headerBytes, headerBytes + bodyLength));
  const flags = r.varint('flags');
  if (flags & ~KNOWN_FLAGS) throw new DecodeFailure('share_malformed', 'unknown flags');
  const modelId = r.str('modelId');
  const title = r.str('prompt.title');
  const firstLine = flags & FLAG_FIRST_LINE ? r.str('prompt.firstLine') : undefined;
  const preset = r.str('form.preset');
  const acrostic = flags & FLAG_ACROSTIC ? r.str('form.acrostic') : undefined;
  const rhymeBook = r.str('form.rhymeBook');
  const temperature = r.num('sampling.temperature');
  const topK = r.varint('sampling.topK');
  const topP = r.num('sampling.topP');
  const seed = r.varint('sampling.seed');
  let guidance = 1;
  let writeFlags = 0;
  if (version >= 2) {
    guidance = r.num('sampling.guidance');
    writeFlags = r.varint('writeFlags');
    if (writeFlags & ~KNOWN_WRITE_FLAGS) throw new DecodeFailure('share_malformed', 'unknown writing flags');
  }
  const poem = r.str('poem');
  if (r.pos !== r.bytes.length) throw new DecodeFailure('share_malformed', 'has extra data inside');

  /** @type {SharePrompt} */
  const prompt = { title };
  if (firstLine !== undefined) prompt.firstLine = firstLine;
  /** @type {ShareForm} */
  const form = { preset, tones: Boolean(flags & FLAG_TONES), rhyme: Boolean(flags & FLAG_RHYME), rhymeBook };
  if (acrostic !== undefined) form.acrostic = acrostic;
  /** @type {ShareState} */
  const state = { v: version, modelId, prompt, form, sampling: { temperature, topK, topP, seed, guidance, noRepeat: Boolean(writeFlags & WRITE_NO_REPEAT) }, poem };
  const problem = validateShareState(state);
  if (problem) throw new DecodeFailure('share_malformed', problem);
  return state;
}
