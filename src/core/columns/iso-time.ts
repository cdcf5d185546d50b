/**
 * `new Date(ms).toISOString()` for the times the roster holds (years 1000–9999, the only ones stored as
 * numbers: see `canonicalTimeOf`), about five times faster: a plan or an export makes a user an object
 * with three or four times each, a hundred thousand users at a time. The date part is looked up (a roster
 * spans a few thousand days), the time of day put together from two- and three-digit strings.
 */
const TWO_DIGITS = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1_000 }, (_, n) => String(n).padStart(3, '0'));
const DAY_MS = 86_400_000;
/** Days looked up so far ("2026-11-01T"), forgotten when they grow past any real roster's span. */
const dayPrefixes = new Map<number, string>();
const MAX_DAYS = 100_000;

export function isoTimeOf(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    if (dayPrefixes.size >= MAX_DAYS) dayPrefixes.clear();
    prefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
    dayPrefixes.set(day, prefix);
  }
  let rest = ms - day * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1_000);
  return `${prefix}${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds]}.${THREE_DIGITS[rest - seconds * 1_000]}Z`;
}
