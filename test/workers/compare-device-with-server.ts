/**
 * The state of a device (its IndexedDB, through the roster store) and of a server (its bundles and
 * organization records) in one comparable form: every field of every record of every user, lists in one
 * order, revisions (the device's own bookkeeping) left out. The device's derived data is checked against
 * its bundles on the way.
 */
import { expect } from 'vitest';
import { storedUserOf } from '../../src/core/stored-user.ts';
import type { OrganizationState } from '../../src/core/sync/sync-protocol.ts';
import { BUNDLE_RECORD_KINDS, type UserBundle } from '../../src/core/sync/user-bundle.ts';
import { OffboardDatabase } from '../../src/db/offboard-database.ts';
import { RosterStore } from '../../src/db/roster-store.ts';
import { storedUserIds } from '../db/stored-roster.ts';

/** A bundle with what is the device's own left out (revisions) and every list in one order. */
export function comparable(bundle: UserBundle): unknown {
  const sorted = (records: readonly unknown[]) => records.map((r) => JSON.stringify(r, Object.keys(r as object).sort())).sort();
  if (bundle.deleted || !bundle.user) return { id: bundle.id, deleted: true };
  const { revision: _revision, ...user } = bundle.user;
  return {
    id: bundle.id,
    user,
    ...Object.fromEntries(BUNDLE_RECORD_KINDS.map((kind) => [kind, sorted(bundle[kind] ?? [])])),
    retainedHistory: bundle.retainedHistory,
  };
}

export async function deviceState(db: OffboardDatabase, store: RosterStore, ids: readonly string[]) {
  const bundles = await store.readBundles(ids);
  const users = new Map((await store.readStoredUsers([...ids])).filter((u) => u !== undefined).map((u) => [u.id, u]));
  // What the device derives from a bundle (its summary, its field tags) equals what the bundle says.
  const globalId = (await db.communities.toArray()).find((c) => c.global)?.id ?? null;
  for (const bundle of bundles.values()) expect(users.get(bundle.id), `derived data of ${bundle.id}`).toEqual(storedUserOf(bundle, globalId));
  const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1);
  return {
    users: ids.map((id) => comparable(bundles.get(id) ?? { id, deleted: true, user: null } as UserBundle)),
    organization: (await db.organization.toArray())[0],
    admins: (await db.admins.toArray()).sort((a, b) => (a.userId < b.userId ? -1 : 1)),
    communities: (await db.communities.toArray()).sort(byId),
    methodologies: (await db.methodologies.toArray()).sort(byId),
    customFields: (await db.customFields.toArray()).sort((a, b) => (a.name < b.name ? -1 : 1)),
  };
}

/** The same for a server: `bundleOf` answers its bundle of a user (a tombstone, or nothing, once gone). */
export function serverState(organizationState: OrganizationState, bundleOf: (id: string) => UserBundle | undefined, ids: readonly string[]) {
  const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1);
  return {
    users: ids.map((id) => comparable(bundleOf(id) ?? ({ id, deleted: true, user: null } as UserBundle))),
    organization: organizationState.organization,
    admins: [...organizationState.admins].sort((a, b) => (a.userId < b.userId ? -1 : 1)),
    communities: [...organizationState.communities].sort(byId),
    methodologies: [...organizationState.methodologies].sort(byId),
    customFields: [...organizationState.customFields].sort((a, b) => (a.name < b.name ? -1 : 1)),
  };
}

/**
 * The device in IndexedDB `databaseName` holds what the server holds: every field of every record of
 * every user, and the organization's records (its settings, the device's own, left apart).
 */
export async function expectDeviceEqualsServer(databaseName: string, server: { organization: OrganizationState; bundles: readonly UserBundle[] }): Promise<void> {
  const bundles = new Map(server.bundles.map((b) => [b.id, b]));
  const db = new OffboardDatabase(databaseName);
  try {
    const ids = [...new Set([...bundles.keys(), ...(await storedUserIds(db))])].sort();
    const device = await deviceState(db, new RosterStore(db), ids);
    expect({ ...device, organization: undefined }).toEqual({ ...serverState(server.organization, (id) => bundles.get(id), ids), organization: undefined });
  } finally {
    db.close();
  }
}
