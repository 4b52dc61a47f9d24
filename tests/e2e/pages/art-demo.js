// Demo and test page for site/art (painter) and site/card (poem card).
// window.artDemo is the hook the E2E tests drive; the form is for people.
import { paintPoem, InkPainting } from '../../../site/art/ink-painter.js';
import { BackgroundPainting } from '../../../site/art/background-painting.js';
import { findMotifs } from '../../../site/art/motifs.js';
import { decodeShare } from '../../../site/share/share-codec.js';

/** Sample poems covering the motif table (public-domain Tang poems). */
export const SAMPLES = [
  { title: '山居秋暝', poem: '空山新雨後，天氣晚來秋。\n明月松間照，清泉石上流。\n竹喧歸浣女，蓮動下漁舟。\n隨意春芳歇，王孫自可留。' },
  { title: '江雪', poem: '千山鳥飛絕，萬徑人蹤滅。\n孤舟蓑笠翁，獨釣寒江雪。' },
  { title: '靜夜思', poem: '床前明月光，疑是地上霜。\n舉頭望明月，低頭思故鄉。' },
  { title: '登鸛雀樓', poem: '白日依山盡，黃河入海流。\n欲窮千里目，更上一層樓。' },
  { title: '绝句', poem: '两个黄鹂鸣翠柳，一行白鹭上青天。\n窗含西岭千秋雪，门泊东吴万里船。' },
  { title: '枫桥夜泊', poem: '月落乌啼霜满天，江枫渔火对愁眠。\n姑苏城外寒山寺，夜半钟声到客船。' },
  { title: '清明', poem: '清明时节雨纷纷，路上行人欲断魂。\n借问酒家何处有，牧童遥指杏花村。' },
  { title: '山行', poem: '远上寒山石径斜，白云生处有人家。\n停车坐爱枫林晚，霜叶红于二月花。' },
  { title: '梅花', poem: '墙角数枝梅，凌寒独自开。\n遥知不是雪，为有暗香来。' },
];

