/**
 * Reads what the in-memory roster needs, in pages so a 1,000,000-user table never has to be cloned in
 * one piece and progress can be shown while it happens.
 */
import type { RosterIndexSource } from '../core/roster-index.ts';
import type { LicenseGrant, User } from '../core/roster-types.ts';
import { toUser, type OffboardDatabase, type StoredUser } from './offboard-database.ts';

const PAGE_SIZE = 20_000;

export async function readRosterSource(
  db: OffboardDatabase,
  onProgress?: (usersRead: number, totalUsers: number) => void,
): Promise<RosterIndexSource> {
  const totalUsers = await db.users.count();
  const users: User[] = [];
  let lastId: string | null = null;
  for (;;) {
    const page: StoredUser[] =
      lastId === null
        ? await db.users.orderBy(':id').limit(PAGE_SIZE).toArray()
        : await db.users.where(':id').above(lastId).limit(PAGE_SIZE).toArray();
    for (const stored of page) users.push(toUser(stored));
    onProgress?.(users.length, totalUsers);
    if (page.length < PAGE_SIZE) break;
    lastId = page[page.length - 1]!.id;
  }
  const [memberships, licenses, methodologies, communities, customFields]: [
    { userId: string; communityId: string }[],
    LicenseGrant[],
    RosterIndexSource['methodologies'],
    RosterIndexSource['communities'],
    RosterIndexSource['customFields'],
  ] = await Promise.all([
    db.memberships.toArray(),
    db.licenses.toArray(),
    db.methodologies.toArray(),
    db.communities.toArray(),
    db.customFields.toArray(),
  ]);
  return { users, memberships, licenses, methodologies, communities, customFields };
}
