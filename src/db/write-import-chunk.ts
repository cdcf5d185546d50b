/**
 * Writes one chunk of an import as one transaction: the chunk's change (src/core/changes/import-chunk.ts),
 * an audit entry, one outbox operation carrying the records as imported and the bundles as they were,
 * and the import's progress marker. A chunk is all or nothing, and the marker moves with it, so an import
 * cut short (a closed tab) stops exactly at a chunk boundary and can be resumed or discarded.
 */
import type { ImportCounts } from '../core/changes/import-chunk.ts';
import type { ImportedRecords } from '../core/changes/operation.ts';
import type { Admin, CustomFieldDefinition, Organization } from '../core/roster-types.ts';
import type { StoredUser } from '../core/stored-user.ts';
import { commitLocalChange, type RosterLookup } from './commit-local-change.ts';
import { IMPORT_MARKER_KEY, type ImportMarker } from './pending-import.ts';
import type { RosterStore } from './roster-store.ts';
import { SESSION_KEY } from './write-roster-in-chunks.ts';
import { codedError } from '../core/coded-error.ts';

export interface ImportChunk {
  importId: string;
  fileIndex: number;
  fileName: string;
  /** The last row of the file this chunk holds: the marker's progress once it is written. */
  lastRow: number;
  actorId: string;
  now: string;
  operationId: string;
  data: ImportedRecords;
  /** Custom fields the import defines, added where not defined yet. */
  newCustomFields: CustomFieldDefinition[];
  /** An import onto an empty device also sets up the organization and its first admin. */
  setup?: { organization: Organization; admin: Admin };
}

export interface WrittenImportChunk {
  /** Users as stored after the chunk (created, updated, or whose records changed). */
  changed: StoredUser[];
  createdUserIds: string[];
  counts: ImportCounts;
}

export async function writeImportChunk(store: RosterStore, chunk: ImportChunk, lookup: RosterLookup): Promise<WrittenImportChunk> {
  return store.write(async (tx) => {
    const marker = await tx.meta(IMPORT_MARKER_KEY);
    if (!marker || marker.importId !== chunk.importId) throw codedError('import_not_pending', 'This import is no longer in progress.');
    if ((marker.rowsDone[chunk.fileIndex] ?? 0) >= chunk.lastRow) throw codedError('import_chunk_done', 'This part of the file is already imported.');
    if (chunk.setup) {
      await tx.setUpOrganization(chunk.setup.organization, chunk.setup.admin);
      await tx.putMeta(SESSION_KEY, { adminId: chunk.setup.admin.userId });
    }
    const userIds =
      chunk.data.recordKind === 'users' ? chunk.data.rows.map((u) => u.id) : chunk.data.recordKind === 'custom_fields' ? chunk.data.changes.map((c) => c.userId) : chunk.data.recordKind === 'communities' || chunk.data.recordKind === 'methodologies' ? [] : [...new Set(chunk.data.records.map((r) => r.userId))];
    const committed = await commitLocalChange(tx, {
      operation: {
        id: chunk.operationId,
        actorId: chunk.actorId,
        createdAt: chunk.now,
        userIds,
        planId: chunk.importId,
        batchIndex: chunk.fileIndex,
        batchCount: 0,
        kind: 'import',
        args: { ...chunk.data, importId: chunk.importId, fileName: chunk.fileName, lastRow: chunk.lastRow, newCustomFields: chunk.newCustomFields },
      },
      lookup,
    });
    const rowsDone = [...marker.rowsDone];
    rowsDone[chunk.fileIndex] = chunk.lastRow;
    await tx.putMeta(IMPORT_MARKER_KEY, { ...marker, rowsDone });
    const outcome = committed.outcome as typeof committed.outcome & { counts: ImportCounts };
    return { changed: committed.changed, createdUserIds: committed.outcome.createdIds, counts: outcome.counts };
  });
}
