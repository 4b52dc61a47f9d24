// The painter's worker: paints a poem's landscape on its own OffscreenCanvas and sends the
// picture back as an ImageBitmap, so the page never stops for a repaint (several hundred ms
// for the playground's 800×1000 canvas on a slow machine). Used by BackgroundPainting
// (background-painting.js); the protocol:
//
//   page → worker  {id, width, height, seed, title, poem}
//   worker → page  {id, bitmap}            the picture, transferred
//                  {id, error}             painting failed (the page paints itself from then on)
import { paintPoem } from './ink-painter.js';

/**
 * @typedef {object} PaintRequest
 * @property {number} id
 * @property {number} width
 * @property {number} height
 * @property {number} seed
 * @property {string} title
 * @property {string} poem
 */

const scope = /** @type {{onmessage: ((e: MessageEvent) => void) | null, postMessage: (m: unknown, t?: Transferable[]) => void}} */ (
  /** @type {unknown} */ (self)
);

scope.onmessage = (/** @type {MessageEvent} */ event) => {
  const req = /** @type {PaintRequest} */ (event.data);
  try {
    const canvas = new OffscreenCanvas(req.width, req.height);
    paintPoem(canvas, { poem: req.poem, title: req.title, seed: req.seed });
    const bitmap = canvas.transferToImageBitmap();
    scope.postMessage({ id: req.id, bitmap }, [bitmap]);
  } catch (err) {
    scope.postMessage({ id: req.id, error: err instanceof Error ? err.message : String(err) });
  }
};
