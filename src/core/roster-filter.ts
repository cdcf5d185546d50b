/**
 * The users screen's filters, evaluated over the in-memory roster. A saved selection rule is a named
 * filter (DOMAIN.md "Rules and plans"), so every criterion a rule can hold is here. Returns positions
 * (indexes into `RosterIndex.users`) as a typed array: compact at 1,000,000 users and cheap to keep.
 */
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
  const emails = new Set(index.users.map((u) => u.email.toLowerCase()));
  return idList.filter((entry) => !index.userById(entry) && !emails.has(entry.toLowerCase()));
}

function normalizedDomain(domain: string): string {
  return domain.trim().replace(/^@/, '').toLowerCase();
}

export function filterRoster(index: RosterIndex, filter: RosterFilter): Uint32Array {
  const words = foldText(filter.text).split(/\s+/).filter(Boolean);
  const subtree = filter.managerId === null ? null : index.subtreeMask(filter.managerId).mask;
  const members = filter.communityId === null ? null : index.membersMask(filter.communityId);
  const { users, searchText } = index;
  const field = filter.customField;
  // Every criterion is optional (filters from before a criterion existed), and each costs nothing when unset.
  const lastLogin = filter.lastLogin ?? null;
  const createdBefore = filter.createdBefore || null;
  const methodologyId = filter.methodologyId ?? null;
  const domainSuffix = filter.emailDomain ? `@${normalizedDomain(filter.emailDomain)}` : null;
  const listed = filter.idList ? new Set(filter.idList.map((entry) => entry.toLowerCase())) : null;
  const matches = new Uint32Array(users.length);
  let count = 0;
  for (let position = 0; position < users.length; position++) {
    const user = users[position]!;
    if (filter.status !== 'all' && user.status !== filter.status) continue;
    if (field && (user.customFields[field.name] ?? '') !== field.value) continue;
    if (subtree && subtree[position] === 0) continue;
    if (members && members[position] === 0) continue;
    if (lastLogin) {
      const at = user.lastLoginAt;
      const isMatch = at === null ? lastLogin.orNever : lastLogin.before !== null && at < lastLogin.before;
      if (!isMatch) continue;
    }
    if (createdBefore && !(user.createdAt < createdBefore)) continue;
    if (methodologyId && !user.licenses.some((l) => l.methodologyId === methodologyId)) continue;
    if (domainSuffix && !user.email.toLowerCase().endsWith(domainSuffix)) continue;
    if (listed && !listed.has(user.id.toLowerCase()) && !listed.has(user.email.toLowerCase())) continue;
    if (words.length > 0) {
      const text = searchText[position]!;
      let isMatch = true;
      for (const word of words) {
        if (!text.includes(word)) {
          isMatch = false;
          break;
        }
      }
      if (!isMatch) continue;
    }
    matches[count++] = position;
  }
  return matches.slice(0, count);
}
