import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    name: 'e2e',
    include: ['test/e2e/**/*.e2e.test.ts'],
    environment: 'node',
    globalSetup: ['test/e2e/preview-server.ts'],
    // Every file drives the same preview server and starts its own Chromium: one at a time keeps
    // timings (and service worker installs) from competing.
    fileParallelism: false,
    // A cold Chromium start, a service worker precaching the whole shell, IndexedDB work.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default', './test/skipped-tests-in-ci-reporter.ts'],
  },
});
