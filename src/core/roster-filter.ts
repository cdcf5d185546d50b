/**
 * The users screen's filters, evaluated over the in-memory roster. A saved selection rule is a named
 * filter (DOMAIN.md "Rules and plans"), so every criterion a rule can hold is here. Returns positions
 * (indexes into the list's order of `RosterIndex`) as a typed array: compact at 1,000,000 users and cheap to keep.
 */
import { canonicalTimeOf } from './columns/iso-time.ts';
import { foldText } from './fold-text.ts';
import type { RosterIndex } from './roster-index.ts';
import type { UserStatus } from './roster-types.ts';

export interface RosterFilter {
  /** Words that must all appear in the name or email (case- and accent-insensitive). */
  text: string;
  status: 'all' | UserStatus;
  customField: { name: string; value: string } | null;
  communityId: string | null;
  /** Users anywhere below this manager. */
  managerId: string | null;
  /** Last sign-in before a day (`YYYY-MM-DD`, UTC), or never, or either. */
  lastLogin: { before: string | null; orNever: boolean } | null;
  /** Created before a day (`YYYY-MM-DD`, UTC). */
  createdBefore: string | null;
  /** Holding a license of this methodology, reserved or consumed. */
  methodologyId: string | null;
  /** The part of the email after `@`, ignoring case. */
  emailDomain: string | null;
  /** Ids or emails, pasted or uploaded; emails ignore case. */
  idList: string[] | null;
}

export const EMPTY_FILTER: RosterFilter = Object.freeze({
  text: '',
  status: 'all',
  customField: null,
  communityId: null,
  managerId: null,
  lastLogin: null,
  createdBefore: null,
  methodologyId: null,
  emailDomain: null,
  idList: null,
}) as RosterFilter;

export function isFilterEmpty(filter: RosterFilter): boolean {
  return (
    filter.text.trim() === '' &&
    filter.status === 'all' &&
    filter.customField === null &&
    filter.communityId === null &&
    filter.managerId === null &&
    filter.lastLogin === null &&
    filter.createdBefore === null &&
    filter.methodologyId === null &&
    filter.emailDomain === null &&
    filter.idList === null
  );
}

/** Filters saved or sent before a criterion existed lack it: they mean "any". */
export function completeFilter(filter: Partial<RosterFilter>): RosterFilter {
  return { ...EMPTY_FILTER, ...filter };
}

/** An id list as typed or read from a file: one entry per line or cell, blank and header cells dropped. */
export function parseIdList(text: string): string[] {
  const entries = text
    .split(/[\r\n,;\t]+/)
    .map((entry) => entry.trim().replace(/^"(.*)"$/, '$1').trim())
    .filter(Boolean);
  if (entries.length > 0 && /^(id|user_id|email)$/i.test(entries[0]!)) entries.shift();
  return [...new Set(entries)];
}

/** Entries of an id list that match no user: listed so the admin sees what the rule missed. */
export function unmatchedIdListEntries(index: RosterIndex, idList: readonly string[]): string[] {
  const emails = new Set<string>();
  for (let position = 0; position < index.size; position++) emails.add(index.emailAt(position).toLowerCase());
  return idList.filter((entry) => !index.has(entry) && !emails.has(entry.toLowerCase()));
}

/** Words of a search, folded as the search text is (see `RosterIndex.textMatcher`). */
export function searchWordsOf(text: string): string[] {
  return foldText(text).split(/\s+/).filter(Boolean);
}

/**
 * Whether every user the search `after` matches is matched by `before` too: each word of `before` is
 * part of a word of `after` (a user matches a word when their name or email holds it, so holding the
 * longer word holds the shorter). What typing further into the search box does, keystroke by keystroke.
 */
export function searchNarrows(before: string, after: string): boolean {
  const afterWords = searchWordsOf(after);
  return searchWordsOf(before).every((word) => afterWords.some((longer) => longer.includes(word)));
}

