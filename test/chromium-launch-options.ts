/**
 * One place that says how Chromium is started, for Vitest's browser mode, the end-to-end tests and the
 * benchmarks alike. The system's Chromium is used because no browser can be downloaded here; the flags
 * keep it from reaching for networks that are closed.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

export function chromiumLaunchOptions(): { executablePath: string; args: string[] } {
  return { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS };
}
