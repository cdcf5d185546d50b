/**
 * A Vite dev server for the benchmark pages of test/bench/pages: they import the app's own modules (the
 * worker client, the database, the generator) and drive the roster worker directly, which the built app
 * in dist/ cannot offer. Started by the runner only when a scenario asks for such a page.
 */
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createServer, type Plugin, type ViteDevServer } from 'vite';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PAGES_DIRECTORY = fileURLToPath(new URL('./pages/', import.meta.url));
const PAGES_PATH = '/test/bench/pages/';
const HOST = '127.0.0.1';

/**
 * Serves the pages' HTML as written. Vite would add its client, which tries to open the HMR socket this
 * server does not offer and then polls the server, whose answer would be the app's own index.html.
 */
function servePagesAsWritten(): Plugin {
  return {
    name: 'bench-pages-as-written',
    configureServer(server) {
      server.middlewares.use((request, response, next) => {
        const path = new URL(request.url ?? '/', 'http://bench.invalid').pathname;
        const name = path.startsWith(PAGES_PATH) ? path.slice(PAGES_PATH.length) : '';
        if (!/^[\w-]+\.html$/.test(name)) return next();
        readFile(`${PAGES_DIRECTORY}${name}`).then(
          (body) => {
            response.setHeader('Content-Type', 'text/html; charset=utf-8');
            response.end(body);
          },
          () => next(),
        );
      });
    },
  };
}

export interface BenchDevServer {
  baseUrl: string;
  stop(): Promise<void>;
}

export async function startBenchDevServer(): Promise<BenchDevServer> {
  // An inline config rather than vite.config.ts: these pages need none of the app's plugins, and the PWA
  // plugin's service worker would only get in the way of a page that measures IndexedDB.
  const server: ViteDevServer = await createServer({
    configFile: false,
    root: PROJECT_ROOT,
    // No fallback to the app's index.html (for the browser's favicon request, say), whose Svelte entry
    // this server is not set up to compile.
    appType: 'mpa',
    plugins: [servePagesAsWritten()],
    // Its own optimizer cache, so a test run using the default one at the same time is never disturbed.
    cacheDir: 'node_modules/.vite/bench-dev',
    logLevel: 'warn',
    clearScreen: false,
    worker: { format: 'es' },
    // Every dependency known up front: a dependency discovered mid-run would make Vite reload the page.
    optimizeDeps: { noDiscovery: true, include: ['dexie', 'comlink', 'papaparse', 'fflate'] },
    server: {
      host: HOST,
      port: 0,
      // Source files may be edited while a benchmark runs: no watcher, no reload in the middle of a figure.
      hmr: false,
      ws: false,
      watch: null,
    },
  });
  await server.listen();
  const address = server.httpServer?.address() as AddressInfo | null;
  if (!address || typeof address !== 'object') {
    await server.close();
    throw new Error('the bench dev server did not report the port it listens on');
  }
  return { baseUrl: `http://${HOST}:${address.port}`, stop: () => server.close() };
}
