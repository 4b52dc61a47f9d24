// Seeded randomness for the painter. Every random choice in site/art/ comes
// from here, so the same poem and seed always give the same painting.

/**
 * FNV-1a hash of a string's UTF-16 code units, finished with a murmur3 mix.
 * @param {string} text
 * @returns {number} uint32
 */
export function hashString(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A small deterministic generator (mulberry32) with helpers. */
export class Rng {
  /** @param {number} seed any number; only its low 32 bits matter */
  constructor(seed) {
    this.state = seed >>> 0;
  }

  /** @returns {number} uniform in [0, 1) */
  next() {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /**
   * @param {number} lo
   * @param {number} hi
   * @returns {number} uniform in [lo, hi)
   */
  range(lo, hi) {
    return lo + (hi - lo) * this.next();
  }

  /**
   * @param {number} lo
   * @param {number} hi inclusive
   * @returns {number} integer in [lo, hi]
   */
  int(lo, hi) {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /**
   * @template T
   * @param {readonly T[]} items
   * @returns {T}
   */
  pick(items) {
    return items[Math.floor(this.next() * items.length)];
  }

  /** @param {number} p @returns {boolean} */
  chance(p) {
    return this.next() < p;
  }

  /** @returns {number} approximately normal, mean 0, sd 1 (sum of 4 uniforms) */
  gauss() {
    return (this.next() + this.next() + this.next() + this.next() - 2) * 1.7320508;
  }

  /**
   * An independent generator for a named part of the picture: adding or
   * removing one part never shifts the random numbers of another.
   * @param {string} label
   * @returns {Rng}
   */
  fork(label) {
    return new Rng(hashString(label) ^ Math.imul(this.state, 0x9e3779b1));
  }
}

/**
 * Smooth 1-D value noise with octaves, from a fixed lattice of random values.
 * @param {Rng} rng
 * @param {number} [octaves]
 * @returns {(x: number) => number} roughly in [-1, 1]
 */
export function makeNoise1d(rng, octaves = 4) {
  const size = 256;
  const lattice = new Float64Array(size);
  for (let i = 0; i < size; i++) lattice[i] = rng.next() * 2 - 1;
  /** @param {number} x */
  const base = (x) => {
    const i = Math.floor(x);
    const f = x - i;
    const u = f * f * (3 - 2 * f);
    const a = lattice[((i % size) + size) % size];
    const b = lattice[(((i + 1) % size) + size) % size];
    return a + (b - a) * u;
  };
  return (x) => {
    let sum = 0;
    let amp = 1;
    let freq = 1;
    let norm = 0;
    for (let o = 0; o < octaves; o++) {
      sum += amp * base(x * freq + o * 17.3);
      norm += amp;
      amp *= 0.5;
      freq *= 2.03;
    }
    return sum / norm;
  };
}
