/**
 * F5: the "All communities" report lists every community with its admins. Its first four columns are the
 * canonical communities format; `admin_emails` and `member_count` are what a person reading it needs.
 */
import type { Community } from '../roster-types.ts';
import { CSV_HEADERS, LIST_SEPARATOR, recordToRow } from './csv-formats.ts';

export const ALL_COMMUNITIES_HEADER: readonly string[] = [...CSV_HEADERS.communities, 'admin_emails', 'member_count'];

/**
 * One row of the report. `emailOf` answers for users on the roster; an admin id it does not know (a
 * user deleted or never imported) keeps its place in `admin_ids` and adds no email.
 */
export function allCommunitiesRow(community: Community, emailOf: (userId: string) => string | undefined, memberCount: number): string[] {
  const emails = community.adminIds.map(emailOf).filter((email): email is string => email !== undefined && email !== '');
  return [...recordToRow('communities', community), emails.join(LIST_SEPARATOR), String(memberCount)];
}

/** Every community, the global one first, then by name: the order the filters list them in. */
export function sortCommunitiesForReport(communities: readonly Community[]): Community[] {
  return [...communities].sort((a, b) => Number(b.global) - Number(a.global) || a.name.localeCompare(b.name) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
