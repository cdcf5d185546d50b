/** Counts as the admin reads them: 100,000 (one locale everywhere, so tests and screens agree). */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
