/**
 * Sizes as the admin reads them: "12.3 MB", "2.1 GB". Decimal units (1 kB = 1,000 B), the same ones
 * browsers and operating systems use when they report disk space, so the figures can be compared.
 */
const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'] as const;

const ONE_DECIMAL = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const WHOLE = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/**
 * Formats a byte count with one decimal below 100 of a unit and none above ("12.3 MB", "512 MB").
 * Returns `fallback` for a missing, negative or non-finite count, which is what a browser without the
 * Storage API gives us.
 */
export function formatBytes(bytes: number | null | undefined, fallback = 'unknown'): string {
  if (bytes == null || !Number.isFinite(bytes) || bytes < 0) return fallback;
  if (bytes < 1000) return `${Math.round(bytes)} B`;
  let unit = 0;
  let value = bytes;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  let text = (value < 100 ? ONE_DECIMAL : WHOLE).format(value);
  // 999.96 kB rounds to "1,000 kB"; say "1 MB" instead.
  if (text === '1,000' && unit < UNITS.length - 1) {
    unit += 1;
    text = '1';
  }
  return `${text} ${UNITS[unit]}`;
}
