// Serves the built site on 127.0.0.1 only, with the COOP/COEP headers that make the page
// crossOriginIsolated (so the threaded wasm can run): `make serve`.
//   node tools/site/serve.mjs [dir] [port]
import path from 'node:path';

import { startServer } from '../lib/static-server.mjs';

const dir = path.resolve(process.argv[2] ?? 'dist');
const port = Number(process.argv[3] ?? 8080);

const server = await startServer({ root: dir, port, isolated: true, directoryIndex: true, cacheControl: 'no-cache' });
console.log(`Inkstone: serving ${dir} at ${server.url}/`);
