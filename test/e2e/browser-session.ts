/**
 * One Chromium per test file, one fresh context per test: no storage, cache or service worker leaks
 * from a test into the next, and console errors are collected for assertion messages.
 */
import { afterAll, afterEach, beforeAll, beforeEach, inject } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, newIsolatedContext } from '../launch-chromium.ts';

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /** The preview server's origin; `page.goto('/')` resolves against it. */
  baseUrl: string;
  /** `console.error` calls and uncaught exceptions of the page, oldest first. */
  consoleErrors: string[];
}

/** Opens a context on the preview server with service workers allowed, and its first page. */
export async function openBrowserSession(browser: Browser): Promise<BrowserSession> {
  const baseUrl = inject('previewBaseUrl');
  const context = await newIsolatedContext(browser, { baseURL: baseUrl, serviceWorkers: 'allow' });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const { url, lineNumber } = message.location();
    consoleErrors.push(url ? `${message.text()} (${url}:${lineNumber})` : message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(`uncaught ${error.name}: ${error.message}`));
  return { context, page, baseUrl, consoleErrors };
}

/**
 * Registers the hooks of a test file: Chromium for the file, a session per test. Call it inside
 * `describe` (or at the top level); read the current session with the returned function.
 */
export function useBrowserSession(): () => BrowserSession {
  let browser: Browser | undefined;
  let session: BrowserSession | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    if (!browser) throw new Error('Chromium did not start (see beforeAll)');
    session = await openBrowserSession(browser);
  });
  afterEach(async () => {
    await session?.context.close();
    session = undefined;
  });

  return () => {
    if (!session) throw new Error('useBrowserSession(): no session outside a test');
    return session;
  };
}
