// The user's own poems, kept in this browser (IndexedDB; localStorage where IndexedDB is not
// available). Nothing is sent anywhere. Each entry is a PoemRecord (see state.js) plus an id and
// the time it was saved; the newest MAX_POEMS are kept.

const DB_NAME = 'inkstone-playground';
const STORE = 'poems';
const FALLBACK_KEY = 'inkstone.gallery.v1';
export const MAX_POEMS = 60;

/**
 * @typedef {object} GalleryEntry
 * @property {string} id
 * @property {number} savedAt   ms since the epoch
 * @property {any} record       a PoemRecord
 */

/** @type {Promise<IDBDatabase | null> | null} */
let dbPromise = null;

/** @returns {Promise<IDBDatabase | null>} */
function openDb() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve) => {
      if (typeof indexedDB === 'undefined') {
        resolve(null);
        return;
      }
      try {
        const request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = () => {
          const store = request.result.createObjectStore(STORE, { keyPath: 'id' });
          store.createIndex('savedAt', 'savedAt');
        };
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => resolve(null);
        request.onblocked = () => resolve(null);
      } catch {
        resolve(null);
      }
    });
  }
  return dbPromise;
}

/**
 * @template T
 * @param {IDBRequest<T>} request
 * @returns {Promise<T>}
 */
function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** @returns {GalleryEntry[]} */
function readFallback() {
  try {
    const list = JSON.parse(localStorage.getItem(FALLBACK_KEY) || '[]');
    return Array.isArray(list) ? list : [];
  } catch {
    return [];
  }
}

/** @param {GalleryEntry[]} list */
function writeFallback(list) {
  try {
    localStorage.setItem(FALLBACK_KEY, JSON.stringify(list.slice(0, MAX_POEMS)));
  } catch {
    // full: keep what fits
  }
}

/**
 * All entries, newest first.
 * @returns {Promise<GalleryEntry[]>}
 */
export async function listPoems() {
  const db = await openDb();
  if (!db) return readFallback();
  const all = await done(db.transaction(STORE).objectStore(STORE).getAll());
  return /** @type {GalleryEntry[]} */ (all).sort((a, b) => b.savedAt - a.savedAt);
}

/**
 * Saves a poem; drops the oldest beyond MAX_POEMS.
 * @param {any} record
 * @returns {Promise<GalleryEntry>}
 */
export async function savePoem(record) {
  const entry = {
    id: `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
    savedAt: Date.now(),
    record,
  };
  const db = await openDb();
  if (!db) {
    writeFallback([entry, ...readFallback()]);
    return entry;
  }
  const tx = db.transaction(STORE, 'readwrite');
  const store = tx.objectStore(STORE);
  store.put(entry);
  const all = /** @type {GalleryEntry[]} */ (await done(store.getAll()));
  all.sort((a, b) => b.savedAt - a.savedAt);
  for (const old of all.slice(MAX_POEMS)) store.delete(old.id);
  await new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve(undefined);
    tx.onerror = () => reject(tx.error);
  });
  return entry;
}

/**
 * @param {string} id
 */
export async function deletePoem(id) {
  const db = await openDb();
  if (!db) {
    writeFallback(readFallback().filter((e) => e.id !== id));
    return;
  }
  await done(db.transaction(STORE, 'readwrite').objectStore(STORE).delete(id));
}
