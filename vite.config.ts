import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { VitePWA } from 'vite-plugin-pwa';
import { playwright } from '@vitest/browser-playwright';
import { chromiumLaunchOptions } from './test/chromium-launch-options.ts';
import { syncApiPlugin } from './src/server/sync-api-plugin.ts';
import { contentSecurityPolicyPlugin } from './src/server/content-security-policy-plugin.ts';
import { syncServerCommands } from './test/sync-server/sync-server-commands.ts';
import { syncServerProcessCommands } from './test/sync-server/sync-server-process-commands.ts';

export default defineConfig({
  plugins: [
    svelte(),
    // The reference sync server under /api, beside the app (dev and preview).
    syncApiPlugin(),
    // The Content-Security-Policy: a <meta> in index.html, and a header from dev and preview (workers read theirs).
    contentSecurityPolicyPlugin(),
    VitePWA({
      // 'prompt': a new version waits until the admin chooses to reload, so an edit in progress is never lost.
      registerType: 'prompt',
      injectRegister: false,
      manifest: {
        name: 'Offboard: roster console',
        short_name: 'Offboard',
        description: 'Offline console for training-platform admins: roster, deactivation plans, CSV, sync.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        theme_color: '#1d3557',
        background_color: '#f7f8fa',
        icons: [
          { src: 'pwa-192x192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: 'pwa-512x512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: 'maskable-icon-512x512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        // The whole app shell, workers included, so a reload with no network shows the app.
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}'],
        navigateFallback: 'index.html',
        // /api belongs to the sync server: never answer it from the cache.
        navigateFallbackDenylist: [/^\/api\//],
        cleanupOutdatedCaches: true,
        // The first install takes control of the open page (and its worker) at once: an admin who goes
        // offline before ever reloading still gets the lazily loaded code (import, exports) from the cache.
        // An update still waits for the admin ('prompt' never skips waiting).
        clientsClaim: true,
      },
    }),
  ],
  worker: { format: 'es' },
  // Pre-bundled up front so that a browser test importing it never triggers a reload mid-run.
  optimizeDeps: { include: ['axe-core', 'dexie', 'comlink', '@tanstack/virtual-core', 'papaparse', 'fflate'] },
  build: { target: 'es2022', sourcemap: true },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/core/**/*.test.ts', 'test/server/**/*.test.ts'],
          environment: 'node',
          // The sync server's storage is tested on a real PostgreSQL too: a throwaway cluster.
          globalSetup: ['test/server/throwaway-postgres.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['test/**/*.browser.test.ts'],
          setupFiles: ['test/testing-library-setup.ts'],
          // The sync server's crash tests keep its data in a real PostgreSQL: a throwaway cluster.
          globalSetup: ['test/server/throwaway-postgres.ts'],
          testTimeout: 60_000,
          browser: {
            enabled: true,
            headless: true,
            viewport: { width: 1280, height: 900 },
            provider: playwright({ launchOptions: chromiumLaunchOptions() }),
            // A reference sync server per test file, started and broken from the tests (sync over real HTTP).
            commands: { ...syncServerCommands, ...syncServerProcessCommands },
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
