/**
 * Puts users as the server holds them onto the device: each bundle replaces everything of its user
 * (the user, their records in every per-user table, the summary derived from them), a tombstone removes
 * the user. Call inside a transaction over SYNC_WRITE_TABLES; the caller decides what goes with it (the
 * pull cursor, a push's outcome), so that either all of it is written or none.
 */
import type { Table } from 'dexie';
import type { OrganizationState } from '../core/sync/sync-protocol.ts';
import { recordsOfBundles, type UserBundle } from '../core/sync/user-bundle.ts';
import { summarizeUserRecords } from '../core/summarize-user-records.ts';
import { PER_USER_RECORD_KINDS } from '../core/roster-types.ts';
import { toStoredUser, type OffboardDatabase, type StoredUser } from './offboard-database.ts';

export interface WrittenBundles {
  /** Users as stored now. */
  changed: StoredUser[];
  deletedIds: string[];
  isOrganizationChanged: boolean;
}

export function syncWriteTables(db: OffboardDatabase): Table[] {
  return [
    db.meta,
    db.organization,
    db.admins,
    db.methodologies,
    db.communities,
    db.customFields,
    db.outbox,
    db.syncRejections,
    db.audit,
    ...PER_USER_RECORD_KINDS.map((kind) => db.table(kind)),
  ];
}

/**
 * `isRosterEmpty`: the device holds no users (a first pull), so nothing needs removing first; the
 * records are only added, which is what makes a first pull of 100,000 users cost about one write each.
 */
export async function writeUserBundles(
  db: OffboardDatabase,
  bundles: readonly UserBundle[],
  organization: OrganizationState | null,
  options: { isRosterEmpty?: boolean } = {},
): Promise<WrittenBundles> {
  if (organization) await replaceOrganization(db, organization);
  if (bundles.length === 0) return { changed: [], deletedIds: [], isOrganizationChanged: organization !== null };
  const globalId = (organization?.communities ?? (await db.communities.toArray())).find((c) => c.global)?.id ?? null;
  const ids = bundles.map((b) => b.id);
  if (!options.isRosterEmpty) await removeRecordsOf(db, ids);

  const live = bundles.filter((b) => !b.deleted && b.user);
  const records = recordsOfBundles(live);
  const summaries = summarizeUserRecords(records, globalId);
  const changed = live.map((b) => toStoredUser({ ...b.user!, revision: b.revision }, summaries.get(b.id)));
  const deletedIds = bundles.filter((b) => b.deleted || !b.user).map((b) => b.id);
  await Promise.all([
    db.users.bulkPut(changed),
    db.licenses.bulkPut(records.licenses),
    db.memberships.bulkPut(records.memberships),
    db.membershipRequests.bulkPut(records.membershipRequests),
    db.assignments.bulkPut(records.assignments),
    db.removedAssignments.bulkPut(records.removedAssignments),
    db.completions.bulkPut(records.completions),
    db.certificates.bulkPut(records.certificates),
    db.removedCertificates.bulkPut(records.removedCertificates),
    db.removedMemberships.bulkPut(records.removedMemberships),
    db.tokens.bulkPut(records.tokens),
    db.retainedHistory.bulkPut(records.retainedHistory),
    deletedIds.length > 0 ? db.users.bulkDelete(deletedIds) : undefined,
  ]);
  return { changed, deletedIds, isOrganizationChanged: organization !== null };
}

/** Everything of these users, gone; their stored summaries say which tables hold anything. */
async function removeRecordsOf(db: OffboardDatabase, ids: readonly string[]): Promise<void> {
  const stored = (await db.users.bulkGet([...ids])).filter((u): u is StoredUser => u !== undefined);
  const holding = (has: (u: StoredUser) => boolean): string[] => stored.filter(has).map((u) => u.id);
  const keysOf = (table: Table, userIds: string[]): Promise<unknown[]> =>
    Promise.all(userIds.map((id) => table.where('userId').equals(id).primaryKeys())).then((keys) => keys.flat());
  const [requests, assignments, removed, completions, certificates, removedCertificates, removedMemberships, tokens] = await Promise.all([
    keysOf(db.membershipRequests, holding((u) => u.counts.requests > 0)),
    keysOf(db.assignments, holding((u) => u.counts.assignments > 0)),
    keysOf(db.removedAssignments, holding((u) => u.counts.removedAssignments > 0)),
    keysOf(db.completions, holding((u) => u.counts.completions > 0)),
    keysOf(db.certificates, holding((u) => u.counts.certificates > 0)),
    keysOf(db.removedCertificates, holding((u) => u.counts.removedCertificates > 0)),
    keysOf(db.removedMemberships, holding((u) => u.counts.removedMemberships > 0)),
    keysOf(db.tokens, holding((u) => Object.values(u.counts.tokens).some((n) => n > 0))),
  ]);
  await Promise.all([
    // Licenses and memberships are keyed by user and are in the summary whole: no read needed.
    db.licenses.bulkDelete(stored.flatMap((u) => u.licenses.map((l): [string, string] => [u.id, l.methodologyId]))),
    db.memberships.bulkDelete(stored.flatMap((u) => u.communityIds.map((c): [string, string] => [u.id, c]))),
    db.membershipRequests.bulkDelete(requests as [string, string][]),
    db.assignments.bulkDelete(assignments as string[]),
    db.removedAssignments.bulkDelete(removed as string[]),
    db.completions.bulkDelete(completions as [string, string, string][]),
    db.certificates.bulkDelete(certificates as string[]),
    db.removedCertificates.bulkDelete(removedCertificates as string[]),
    db.removedMemberships.bulkDelete(removedMemberships as [string, string][]),
    db.tokens.bulkDelete(tokens as string[]),
    db.retainedHistory.bulkDelete([...ids]),
  ]);
}

async function replaceOrganization(db: OffboardDatabase, state: OrganizationState): Promise<void> {
  await Promise.all([db.organization.clear(), db.admins.clear(), db.methodologies.clear(), db.communities.clear(), db.customFields.clear()]);
  await Promise.all([
    db.organization.put(state.organization),
    db.admins.bulkPut(state.admins),
    db.methodologies.bulkPut(state.methodologies),
    db.communities.bulkPut(state.communities),
    db.customFields.bulkPut(state.customFields),
  ]);
}
