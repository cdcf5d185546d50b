/**
 * Mounts the reference sync server under /api on Vite's dev and preview servers, so `npm run dev` and
 * `npm start` serve the app and its server from one origin. Data lives in an embedded PostgreSQL (PGlite)
 * in OFFBOARD_SYNC_DATA (default `.offboard-sync/`), or in the PostgreSQL server OFFBOARD_SYNC_DATABASE_URL
 * names; the first start creates the demo organization of OFFBOARD_SYNC_DEMO_SIZE users.
 * Vitest's own server gets no /api: tests start their servers themselves.
 */
import type { Connect, Plugin } from 'vite';
import { resolve } from 'node:path';
import { openReferenceSyncApi, tokensFromEnvironment, type ReferenceSyncApi } from './reference-sync-server.ts';

export function syncApiPlugin(): Plugin {
  let api: Promise<ReferenceSyncApi> | null = null;
  const middleware: Connect.NextHandleFunction = (request, response, next) => {
    if (!request.url?.startsWith('/api/')) return next();
    api ??= openReferenceSyncApi({
      dataDirectory: resolve(process.env.OFFBOARD_SYNC_DATA ?? '.offboard-sync'),
      databaseUrl: process.env.OFFBOARD_SYNC_DATABASE_URL || undefined,
      demoSize: process.env.OFFBOARD_SYNC_DEMO_SIZE ? Number(process.env.OFFBOARD_SYNC_DEMO_SIZE) : undefined,
      tokens: tokensFromEnvironment(process.env.OFFBOARD_SYNC_TOKENS),
    });
    const opening = api;
    opening.then(
      ({ handler }) => handler(request, response, next),
      (error: unknown) => {
        // Not kept: the next request tries again (a database server back up, a directory made writable).
        if (api === opening) api = null;
        response.statusCode = 500;
        response.setHeader('Content-Type', 'application/json; charset=utf-8');
        response.end(JSON.stringify({ code: 'server_error', message: `The sync server could not open its data: ${(error as Error).message}` }));
      },
    );
  };
  return {
    name: 'offboard-sync-api',
    configureServer(server) {
      if (process.env.VITEST) return;
      server.middlewares.use(middleware);
    },
    configurePreviewServer(server) {
      server.middlewares.use(middleware);
    },
  };
}
