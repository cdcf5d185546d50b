/**
 * Starts the system's Chromium through playwright-core and opens contexts ready for code passed to
 * `page.evaluate`, for the end-to-end tests and the benchmarks alike.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions } from 'playwright-core';
import { chromiumLaunchOptions } from './chromium-launch-options.ts';

export async function launchChromium(): Promise<Browser> {
  const { executablePath, args } = chromiumLaunchOptions();
  if (!existsSync(executablePath)) {
    throw new Error(`No Chromium at ${executablePath}: install it (apt-get install -y chromium) or set CHROMIUM_PATH.`);
  }
  return chromium.launch({ executablePath, args, headless: true });
}

/**
 * tsx (which runs the benchmarks) compiles with esbuild's keepNames, which wraps inner functions in
 * a `__name(fn, "name")` call; a function serialized into the page by `page.evaluate` then throws
 * "__name is not defined". An identity `__name` in every document of the context keeps such code working.
 */
const KEEP_NAMES_HELPER = 'globalThis.__name ??= (fn) => fn;';

/**
 * A context whose storage lives on disk, in a new profile folder that `close()` removes. Contexts from
 * `browser.newContext()` are incognito: their IndexedDB is kept in memory, which would flatter every
 * write figure. The benchmarks measure what an admin's browser does, so they use these.
 */
export async function newOnDiskContext(options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const { executablePath, args } = chromiumLaunchOptions();
  const profile = await mkdtemp(join(tmpdir(), 'offboard-bench-profile-'));
  const context = await chromium.launchPersistentContext(profile, { ...options, executablePath, args, headless: true });
  await context.addInitScript({ content: KEEP_NAMES_HELPER });
  // Chromium may still be writing the profile as it exits: retry, and never fail a run over a temp folder.
  context.on('close', () => void rm(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }).catch(() => undefined));
  return context;
}

/** A new, empty context (no storage, no service worker, no cache shared with any other). */
export async function newIsolatedContext(browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  await context.addInitScript({ content: KEEP_NAMES_HELPER });
  return context;
}
