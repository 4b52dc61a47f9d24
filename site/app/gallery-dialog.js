// The gallery dialog: the poems written in this browser (kept by gallery.js in IndexedDB),
// each with a small painting; one opens on the page, one can be deleted.

import { state, setState } from './state.js';
import { els } from './elements.js';
import { t, show, setRun } from './messages.js';
import { showRecord } from './poem-runner.js';
import { paintPoem } from '../art/index.js';
import { formatPoem } from './forms.js';
import { listPoems, deletePoem } from './gallery.js';

/** @typedef {import('./state.js').PoemRecord} PoemRecord */

export async function openGallery() {
  els.galleryList.replaceChildren();
  /** @type {import('./gallery.js').GalleryEntry[]} */
  let entries = [];
  try {
    entries = await listPoems();
  } catch {
    entries = [];
  }
  els.galleryEmpty.hidden = entries.length > 0;
  /** @type {{canvas: HTMLCanvasElement, record: PoemRecord}[]} */
  const thumbs = [];
  for (const entry of entries) {
    const record = /** @type {PoemRecord} */ (entry.record);
    if (!record || typeof record.text !== 'string') continue;
    const li = document.createElement('li');
    li.className = 'gallery-item';
    const open = document.createElement('button');
    open.type = 'button';
    open.className = 'gallery-poem';
    const title = document.createElement('span');
    title.className = 'gallery-title';
    title.textContent = show(record.title) || show(formatPoem(record.text).split('\n')[0] || '');
    const lines = document.createElement('span');
    lines.className = 'gallery-lines';
    lines.textContent = show(formatPoem(record.text).split('\n').slice(0, 2).join(' '));
    const meta = document.createElement('span');
    meta.className = 'gallery-meta';
    meta.textContent = `${t(`form.${record.choice.form}`)} · ${new Date(entry.savedAt).toLocaleDateString(state.lang === 'en' ? 'en' : 'zh')}`;
    const thumb = document.createElement('canvas');
    thumb.className = 'gallery-thumb';
    thumb.width = 96;
    thumb.height = 120;
    thumb.setAttribute('aria-hidden', 'true');
    thumbs.push({ canvas: thumb, record });
    const words = document.createElement('span');
    words.className = 'gallery-words';
    words.append(title, lines, meta);
    open.append(thumb, words);
    open.addEventListener('click', () => {
      els.gallery.close();
      setState({ shared: null });
      els.replay.hidden = false;
      showRecord(record);
      setRun('done');
    });
    const del = document.createElement('button');
    del.type = 'button';
    del.className = 'gallery-delete';
    del.textContent = '×';
    del.setAttribute('aria-label', `${t('galleryDelete')} ${record.title}`);
    del.addEventListener('click', async () => {
      await deletePoem(entry.id);
      li.remove();
      els.galleryEmpty.hidden = els.galleryList.children.length > 0;
    });
    li.append(open, del);
    els.galleryList.append(li);
  }
  els.gallery.showModal();
  // Small paintings, one per task so the dialog stays responsive.
  for (const { canvas, record } of thumbs) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (!els.gallery.open) break;
    try {
      paintPoem(canvas, { poem: formatPoem(record.text), title: record.title, seed: record.sampling.seed >>> 0 });
    } catch {
      canvas.remove();
    }
  }
}
