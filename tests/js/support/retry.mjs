// Timing bounds in browser tests on a shared machine: a measurement that misses its bound once
// may be a neighbour's fault, so it is taken again, up to three times in all, and passes if any
// attempt passes. A real regression misses every time. (Speed itself is measured in tools/bench,
// not asserted here.)
//
//   const r = await retryTiming(() => paint(...), (r) => assert.ok(r.ms < 30000, `${r.ms} ms`));

/** Attempts in all, the first included. */
export const TIMING_ATTEMPTS = 3;

/**
 * Runs `measure`, then `check` on its result (check throws, e.g. an assertion, when the bound is
 * missed); on a miss measures again, up to TIMING_ATTEMPTS times. Returns the first result that
 * passes; throws the last miss, with every attempt's message, when none does. Errors from
 * `measure` itself are not retried.
 * @template T
 * @param {() => Promise<T> | T} measure
 * @param {(result: T) => void} check
 * @param {number} [attempts]
 * @returns {Promise<T>}
 */
export async function retryTiming(measure, check, attempts = TIMING_ATTEMPTS) {
  /** @type {string[]} */
  const misses = [];
  for (let i = 1; ; i++) {
    const result = await measure();
    try {
      check(result);
      if (misses.length > 0) console.log(`# timing passed on attempt ${i} after: ${misses.join(' | ')}`);
      return result;
    } catch (err) {
      misses.push(err instanceof Error ? err.message : String(err));
      if (i >= attempts) {
        if (err instanceof Error) err.message = `missed on all ${attempts} attempts: ${misses.join(' | ')}`;
        throw err;
      }
    }
  }
}
