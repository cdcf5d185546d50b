/**
 * The users screen's filters, evaluated over the in-memory roster. Returns positions (indexes into
 * `RosterIndex.users`) as a typed array: compact at 1,000,000 users and cheap to keep per query.
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
}

export const EMPTY_FILTER: RosterFilter = Object.freeze({
  text: '',
  status: 'all',
  customField: null,
  communityId: null,
  managerId: null,
}) as RosterFilter;

export function isFilterEmpty(filter: RosterFilter): boolean {
  return (
    filter.text.trim() === '' &&
    filter.status === 'all' &&
    filter.customField === null &&
    filter.communityId === null &&
    filter.managerId === null
  );
}

export function filterRoster(index: RosterIndex, filter: RosterFilter): Uint32Array {
  const words = foldText(filter.text).split(/\s+/).filter(Boolean);
  const subtree = filter.managerId === null ? null : index.subtreeMask(filter.managerId).mask;
  const members = filter.communityId === null ? null : index.membersMask(filter.communityId);
  const { users, searchText } = index;
  const field = filter.customField;
  const matches = new Uint32Array(users.length);
  let count = 0;
  for (let position = 0; position < users.length; position++) {
    const user = users[position]!;
    if (filter.status !== 'all' && user.status !== filter.status) continue;
    if (field && (user.customFields[field.name] ?? '') !== field.value) continue;
    if (subtree && subtree[position] === 0) continue;
    if (members && members[position] === 0) continue;
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
