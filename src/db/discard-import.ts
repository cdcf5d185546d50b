/**
 * Undoes an import cut short, in one transaction: every chunk it wrote is undone from its outbox
 * operation's before-image (created users removed, replaced bundles and organization lists put back),
 * newest first, and the operations leave the outbox: the server never hears of an import the admin
 * discarded. Refused once any of them has been sent, since the server would then hold what the device no
 * longer does.
 */
import type { AuditEntry } from '../core/roster-types.ts';
import { undoOperation } from './commit-local-change.ts';
import { codedError } from '../core/coded-error.ts';
import { IMPORT_FILES_KEY, IMPORT_MARKER_KEY } from './pending-import.ts';
import type { RosterStore } from './roster-store.ts';
import { operationsOfPlan } from './outbox-records.ts';
import { clearAudit } from './audit-log.ts';
import { SESSION_KEY } from './write-roster-in-chunks.ts';

export interface DiscardedImport {
  chunksUndone: number;
  /** The device held nothing before the import: it is empty again. */
  isRosterEmpty: boolean;
}

export async function discardImport(store: RosterStore, request: { actorId: string | null; now: string }): Promise<DiscardedImport> {
  const { db } = store;
  return store.write(async (tx) => {
    const marker = await tx.meta(IMPORT_MARKER_KEY);
    if (!marker) throw codedError('import_not_pending', 'No import is waiting to be discarded.');
    const operations = (await operationsOfPlan(db, marker.importId)).filter((op) => op.kind === 'import').reverse();
    if (operations.some((op) => op.status !== 'pending' || op.before === null)) {
      throw codedError('import_already_sent', 'Part of this import has already been sent to the server: it can no longer be discarded here.');
    }
    for (const operation of operations) await undoOperation(tx, operation);
    await tx.deleteOperations(operations.map((op) => op.seq!));
    await tx.deleteMeta([IMPORT_MARKER_KEY, IMPORT_FILES_KEY]);
    const isRosterEmpty = (await tx.userCount()) === 0;
    if (isRosterEmpty && marker.setup) {
      // The import had set the device up: with its users gone, nothing of it stays.
      await Promise.all([db.organization.clear(), db.admins.clear(), db.customFields.clear(), clearAudit(db)]);
      await tx.deleteMeta([SESSION_KEY]);
    } else {
      const entry: AuditEntry = {
        at: request.now,
        actorId: request.actorId ?? 'unknown',
        action: 'import',
        targetId: null,
        batchId: null,
        ruleId: null,
        summary: `Discarded the interrupted import of ${marker.fileNames.join(', ')}: ${operations.length} chunks undone.`,
      };
      await tx.addAudit([entry]);
    }
    return { chunksUndone: operations.length, isRosterEmpty };
  });
}