/** @param {Blob} blob */
async function blobToBase64(blob) {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/**
 * Counts pixels that differ clearly from the paper colour.
 * @param {HTMLCanvasElement} canvas
 */
function inkStats(canvas) {
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
  const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
  let ink = 0;
  for (let i = 0; i < data.length; i += 4) {
    const lum = 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
    if (lum < 180) ink++;
  }
  return { inkFraction: ink / (canvas.width * canvas.height) };
}

/**
 * Samples the mean colour of a disc (to check, e.g., that a moon was drawn).
 * @param {HTMLCanvasElement} canvas
 * @param {number} x
 * @param {number} y
 * @param {number} r
 */
function meanColor(canvas, x, y, r) {
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
  const { data } = ctx.getImageData(Math.round(x - r), Math.round(y - r), Math.round(2 * r), Math.round(2 * r));
  const sum = [0, 0, 0];
  for (let i = 0; i < data.length; i += 4) for (let c = 0; c < 3; c++) sum[c] += data[i + c];
  return sum.map((v) => v / (data.length / 4));
}

const api = {
  SAMPLES,
  findMotifs,
  /**
   * @param {{poem: string, title?: string, seed?: number, width?: number, height?: number, progress?: number}} o
   */
  async paint(o) {
    const canvas = document.createElement('canvas');
    canvas.width = o.width ?? 1024;
    canvas.height = o.height ?? 1024;
    const t0 = performance.now();
    const result = paintPoem(canvas, o);
    // A 1-pixel readback makes the canvas rasterize what it recorded, so the time is real.
    /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d')).getImageData(0, 0, 1, 1);
    const ms = performance.now() - t0;
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
    return { ...result, ms, png: await blobToBase64(/** @type {Blob} */ (blob)), ...inkStats(canvas) };
  },
  /** Paints the same poem line by line with InkPainting; returns the motifs after each line. */
  grow(/** @type {{poem: string, seed?: number}} */ o) {
    const canvas = document.createElement('canvas');
    canvas.width = 512;
    canvas.height = 512;
    const painting = new InkPainting(canvas, { seed: o.seed });
    const lines = o.poem.split('\n');
    return lines.map((_, i) => painting.setPoem(lines.slice(0, i + 1).join('\n')).motifs);
  },
  /**
   * Feeds a poem line by line to a BackgroundPainting (all at once, so the requests pile up
   * while the worker paints), waits for data-paint="done", and compares the canvas with
   * paintPoem of the whole poem on this thread: how many bytes differ, and how many requests
   * the worker was sent. `workerUrl` replaces the worker (a broken one checks the fallback).
   * `before`: a poem painted first with its own seed, then a reset to `seed` (a new poem on the
   * page).
   * @param {{poem: string, title?: string, seed?: number, width?: number, height?: number, workerUrl?: string,
   *          before?: {poem: string, seed: number}}} o
   */
  async background(o) {
    const canvas = document.createElement('canvas');
    canvas.width = o.width ?? 400;
    canvas.height = o.height ?? 500;
    const painting = new BackgroundPainting(canvas, { seed: o.before ? o.before.seed : o.seed ?? 0, title: o.title ?? '', workerUrl: o.workerUrl });
    const usedWorker = painting.worker !== null;
    let sent = 0;
    const send = painting.send.bind(painting);
    painting.send = (...a) => {
      sent++;
      send(...a);
    };
    let drawn = 0;
    const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
    const drawImage = ctx.drawImage.bind(ctx);
    ctx.drawImage = /** @type {any} */ ((/** @type {any[]} */ ...a) => {
      drawn++;
      return /** @type {any} */ (drawImage)(...a);
    });
    if (o.before) {
      // Another poem first (as the page before a new poem): in flight when the reset comes.
      painting.setPoem(o.before.poem);
      painting.seed = o.seed ?? 0;
      painting.key = null;
    }
    const lines = o.poem.split('\n');
    for (let i = 1; i <= lines.length; i++) painting.setPoem(lines.slice(0, i).join('\n'));
    const pendingAfterFeeding = canvas.dataset.paint;
    const t0 = performance.now();
    while (canvas.dataset.paint !== 'done') {
      if (performance.now() - t0 > 30_000) throw new Error('the background painting never finished');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // The reference: paintPoem of the whole poem on this thread, on the kind of canvas the
    // worker paints on (Chromium rasterizes an OffscreenCanvas and a <canvas> a little
    // differently: up to a few dozen levels at some edges), and on a <canvas> for the record.
    const read = (/** @type {HTMLCanvasElement | OffscreenCanvas} */ c) =>
      /** @type {CanvasRenderingContext2D} */ (c.getContext('2d')).getImageData(0, 0, c.width, c.height).data;
    const count = (/** @type {Uint8ClampedArray} */ x, /** @type {Uint8ClampedArray} */ y) => {
      let n = 0;
      for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) n++;
      return n;
    };
    const off = new OffscreenCanvas(canvas.width, canvas.height);
    paintPoem(off, { poem: o.poem, title: o.title, seed: o.seed });
    const html = document.createElement('canvas');
    html.width = canvas.width;
    html.height = canvas.height;
    paintPoem(html, { poem: o.poem, title: o.title, seed: o.seed });
    const a = read(canvas);
    const differing = count(a, read(usedWorker && painting.worker ? off : html));
    const differingFromCanvas = count(a, read(html));
    return { usedWorker, workerLeft: painting.worker !== null, sent, drawn, pendingAfterFeeding, differing, differingFromCanvas, bytes: a.length, ...inkStats(canvas) };
  },
  /** @param {import('../../../site/card/poem-card.js').CardOptions} o */
  async card(o) {
    const { renderCard, cardToPngBlob } = await import('../../../site/card/poem-card.js');
    const t0 = performance.now();
    const canvas = await renderCard(o);
    /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d')).getImageData(0, 0, 1, 1);
    const ms = performance.now() - t0;
    const blob = await cardToPngBlob(canvas);
    return { ms, width: canvas.width, height: canvas.height, png: await blobToBase64(blob), ...inkStats(canvas) };
  },
  meanColor,
};
/** @type {any} */ (window).artDemo = api;

// --- The page for people ----------------------------------------------------

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const art = /** @type {HTMLCanvasElement} */ ($('art'));
const status = $('status');
const params = new URLSearchParams(location.search);

function readForm() {
  return {
    title: /** @type {HTMLInputElement} */ ($('title')).value,
    poem: /** @type {HTMLTextAreaElement} */ ($('poem')).value,
    seed: Number(/** @type {HTMLInputElement} */ ($('seed')).value) >>> 0,
  };
}

function paintForm() {
  const o = readForm();
  const t0 = performance.now();
  const result = paintPoem(art, o);
  status.textContent = `${Math.round(performance.now() - t0)} ms · motifs: ${result.motifs.join(' ')} · drawn: ${result.drawn.join(' ')}`;
}

$('controls').addEventListener('submit', (e) => {
  e.preventDefault();
  paintForm();
});

$('stream').addEventListener('click', async () => {
  const o = readForm();
  const painting = new InkPainting(art, { seed: o.seed, title: o.title });
  const chars = [...o.poem];
  for (let i = 1; i <= chars.length; i++) {
    const r = painting.setPoem(chars.slice(0, i).join(''));
    status.textContent = r.motifs.join(' ');
    await new Promise((resolve) => setTimeout(resolve, 40));
  }
});

$('card').addEventListener('click', async () => {
  const o = readForm();
  const { renderCard } = await import('../../../site/card/poem-card.js');
  const canvas = await renderCard({ ...o, lang: 'zh-Hant' });
  $('gallery').replaceChildren(canvas);
});

/**
 * Shows a shared poem from the URL fragment, as text only; a bad link shows
 * its error code and message instead.
 */
function showShared() {
  if (!location.hash.startsWith('#p')) return false;
  const result = decodeShare(location.hash);
  $('share').hidden = false;
  if (!result.ok) {
    $('share-error').textContent = `${result.code}: ${result.message}`;
    $('share-error').dataset.code = result.code;
    return true;
  }
  const { state } = result;
  $('share-title').textContent = state.prompt.title;
  $('share-poem').textContent = state.poem;
  /** @type {HTMLInputElement} */ ($('title')).value = state.prompt.title;
  /** @type {HTMLTextAreaElement} */ ($('poem')).value = state.poem;
  /** @type {HTMLInputElement} */ ($('seed')).value = String(state.sampling.seed);
  return true;
}

async function main() {
  showShared();
  const view = params.get('view');
  if (params.has('poem')) /** @type {HTMLTextAreaElement} */ ($('poem')).value = params.get('poem') ?? '';
  if (params.has('seed')) /** @type {HTMLInputElement} */ ($('seed')).value = params.get('seed') ?? '0';
  if (params.has('title')) /** @type {HTMLInputElement} */ ($('title')).value = params.get('title') ?? '';
  if (params.has('sample')) {
    const s = SAMPLES[Number(params.get('sample'))];
    /** @type {HTMLTextAreaElement} */ ($('poem')).value = s.poem;
    /** @type {HTMLInputElement} */ ($('title')).value = s.title;
  }
  if (view === 'gallery') {
    document.body.classList.add('gallery');
    art.remove();
    const seed = Number(params.get('seed') ?? 7);
    for (const s of SAMPLES) {
      const c = document.createElement('canvas');
      c.width = 600;
      c.height = 600;
      paintPoem(c, { ...s, seed });
      $('gallery').append(c);
    }
    status.textContent = 'done';
    return;
  }
  if (view === 'card') {
    art.remove();
    const o = readForm();
    const { renderCard } = await import('../../../site/card/poem-card.js');
    const canvas = await renderCard({ ...o, lang: 'zh-Hant' });
    canvas.style.width = '900px';
    $('gallery').replaceChildren(canvas);
    status.textContent = 'done';
    return;
  }
  paintForm();
  status.textContent += ' · done';
}

main().catch((err) => {
  status.textContent = `error: ${err.message}`;
});
