/**
 * How counts and lists read in English, in one place for every screen: "1 user", "2 batches",
 * "region and offboard". Counts keep the thousands separators of `formatCount`.
 */
import { formatCount } from './format-count.ts';

/** The plural of a word or of a phrase's last word: batch → batches, entry → entries, user → users. */
function regularPlural(singular: string): string {
  if (/[^aeiou]y$/i.test(singular)) return `${singular.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/i.test(singular)) return `${singular}es`;
  return `${singular}s`;
}

/** The word (or phrase) for `count` things, without the count: "user" or "users". */
export function pluralWord(count: number, singular: string, pluralForm: string = regularPlural(singular)): string {
  return count === 1 ? singular : pluralForm;
}

/**
 * `count` things in words: plural(1, 'user') is "1 user", plural(15000, 'user') "15,000 users". Give
 * `pluralForm` where English does not follow the rule, or a verb must agree: plural(n, 'change is', 'changes are').
 */
export function plural(count: number, singular: string, pluralForm?: string): string {
  return `${formatCount(count)} ${pluralWord(count, singular, pluralForm)}`;
}

/**
 * Items as a sentence says them: "region and offboard", "a, b and c". With `limit`, a long list names its
 * first items and counts the rest: "a, b, c and 2 more".
 */
export function formatList(items: readonly string[], conjunction = 'and', limit = Infinity): string {
  const named = items.length > limit ? [...items.slice(0, limit), `${formatCount(items.length - limit)} more`] : [...items];
  if (named.length <= 1) return named.join('');
  return `${named.slice(0, -1).join(', ')} ${conjunction} ${named.at(-1)}`;
}
