// Independent browser cases (one fresh context each) run a few at a time instead of one after
// another: most of a case's time is page load and wasm compile, which overlap well even on two
// cores. Every case runs; the first failure (in item order) is thrown after all have settled,
// so a failing case is reported as it would be in a plain loop.
//
//   await eachLimited(LINKS, 4, async ([name, fragment]) => { ... });

/**
 * @template T
 * @param {readonly T[]} items
 * @param {number} limit cases at once (≥ 1)
 * @param {(item: T, index: number) => Promise<void>} run
 */
export async function eachLimited(items, limit, run) {
  /** @type {PromiseSettledResult<void>[]} */
  const results = new Array(items.length);
  let next = 0;
  async function lane() {
    while (next < items.length) {
      const i = next++;
      results[i] = await run(items[i], i).then(
        () => ({ status: 'fulfilled', value: undefined }),
        (reason) => ({ status: 'rejected', reason }),
      );
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed && failed.status === 'rejected') throw failed.reason;
}
