/**
 * The meta table's records, each key with its value's type: the session, a load or import in progress,
 * the sync server and cursor, remembered column mappings. Read and written only through these accessors,
 * so a key and its type cannot drift apart.
 */
import type { ColumnMapping } from '../core/csv/column-mapping.ts';
import type { CsvFileSniff } from '../core/csv/csv-file-sniff.ts';
import type { ImportMarker } from './pending-import.ts';
import type { SyncOutcome, SyncServer } from './sync-state.ts';
import type { LoadMarker } from './write-roster-in-chunks.ts';
import type { OffboardDatabase } from './offboard-database.ts';

/** The files of an import in progress, written once when it starts, for a resume after a closed tab. */
export interface PendingImportFiles {
  importId: string;
  files: { name: string; file: Blob; sniff: CsvFileSniff; mapping: ColumnMapping; rejectedRows: number[] }[];
}

export interface MetaValues {
  /** Who is signed in on this device. */
  session: { adminId: string };
  pendingLoad: LoadMarker;
  pendingImport: ImportMarker;
  pendingImportFiles: PendingImportFiles;
  syncServer: SyncServer;
  syncCursor: string;
  syncOutcome: SyncOutcome;
  /** A column mapping remembered for files of one shape. */
  [shape: `columnMapping:${string}`]: ColumnMapping;
}

export type MetaKey = keyof MetaValues;

export async function readMeta<K extends MetaKey>(db: OffboardDatabase, key: K): Promise<MetaValues[K] | undefined> {
  return (await db.meta.get(key))?.value as MetaValues[K] | undefined;
}

export async function writeMeta<K extends MetaKey>(db: OffboardDatabase, key: K, value: MetaValues[K]): Promise<void> {
  await db.meta.put({ key, value });
}

export async function deleteMeta(db: OffboardDatabase, keys: readonly MetaKey[]): Promise<void> {
  await db.meta.bulkDelete([...keys]);
}
