// Share links people have already shared keep working: version-1 fragments committed in
// tests/fixtures/share/share-v1.json decode to the states written there by hand (README.md next
// to it), and the corrupted ones to their error codes. The round trips in share.test.mjs cannot
// catch a change made on both sides of the codec; these frozen links can.
// Run: node --test tests/js/share-v1.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { decodeShare } from '../../site/share/share-codec.js';
import { parseFormSlug } from '../../site/app/forms.js';
import { recordFromShare } from '../../site/app/share-link.js';
import { FIXTURES } from './support/paths.mjs';

const { links } = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'share/share-v1.json'), 'utf8'));

test('the fixture covers a plain poem, 藏頭, Traditional text, custom sampling and corrupted links', () => {
  const good = links.filter((l) => l.expected);
  assert.ok(good.length >= 4);
  assert.ok(good.some((l) => l.expected.form.acrostic));
  assert.ok(good.some((l) => l.expected.prompt.firstLine));
  assert.ok(links.some((l) => l.error === 'share_corrupted'));
  assert.ok(links.some((l) => l.error === 'share_truncated'));
});

for (const link of links) {
  test(`v1 link: ${link.name}`, () => {
    const result = decodeShare(link.fragment);
    if (link.error) {
      assert.equal(result.ok, false);
      assert.equal(result.code, link.error, result.ok ? 'decoded' : result.message);
      return;
    }
    assert.equal(result.ok, true, result.ok ? '' : `${result.code}: ${result.message}`);
    // A v1 link was written before guidance and the no-repeat default (format 2): it reads as
    // written then, guidance 1 and repeats allowed, so its replay is exact.
    assert.deepEqual(result.state, { ...link.expected, sampling: { ...link.expected.sampling, guidance: 1, noRepeat: false } });
    // The page can still open it: the form slug is one it knows.
    assert.notEqual(parseFormSlug(result.state.form.preset), null, result.state.form.preset);
    assert.notEqual(recordFromShare(result.state), null);
  });
}
