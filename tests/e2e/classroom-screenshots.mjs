#!/usr/bin/env node
// Screenshots of the classroom for looking at, not for comparing: the whole page at step 3 (with
// the form-rules mask), the formula panel on the chosen head and on the worked example (2×5), and
// the guided tour's first stop, at desktop (1280×900) and phone (390×844) sizes, in Simplified
// Chinese, Traditional Chinese and English, light and dark.
//
//   node tests/e2e/classroom-screenshots.mjs [outDir]     (INK_POETRY_MODEL=/path/to/model.gguf)
import fs from 'node:fs';
import path from 'node:path';

import { startClassroomSite, openClassroom, steps, LANGS } from './classroom-site.mjs';

const out = path.resolve(process.argv[2] || 'classroom-shots');
fs.mkdirSync(out, { recursive: true });

const START = `#c=1&f=${encodeURIComponent('<五绝>')}&t=${encodeURIComponent('秋夜')}&s=3&T=0.9&k=0&p=1&m=0&r=1&n=0`;
const VIEWPORTS = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } };

const site = await startClassroomSite();
try {
  for (const [name, viewport] of Object.entries(VIEWPORTS)) {
    for (const lang of LANGS) {
      for (const colorScheme of /** @type {const} */ (['light', 'dark'])) {
        const { page, errors } = await openClassroom(site, START, { viewport, lang, colorScheme });
        await steps(page, 3);
        const tag = `${name}-${lang}-${colorScheme}`;
        await page.screenshot({ path: path.join(out, `page-${tag}.png`), fullPage: true });
        const panel = page.locator('#panel-formula');
        await panel.scrollIntoViewIfNeeded();
        await panel.screenshot({ path: path.join(out, `formula-head-${tag}.png`) });
        await page.click('#formula-worked');
        await panel.screenshot({ path: path.join(out, `worked-${tag}.png`) });
        await page.click('#tour-start');
        await page.screenshot({ path: path.join(out, `tour-${tag}.png`) });
        await page.close();
        if (errors.length) console.error(`${tag}: ${errors.join('\n')}`);
      }
    }
  }
} finally {
  await site.close();
}
console.log(`screenshots in ${out}`);
