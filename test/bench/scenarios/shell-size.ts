/**
 * How much JavaScript a first visit downloads before the first screen is up: every script, module
 * preload and worker the page loads, each gzipped at level 9 (what a static host serves at best), summed.
 */
import { gzipSync } from 'node:zlib';
import type { Response } from 'playwright-core';
import type { BenchScenario } from '../bench-scenario.ts';

function isJavaScript(response: Response): boolean {
  const contentType = response.headers()['content-type'] ?? '';
  return /javascript|ecmascript/.test(contentType) || /\.m?js$/.test(new URL(response.url()).pathname);
}

export default {
  name: 'shell-size',
  async run({ newContext, baseUrl, log }) {
    // Blocked so that the service worker's precache, which fetches every chunk in the background lazy
    // ones included, does not count as what the first screen needs.
    const context = await newContext({ serviceWorkers: 'block' });
    const scripts = new Map<string, Response>();
    // On the context, not the page: a dedicated worker's script is requested by the worker.
    context.on('response', (response) => {
      if (response.ok() && isJavaScript(response)) scripts.set(response.url(), response);
    });

    const page = await context.newPage();
    await page.goto(`${baseUrl}/`, { waitUntil: 'networkidle' });
    await page.waitForFunction(() => {
      const main = document.querySelector('main');
      return main !== null && main.checkVisibility() && (main.textContent ?? '').trim().length > 0;
    });
    await page.waitForLoadState('networkidle');

    let gzippedBytes = 0;
    for (const [url, response] of scripts) {
      const body = await response.body();
      const gzipped = gzipSync(body, { level: 9 }).length;
      gzippedBytes += gzipped;
      log(`${new URL(url).pathname}: ${body.length} B, ${gzipped} B gzipped`);
    }
    if (scripts.size === 0) throw new Error('the first screen loaded no JavaScript: is the build in dist/ complete?');
    // kB of 1,000 bytes, as in Vite's own build report.
    return { name: 'shell_js_gzip_kb', value: Math.round(gzippedBytes / 100) / 10, unit: 'kB' };
  },
} satisfies BenchScenario;
