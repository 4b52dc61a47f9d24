// Serves the built site on 127.0.0.1 only, with the COOP/COEP headers that make the page
// crossOriginIsolated (so the threaded wasm can run) and the framing policy of docs/hosting.md
// (embed.html for any page's <iframe>, the other pages for none but the site's): `make serve`.
//   node tools/site/serve.mjs [dir] [port]
import path from 'node:path';

import { SITE_FRAMABLE, startServer } from '../lib/static-server.mjs';

const dir = path.resolve(process.argv[2] ?? 'dist');
const port = Number(process.argv[3] ?? 8080);

const server = await startServer({ root: dir, port, isolated: true, framable: SITE_FRAMABLE, directoryIndex: true, cacheControl: 'no-cache' });
console.log(`Inkstone: serving ${dir} at ${server.url}/`);
