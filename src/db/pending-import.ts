/**
 * Where an import in progress keeps its state between chunks, and the one question every start asks of
 * it: is one waiting? Apart from the import itself, so that asking loads none of its code.
 */
import type { Admin, CustomFieldDefinition, Organization } from '../core/roster-types.ts';
import type { OffboardDatabase } from './offboard-database.ts';
import { readMeta } from './meta-records.ts';

export const IMPORT_MARKER_KEY = 'pendingImport';
/** The files of that import, kept apart: the marker is rewritten by every chunk, the files never. */
export const IMPORT_FILES_KEY = 'pendingImportFiles';

/** Small, and rewritten by every chunk with its progress (see write-import-chunk.ts). */
export interface ImportMarker {
  importId: string;
  startedAt: string;
  actorId: string;
  fileNames: string[];
  /** Per file, the last row written. */
  rowsDone: number[];
  newCustomFields: CustomFieldDefinition[];
  setup: { organization: Organization; admin: Admin } | null;
}

export interface PendingImportView {
  importId: string;
  fileNames: string[];
  rowsDone: number;
  startedAt: string;
}

/** The import a closed tab (or a cancel) cut short, if any. */
export async function findPendingImport(db: OffboardDatabase): Promise<PendingImportView | null> {
  const marker = await readMeta(db, IMPORT_MARKER_KEY);
  if (!marker) return null;
  return { importId: marker.importId, fileNames: marker.fileNames, rowsDone: marker.rowsDone.reduce((a, b) => a + b, 0), startedAt: marker.startedAt };
}
