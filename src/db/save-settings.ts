/**
 * Settings of this device's working copy: the organization's settings (plan, seats, batch limit and
 * policy), and who is signed in. Each save is one transaction with its audit entry.
 */
import { describeSettingsChange, settingsOf, type ValidSettings } from '../core/organization-settings.ts';
import type { Organization } from '../core/roster-types.ts';
import { codedError } from '../core/coded-error.ts';
import type { OffboardDatabase } from './offboard-database.ts';
import { SESSION_KEY } from './write-roster-in-chunks.ts';
import { writeMeta } from './meta-records.ts';
import { appendAudit } from './audit-log.ts';

export async function saveOrganizationSettings(
  db: OffboardDatabase,
  request: { settings: ValidSettings; actorId: string; now: string },
): Promise<Organization> {
  return db.transaction('rw', [db.organization, db.auditLog], async () => {
    const current = await db.organization.toCollection().first();
    if (!current) throw codedError('settings_refused', 'There is no organization on this device to change.', { reason: 'no_organization' });
    const updated: Organization = { ...current, ...request.settings };
    await db.organization.put(updated);
    await appendAudit(db, [{
      at: request.now,
      actorId: request.actorId,
      action: 'change_settings',
      targetId: null,
      batchId: null,
      ruleId: null,
      summary: describeSettingsChange(settingsOf(current), settingsOf(updated)),
    }]);
    return updated;
  });
}

/** Signs an admin of the roster in on this device; the audit says who handed over to whom. */
export async function saveSignedInAdmin(db: OffboardDatabase, request: { adminId: string; previousAdminId: string | null; now: string }): Promise<void> {
  await db.transaction('rw', [db.meta, db.admins, db.auditLog], async () => {
    if (!(await db.admins.get(request.adminId))) throw codedError('settings_refused', `${request.adminId} is not an admin of this organization.`, { reason: 'not_admin', adminId: request.adminId });
    await writeMeta(db, SESSION_KEY, { adminId: request.adminId });
    await appendAudit(db, [{
      at: request.now,
      actorId: request.adminId,
      action: 'sign_in',
      targetId: request.adminId,
      batchId: null,
      ruleId: null,
      summary: `Signed in on this device${request.previousAdminId ? ` after ${request.previousAdminId}` : ''}.`,
    }]);
  });
}
