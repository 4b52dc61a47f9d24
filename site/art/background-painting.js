// A painting that grows as a poem streams in, painted in a worker (paint-worker.js) so the page
// stays responsive while it repaints: the same interface as InkPainting (seed, title, key,
// setPoem), the same pixels, drawn onto the page's canvas when the worker sends them.
//
// At most one repaint is in flight; while it runs only the newest request waits, so a poem that
// grows faster than it can be painted skips the stale steps but always ends on its last one.
// The canvas says where it stands in data-paint: 'pending' (a repaint is coming) or 'done'.
// Without workers or OffscreenCanvas, or once the worker has failed, it paints on the page,
// as InkPainting does.
import { InkPainting, paintingKey } from './ink-painter.js';

/** @typedef {import('./paint-worker.js').PaintRequest} PaintRequest */

export class BackgroundPainting {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{seed?: number, title?: string, workerUrl?: string | URL}} [options]
   */
  constructor(canvas, options = {}) {
    this.canvas = canvas;
    this.seed = options.seed ?? 0;
    this.title = options.title ?? '';
    this.poem = '';
    /** the key of the last picture asked for (null: repaint on the next setPoem) @type {string | null} */
    this.key = null;
    /** @type {InkPainting | null} painting on the page (the fallback) */
    this.inline = null;
    /** @type {Worker | null} */
    this.worker = null;
    this.nextId = 1;
    /** @type {number} the id of the newest request */
    this.latest = 0;
    /**
     * Which painting the requests belong to: a new one starts with every reset (key set to
     * null, as a new poem does) or a new seed or title; a picture of an earlier one that
     * arrives late is not drawn.
     */
    this.generation = 0;
    /** @type {{seed: number, title: string}} what the newest request painted */
    this.painted = { seed: this.seed >>> 0, title: this.title };
    /** @type {{id: number, generation: number} | null} the request in flight */
    this.inFlight = null;
    /** @type {{req: PaintRequest, generation: number} | null} the newest request not yet sent */
    this.waiting = null;
    const url = options.workerUrl ?? new URL('./paint-worker.js', import.meta.url);
    if (typeof Worker !== 'undefined' && typeof OffscreenCanvas !== 'undefined' && typeof createImageBitmap !== 'undefined') {
      try {
        this.worker = new Worker(url, { type: 'module' });
        this.worker.onmessage = (e) => this.received(e.data);
        this.worker.onerror = (e) => {
          e.preventDefault();
          this.fail(e.message || 'the paint worker failed');
        };
        this.worker.onmessageerror = () => this.fail('a picture could not be received');
      } catch (err) {
        this.worker = null;
      }
    }
    this.canvas.dataset.paint = 'done';
  }

  /**
   * @param {string} poem the whole poem so far
   */
  setPoem(poem) {
    this.poem = poem;
    const key = paintingKey(this.canvas, this.seed, this.title, poem);
    if (key === this.key) return;
    const seed = this.seed >>> 0;
    if (this.key === null || seed !== this.painted.seed || this.title !== this.painted.title) this.generation++;
    this.key = key;
    this.painted = { seed, title: this.title };
    if (!this.worker) {
      this.paintHere();
      return;
    }
    const req = { id: this.nextId++, width: this.canvas.width, height: this.canvas.height, seed, title: this.title, poem };
    this.latest = req.id;
    this.canvas.dataset.paint = 'pending';
    if (this.inFlight) this.waiting = { req, generation: this.generation };
    else this.send(req, this.generation);
  }

  /**
   * @param {PaintRequest} req
   * @param {number} generation
   */
  send(req, generation) {
    this.inFlight = { id: req.id, generation };
    /** @type {Worker} */ (this.worker).postMessage(req);
  }

  /** @param {{id: number, bitmap?: ImageBitmap, error?: string}} msg */
  received(msg) {
    const sent = this.inFlight;
    if (!sent || msg.id !== sent.id) return;
    this.inFlight = null;
    if (msg.error !== undefined || !msg.bitmap) {
      this.fail(msg.error ?? 'no picture');
      return;
    }
    const fits = msg.bitmap.width === this.canvas.width && msg.bitmap.height === this.canvas.height;
    // An older step of this painting is still drawn when a newer one waits: the painting keeps
    // growing. One of an earlier painting (another poem) is not.
    const ctx = this.canvas.getContext('2d');
    if (ctx && fits && sent.generation === this.generation) {
      ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
      ctx.drawImage(msg.bitmap, 0, 0);
    }
    msg.bitmap.close();
    if (!fits && !this.waiting) {
      // The canvas was resized while this was painted: paint again at its size.
      this.key = null;
      this.setPoem(this.poem);
      return;
    }
    const next = this.waiting;
    this.waiting = null;
    if (next) this.send(next.req, next.generation);
    else if (msg.id === this.latest) this.canvas.dataset.paint = 'done';
  }

  /**
   * The worker cannot paint: paint on the page from now on, starting with the newest request.
   * @param {string} why
   */
  fail(why) {
    console.warn(`painting in a worker failed (${why}); painting on the page`);
    if (this.worker) this.worker.terminate();
    this.worker = null;
    this.inFlight = null;
    this.waiting = null;
    if (this.key !== null) this.paintHere();
    else this.canvas.dataset.paint = 'done';
  }

  paintHere() {
    if (!this.inline) this.inline = new InkPainting(this.canvas);
    this.inline.seed = this.seed;
    this.inline.title = this.title;
    this.inline.setPoem(this.poem);
    this.canvas.dataset.paint = 'done';
  }
}
