import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { useBrowserSession } from './browser-session.ts';
import { PROJECT_ROOT } from '../start-preview-server.ts';

interface ManifestIcon {
  src: string;
  sizes?: string;
  type?: string;
  purpose?: string;
}

interface WebAppManifest {
  name?: string;
  short_name?: string;
  start_url?: string;
  scope?: string;
  display?: string;
  theme_color?: string;
  background_color?: string;
  icons?: ManifestIcon[];
}

const HEX_COLOUR = /^#[0-9a-f]{6}$/i;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
// The first install precaches the whole shell, the roster worker included.
const SERVICE_WORKER_TIMEOUT_MS = 20_000;

function purposesOf(icon: ManifestIcon): string[] {
  return (icon.purpose ?? 'any').split(/\s+/);
}

/** Width and height from a PNG's IHDR chunk, which always comes first. */
function pngSize(bytes: Buffer): string {
  return `${bytes.readUInt32BE(16)}x${bytes.readUInt32BE(20)}`;
}

/** The script URL of the service worker that became active for the page, or a failure that says why not. */
async function waitForActiveServiceWorker(page: Page): Promise<string> {
  const scriptUrl = await page.evaluate(async (timeoutMs) => {
    const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), timeoutMs));
    const registration = await Promise.race([navigator.serviceWorker.ready, timeout]);
    return registration?.active?.scriptURL ?? null;
  }, SERVICE_WORKER_TIMEOUT_MS);
  if (!scriptUrl) {
    throw new Error(`no service worker became active within ${SERVICE_WORKER_TIMEOUT_MS / 1000} s: the app registers /sw.js through workbox-window`);
  }
  return scriptUrl;
}

async function controllingScriptUrl(page: Page): Promise<string | null> {
  return page.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? null);
}

async function expectFirstScreen(page: Page): Promise<void> {
  expect(await page.title()).toBe('Offboard');
  await page.waitForFunction(() => (document.querySelector('main')?.textContent ?? '').trim().length > 0, undefined, { timeout: 30_000 });
  expect(await page.locator('main').isVisible()).toBe(true);
}

describe('the installable, offline app shell', () => {
  const session = useBrowserSession();

  it('links a web manifest with the names, scope, colours and icons an install needs', async () => {
    const { page } = session();
    await page.goto('/');
    const href = await page.locator('link[rel="manifest"]').getAttribute('href');
    expect(href, 'index.html links a manifest').toBeTruthy();

    const manifestUrl = new URL(href!, page.url());
    const response = await page.request.get(manifestUrl.href);
    expect(response.status()).toBe(200);
    const manifest = (await response.json()) as WebAppManifest;

    expect(manifest.name).toMatch(/Offboard/);
    expect(manifest).toMatchObject({ short_name: 'Offboard', start_url: '/', scope: '/', display: 'standalone' });
    expect(manifest.background_color).toMatch(HEX_COLOUR);
    expect(manifest.theme_color).toMatch(HEX_COLOUR);
    // The browser's UI takes its colour from the page before the manifest is read: the two must agree.
    const metaThemeColour = await page.locator('meta[name="theme-color"]').getAttribute('content');
    expect(metaThemeColour?.toLowerCase()).toBe(manifest.theme_color?.toLowerCase());

    const icons = manifest.icons ?? [];
    const anyPurpose = icons.filter((icon) => purposesOf(icon).includes('any'));
    const maskable = icons.filter((icon) => purposesOf(icon).includes('maskable'));
    for (const size of ['192x192', '512x512']) {
      expect(anyPurpose.some((icon) => icon.sizes === size && icon.type === 'image/png'), `a ${size} PNG icon for any purpose`).toBe(true);
    }
    // A maskable icon is cropped to a circle or squircle; shown unmasked it looks too small, so it is its own file.
    expect(maskable.length, 'a maskable icon').toBeGreaterThan(0);
    for (const icon of maskable) {
      expect(purposesOf(icon), `${icon.src} is maskable only`).toEqual(['maskable']);
      expect(anyPurpose.map((other) => other.src)).not.toContain(icon.src);
    }

    // Only icons whose files exist yet are fetched: the PNGs are drawn separately from the manifest.
    for (const icon of icons) {
      const iconUrl = new URL(icon.src, manifestUrl);
      if (!existsSync(join(PROJECT_ROOT, 'public', decodeURIComponent(iconUrl.pathname)))) continue;
      const iconResponse = await page.request.get(iconUrl.href);
      expect(iconResponse.status(), `GET ${iconUrl.pathname}`).toBe(200);
      expect(iconResponse.headers()['content-type']).toBe('image/png');
      const bytes = await iconResponse.body();
      expect(bytes.subarray(0, 8).equals(PNG_SIGNATURE), `${iconUrl.pathname} is a PNG`).toBe(true);
      expect(pngSize(bytes), `${iconUrl.pathname} has the size the manifest declares`).toBe(icon.sizes);
    }
  });

  it('registers /sw.js, which controls the page after a reload', async () => {
    const { page } = session();
    await page.goto('/');
    const scriptUrl = await waitForActiveServiceWorker(page);
    expect(new URL(scriptUrl).pathname).toBe('/sw.js');

    await page.reload();
    expect(await controllingScriptUrl(page)).toBe(scriptUrl);
  });

  it('shows the app after a reload with the network off', async () => {
    const { page, context } = session();
    await page.goto('/');
    await waitForActiveServiceWorker(page);
    await page.reload();
    expect(await controllingScriptUrl(page), 'the service worker controls the page before going offline').not.toBeNull();

    await context.setOffline(true);
    const response = await page.reload();
    expect(response?.fromServiceWorker(), 'the document came from the precache').toBe(true);
    await expectFirstScreen(page);
  });
});