/** Milliseconds of a bound a filter compares times with (a day or a timestamp), NaN for anything else. */
function boundMsOf(bound: string): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(bound)) return Date.parse(bound);
  return canonicalTimeOf(bound) ?? NaN;
}

function normalizedDomain(domain: string): string {
  return domain.trim().replace(/^@/, '').toLowerCase();
}

/** Positions (in the list's order) of the users `filter` matches; reads the index's columns, no user objects. */
/**
 * The positions of the users `filter` matches, in list order. `within`: positions (ascending) known to
 * hold every match, the only ones tested (a search typed further matches among what it matched before).
 */
export function filterRoster(index: RosterIndex, filter: RosterFilter, within?: ArrayLike<number>): Uint32Array {
  const { table } = index;
  const matchesText = index.textMatcher(searchWordsOf(filter.text));
  const subtree = filter.managerId === null ? null : index.subtreeMask(filter.managerId).mask;
  const members = filter.communityId === null ? null : index.membersMask(filter.communityId);
  const status = filter.status === 'all' ? -1 : filter.status === 'active' ? 0 : 1;
  // Every criterion is optional (filters from before a criterion existed), and each costs nothing when unset.
  const field = filter.customField;
  const fieldNumber = field ? table.fieldNumberOf(field.name) : -1;
  const fieldColumn = fieldNumber >= 0 ? table.fieldColumns[fieldNumber]! : null;
  const fieldValue = field ? table.fieldValues.find(field.value) : -1;
  const lastLogin = filter.lastLogin ?? null;
  const lastLoginBefore = lastLogin?.before ?? null;
  const lastLoginBeforeMs = lastLoginBefore === null ? NaN : boundMsOf(lastLoginBefore);
  const createdBefore = filter.createdBefore || null;
  const createdBeforeMs = createdBefore === null ? NaN : boundMsOf(createdBefore);
  const methodology = filter.methodologyId ? table.methodologyIds.find(filter.methodologyId) : -1;
  if (filter.methodologyId && methodology < 0) return new Uint32Array(0);
  const domainSuffix = filter.emailDomain ? `@${normalizedDomain(filter.emailDomain)}` : null;
  const listed = filter.idList ? new Set(filter.idList.map((entry) => entry.toLowerCase())) : null;
  const candidates = within ? within.length : index.size;
  const matches = new Uint32Array(candidates);
  let count = 0;
  for (let i = 0; i < candidates; i++) {
    const position = within ? within[i]! : i;
    const row = index.rowAt(position);
    if (status >= 0 && table.status[row] !== status) continue;
    if (field) {
      const value = fieldColumn ? fieldColumn[row]! : -1;
      // A user without the field holds the empty value.
      if (!((fieldValue >= 0 && value === fieldValue) || (value < 0 && field.value === ''))) continue;
    }
    if (subtree && subtree[position] === 0) continue;
    if (members && members[position] === 0) continue;
    if (lastLogin) {
      const isMatch = table.lastLoginAt.isNull(row) ? lastLogin.orNever : lastLoginBefore !== null && table.lastLoginAt.isBefore(row, lastLoginBefore, lastLoginBeforeMs);
      if (!isMatch) continue;
    }
    if (createdBefore && !table.createdAt.isBefore(row, createdBefore, createdBeforeMs)) continue;
    if (methodology >= 0) {
      let holds = false;
      for (let i = 0; i < table.licenses.lengthOf(row) && !holds; i++) holds = table.licenses.at(row, i) >> 1 === methodology;
      if (!holds) continue;
    }
    if (domainSuffix && !table.emails[row]!.toLowerCase().endsWith(domainSuffix)) continue;
    if (listed && !listed.has(table.ids[row]!.toLowerCase()) && !listed.has(table.emails[row]!.toLowerCase())) continue;
    if (!matchesText(position)) continue;
    matches[count++] = position;
  }
  return matches.slice(0, count);
}
