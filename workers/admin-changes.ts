/**
 * The changes an admin makes outside plans: F3 transfers of a community's admin role, R2 re-assignment,
 * R4 certificates, the organization's settings and who is signed in. Each is checked against the
 * signed-in admin's permissions (A1), written in the one write queue, and applied to the in-memory roster
 * as one change.
 */
import { codedError, type PermissionAction } from '../src/core/coded-error.ts';
import { validateSettings, type SettingsInput } from '../src/core/organization-settings.ts';
import type { RosterLookup } from '../src/db/commit-local-change.ts';
import type { OffboardDatabase } from '../src/db/offboard-database.ts';
import { issueCertificate, reassignPreviousAssignments } from '../src/db/restore-learning-records.ts';
import type { RosterStore } from '../src/db/roster-store.ts';
import { saveOrganizationSettings, saveSignedInAdmin } from '../src/db/save-settings.ts';
import { transferCommunityAdmin } from '../src/db/transfer-community-admin.ts';
import { requireIndex } from './directory-queries.ts';
import type { IssuedCertificate, RosterSummary, SettingsSaveResult } from './roster-api.ts';
import type { RosterCache, WriteQueue } from './roster-cache.ts';

export interface AdminChangesHost {
  db: OffboardDatabase;
  store: RosterStore;
  cache: RosterCache;
  writes: WriteQueue;
  /** Signed in to a sync server, the server's token decides who acts. */
  isSignedInToServer(): Promise<boolean>;
  summary(): RosterSummary;
}

export class AdminChanges {
  constructor(private readonly host: AdminChangesHost) {}

  /** F3: passes a community's admin role to another active user, then the plan can be built again. */
  transferCommunityAdmin(communityId: string, fromUserId: string, toUserId: string): Promise<void> {
    const actorId = this.requireManageUsers('transfer_community_admin');
    const { cache, store, writes } = this.host;
    return writes.run(async () => {
      const { community, changed } = await transferCommunityAdmin(store, { communityId, fromUserId, toUserId, actorId, now: new Date().toISOString(), operationId: crypto.randomUUID() }, this.lookup());
      const communities = requireIndex(cache.state).communities.map((c) => (c.id === community.id ? community : c));
      cache.apply({ users: { changed, deletedIds: [] }, lists: { communities }, outbox: true, isLocalChange: true });
    });
  }

  /** R2: re-assigns an active user's previous assignments as they were; returns how many came back. */
  reassignPreviousAssignments(userId: string): Promise<number> {
    const actorId = this.requireManageUsers('reassign_assignments');
    const { cache, store, writes } = this.host;
    return writes.run(async () => {
      const { changed, restoredCount } = await reassignPreviousAssignments(store, { userIds: [userId], actorId, now: new Date().toISOString(), operationId: crypto.randomUUID() }, this.lookup());
      if (changed.length > 0) cache.apply({ users: { changed, deletedIds: [] }, outbox: true, isLocalChange: true });
      return restoredCount;
    });
  }

  /** R4 "Get certificate": regenerates the certificate of one of an active user's completions. */
  issueCertificate(userId: string, courseId: string, communityId: string): Promise<IssuedCertificate> {
    const actorId = this.requireManageUsers('issue_certificate');
    const { cache, store, writes } = this.host;
    return writes.run(async () => {
      const { user, certificate, wasKept } = await issueCertificate(store, { userId, courseId, communityId, actorId, now: new Date().toISOString(), operationId: crypto.randomUUID() }, this.lookup());
      cache.apply({ users: { changed: [user], deletedIds: [] }, outbox: true, isLocalChange: true });
      return { certificateId: certificate.id, issuedAt: certificate.issuedAt, wasKept };
    });
  }

  /** Saves the organization's settings (A1, A12, A14 and the policy); plans built before no longer apply. */
  async saveSettings(input: SettingsInput): Promise<SettingsSaveResult> {
    const validation = validateSettings(input);
    if (!validation.ok) return validation;
    const actorId = this.requireManageUsers('change_settings');
    const { cache, db, writes } = this.host;
    return writes.run(async () => {
      const organization = await saveOrganizationSettings(db, { settings: validation.settings, actorId, now: new Date().toISOString() });
      cache.apply({ organization });
      return { ok: true, summary: this.host.summary() };
    });
  }

  /** Signs another admin of the organization in on this device. */
  async signIn(adminId: string): Promise<RosterSummary> {
    const { cache, db, writes } = this.host;
    requireIndex(cache.state);
    if (await this.host.isSignedInToServer()) {
      throw codedError('signed_in_to_server', 'Signed in to a sync server: its access token decides who acts.');
    }
    return writes.run(async () => {
      await saveSignedInAdmin(db, { adminId, previousAdminId: cache.state.signedInAdminId, now: new Date().toISOString() });
      cache.apply({ signedInAdminId: adminId });
      return this.host.summary();
    });
  }

  /** The signed-in admin's id, if they may manage users (A1); otherwise a refusal saying so. */
  requireManageUsers(action: PermissionAction): string {
    const { signedInAdminId, admins } = this.host.cache.state;
    if (!signedInAdminId) throw codedError('roster_not_open', 'The roster is not open yet.');
    const permissions = admins.find((a) => a.userId === signedInAdminId)?.permissions ?? [];
    if (!permissions.includes('manage_users')) {
      throw codedError('permission_denied', `${signedInAdminId} lacks manage_users for ${action} (A1).`, { permission: 'manage_users', action });
    }
    return signedInAdminId;
  }

  /** What the in-memory roster knows for a change: who is on the roster. */
  lookup(): RosterLookup {
    const index = requireIndex(this.host.cache.state);
    const isOnRoster = (id: string): boolean => index.has(id);
    // Emails are checked where they are entered (the import's check); changes here set none.
    return { mayHold: isOnRoster, hasUser: isOnRoster, userIdWithEmail: () => undefined };
  }
}
