/**
 * What each user record carries about the records around it: the communities they belong to, their
 * licenses and how many records of every other kind they hold. Stored on the user and written in the same
 * transaction as those records, so that opening the app reads the users table alone (the cold start is
 * held to about one read of that table) and the worker can plan without the other tables in memory.
 */
import type { LicenseGrant } from './roster-types.ts';
import { addUserRecordCounts, emptyUserRecordCounts, type CountedRecords, type UserRecordCounts } from './user-record-counts.ts';

export interface UserRecordSummary {
  communityIds: string[];
  licenses: LicenseGrant[];
  counts: UserRecordCounts;
}

export interface SummarizedRecords extends CountedRecords {
  memberships?: readonly { userId: string; communityId: string }[];
  licenses?: readonly LicenseGrant[];
}

export function emptyUserRecordSummary(): UserRecordSummary {
  return { communityIds: [], licenses: [], counts: emptyUserRecordCounts() };
}

/** Summaries by user id of every record in `records` (a chunk of a load, or whole tables). */
export function summarizeUserRecords(records: SummarizedRecords, globalCommunityId: string | null): Map<string, UserRecordSummary> {
  const counts = new Map<string, UserRecordCounts>();
  addUserRecordCounts(counts, records, globalCommunityId);
  const summaries = new Map<string, UserRecordSummary>();
  const of = (userId: string): UserRecordSummary => {
    let summary = summaries.get(userId);
    if (!summary) summaries.set(userId, (summary = { communityIds: [], licenses: [], counts: counts.get(userId) ?? emptyUserRecordCounts() }));
    return summary;
  };
  for (const m of records.memberships ?? []) of(m.userId).communityIds.push(m.communityId);
  for (const l of records.licenses ?? []) of(l.userId).licenses.push(l);
  for (const userId of counts.keys()) of(userId);
  // One order whatever the records' order, so a summary derived from tables equals one from a load.
  for (const summary of summaries.values()) {
    summary.communityIds.sort();
    summary.licenses.sort((a, b) => (a.methodologyId < b.methodologyId ? -1 : a.methodologyId > b.methodologyId ? 1 : 0));
  }
  return summaries;
}

/** Attaches each user's summary: the shape users are stored and indexed in. */
export function withSummaries<U extends { id: string }>(users: readonly U[], summaries: ReadonlyMap<string, UserRecordSummary>): (U & UserRecordSummary)[] {
  return users.map((user) => ({ ...user, ...(summaries.get(user.id) ?? emptyUserRecordSummary()) }));
}
