/**
 * The built app's Content-Security-Policy: in index.html as a <meta>, sent by `vite preview` as a header
 * on the document and on the workers' scripts (a worker takes its policy from its own response), the app
 * working under it, and what it forbids actually forbidden. The policy expected is the one the build
 * made from OFFBOARD_SYNC_ORIGINS, which `npm run test:e2e` reads for the build and the tests alike.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { parseSyncOrigins } from '../../src/core/sync/parse-sync-origins.ts';
import { contentSecurityPolicy } from '../../src/server/content-security-policy.ts';
import { PROJECT_ROOT } from '../start-preview-server.ts';
import { useBrowserSession } from './browser-session.ts';

const EXPECTED_POLICY = contentSecurityPolicy({ syncOrigins: parseSyncOrigins(process.env.OFFBOARD_SYNC_ORIGINS).origins });
const SERVICE_WORKER_TIMEOUT_MS = 20_000;

interface Violation {
  directive: string;
  blocked: string;
  source: string;
}

type ViolationWindow = typeof globalThis & { cspViolations?: Violation[] };

/** Collects the page's `securitypolicyviolation` events from before its first script runs. */
async function watchViolations(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const seen: Violation[] = [];
    (globalThis as ViolationWindow).cspViolations = seen;
    document.addEventListener(
      'securitypolicyviolation',
      (event) => seen.push({ directive: event.effectiveDirective, blocked: event.blockedURI, source: `${event.sourceFile}:${event.lineNumber}` }),
      { capture: true },
    );
  });
}

function violationsOf(page: Page): Promise<Violation[]> {
  return page.evaluate(() => (globalThis as ViolationWindow).cspViolations ?? []);
}

function decodeAttribute(value: string): string {
  return value.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

/** A server on another origin that would answer any page (CORS `*`): only the policy can stop a fetch to it. */
async function startOtherOrigin(): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let requests = 0;
  const server: Server = createServer((_request, response) => {
    requests++;
    response.writeHead(200, { 'Access-Control-Allow-Origin': '*', 'Content-Type': 'text/plain' });
    response.end('reachable');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/data`,
    requests: () => requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('the Content-Security-Policy of the built app', () => {
  const session = useBrowserSession();
  let otherOrigin: Awaited<ReturnType<typeof startOtherOrigin>>;

  beforeAll(async () => {
    otherOrigin = await startOtherOrigin();
  });
  afterAll(async () => {
    await otherOrigin?.close();
  });

  it('is in the built index.html as a <meta>, before any script or stylesheet', () => {
    const html = readFileSync(join(PROJECT_ROOT, 'dist', 'index.html'), 'utf8');
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]*)"\s*\/?>/.exec(html);
    expect(meta, 'dist/index.html carries a CSP <meta>').not.toBeNull();
    expect(decodeAttribute(meta![1]!)).toBe(EXPECTED_POLICY);
    const firstResource = html.search(/<script|<link/);
    expect(meta!.index).toBeLessThan(firstResource);
  });

  it('is sent as a header on the document, the roster worker’s script and the service worker’s', async () => {
    const { page } = session();
    const worker = page.waitForEvent('worker', { timeout: 30_000 });
    const document = await page.goto('/');
    expect(document?.headers()['content-security-policy']).toBe(EXPECTED_POLICY);

    const workerUrl = (await worker).url();
    expect(new URL(workerUrl).origin).toBe(new URL(page.url()).origin);
    const workerScript = await page.request.get(workerUrl);
    expect(workerScript.status()).toBe(200);
    expect(workerScript.headers()['content-security-policy']).toBe(EXPECTED_POLICY);

    const serviceWorkerScript = await page.request.get('/sw.js');
    expect(serviceWorkerScript.status()).toBe(200);
    expect(serviceWorkerScript.headers()['content-security-policy']).toBe(EXPECTED_POLICY);
  });

  it('lets the app work: no violation from the first screen to the demo loaded and the service worker active', async () => {
    const { page, consoleErrors } = session();
    await watchViolations(page);
    await page.goto('/');
    await page.getByRole('heading', { name: 'Welcome to Offboard' }).waitFor();
    await page.getByRole('button', { name: 'Load demo organization' }).click();
    await page.getByRole('heading', { name: 'My Team' }).waitFor({ timeout: 60_000 });
    await page.getByText('2,000 users', { exact: true }).waitFor();
    await page.getByRole('table', { name: 'Users' }).getByRole('button', { name: /^Show details of / }).first().waitFor();
    const isServiceWorkerActive = await page.evaluate(async (timeoutMs) => {
      const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), timeoutMs));
      return (await Promise.race([navigator.serviceWorker.ready, timeout]))?.active !== undefined;
    }, SERVICE_WORKER_TIMEOUT_MS);
    expect(isServiceWorkerActive, 'the service worker registered and activated under the policy').toBe(true);

    expect(await violationsOf(page)).toEqual([]);
    // Chromium reports a violation in a worker on the console, which the page's listener does not see.
    expect(consoleErrors).toEqual([]);
  });

  it('blocks a fetch to another origin and an inline script', async () => {
    const { page } = session();
    await watchViolations(page);
    await page.goto('/');
    await page.getByRole('heading', { name: 'Welcome to Offboard' }).waitFor();

    // Without the policy the fetch would succeed: the server answers anyone.
    expect(await (await fetch(otherOrigin.url)).text()).toBe('reachable');
    const requestsBefore = otherOrigin.requests();
    const outcome = await page.evaluate(async (url) => {
      try {
        await fetch(url);
        return 'fetched';
      } catch (error) {
        return `${(error as Error).name}`;
      }
    }, otherOrigin.url);
    expect(outcome).toBe('TypeError');
    expect(otherOrigin.requests(), 'the request never left the browser').toBe(requestsBefore);

    const hasInlineScriptRun = await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'globalThis.inlineScriptRan = true;';
      document.head.append(script);
      return (globalThis as typeof globalThis & { inlineScriptRan?: boolean }).inlineScriptRan === true;
    });
    expect(hasInlineScriptRun).toBe(false);

    // Each is reported once per copy of the policy enforced (the header's and the <meta>'s).
    await expect
      .poll(async () => [...new Set((await violationsOf(page)).map((v) => `${v.directive} ${v.blocked}`))])
      .toEqual([`connect-src ${otherOrigin.url}`, 'script-src-elem inline']);
  });
});
