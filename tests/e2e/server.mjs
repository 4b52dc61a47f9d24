// The E2E tests' server and browser: the repository root on 127.0.0.1 at a random port, with a
// Content-Security-Policy without inline scripts and (optionally) COOP/COEP so that pages are
// crossOriginIsolated; Debian's headless Chromium with a fresh profile. Both come from the one
// server and launcher of the tests and tools (tools/lib/static-server.mjs, tools/lib/chromium.mjs).
//   const server = await startServer({ isolated: true }); ... await server.close();
import { ROOT, STRICT_CSP, startServer as startStaticServer } from '../../tools/lib/static-server.mjs';

export { ROOT };
export { CHROMIUM, canRunChromium, launchChromium } from '../../tools/lib/chromium.mjs';

/** The policy every page of these tests is served with. */
export const CSP = STRICT_CSP;

/**
 * @param {{isolated?: boolean, root?: string}} [options]
 * @returns {Promise<{url: string, close: () => Promise<void>, requests: string[]}>}
 */
export function startServer(options = {}) {
  return startStaticServer({ root: options.root || ROOT, isolated: options.isolated === true, csp: CSP });
}
