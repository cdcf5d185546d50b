/**
 * Serves the built app with `vite preview` in a child process, for the end-to-end tests and the
 * benchmarks. The production build is what an admin installs, service worker and precache included,
 * so it is what those measure; the dev server would not register the service worker at all.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

const VITE_BIN = fileURLToPath(new URL('../node_modules/vite/bin/vite.js', import.meta.url));
// A service worker needs a secure context; 127.0.0.1 is one, and naming it avoids `localhost`
// resolving to ::1 on one side and 127.0.0.1 on the other.
const HOST = '127.0.0.1';
const STARTUP_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
const KEPT_OUTPUT_CHARS = 4_000;

export interface PreviewServer {
  baseUrl: string;
  /** The sync server's data directory under /api: fresh for every preview, removed on stop. */
  syncDataDirectory: string;
  stop(): Promise<void>;
}

export class PreviewServerError extends Error {
  readonly code = 'PREVIEW_SERVER_FAILED';
  override readonly name = 'PreviewServerError';
}

/** Starts `vite preview` on a free port and resolves once the app's root URL answers. */
export async function startPreviewServer(options: { syncDemoSize?: number } = {}): Promise<PreviewServer> {
  if (!existsSync(new URL('../dist/index.html', import.meta.url))) {
    throw new PreviewServerError('dist/index.html is missing: run `vite build` first (the npm scripts do).');
  }
  const port = await findFreePort();
  const baseUrl = `http://${HOST}:${port}`;
  // The reference sync server under /api starts from the demo each time: runs never share its data.
  const syncDataDirectory = mkdtempSync(join(tmpdir(), 'offboard-preview-sync-'));
  const child = spawn(process.execPath, [VITE_BIN, 'preview', '--port', String(port), '--strictPort', '--host', HOST], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      NO_COLOR: '1',
      OFFBOARD_SYNC_DATA: syncDataDirectory,
      ...(options.syncDemoSize ? { OFFBOARD_SYNC_DEMO_SIZE: String(options.syncDemoSize) } : {}),
    },
  });

  // Kept only to explain a failed start; the server's chatter would otherwise mix with test output.
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-KEPT_OUTPUT_CHARS);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  child.once('error', (error) => {
    keep(Buffer.from(String(error)));
    hasExited = true;
  });

  const stop = async (): Promise<void> => {
    if (hasExited) {
      rmSync(syncDataDirectory, { recursive: true, force: true });
      return;
    }
    child.kill('SIGTERM');
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, STOP_TIMEOUT_MS, 'timeout').unref());
    if ((await Promise.race([exited, timeout])) === 'timeout') {
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(syncDataDirectory, { recursive: true, force: true });
  };

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (!(await answers(baseUrl))) {
    if (hasExited) {
      throw new PreviewServerError(`vite preview exited before serving ${baseUrl}:\n${output}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new PreviewServerError(`vite preview did not answer at ${baseUrl} within ${STARTUP_TIMEOUT_MS / 1000} s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { baseUrl, syncDataDirectory, stop };
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/** Asks the OS for a port nobody listens on; `--strictPort` turns the small race that remains into an error. */
async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new PreviewServerError('could not read the port the OS assigned'));
      });
    });
  });
}
