/**
 * A16: what the admin is told when an upload has been processed, in the app and in a system
 * notification: rows changed and rows rejected, and whether it stopped short.
 */
import type { ImportKind } from './column-mapping.ts';

export interface ImportOutcome {
  created: number;
  updated: number;
  rejected: number;
  isCancelled: boolean;
  failure: { code: string; message: string } | null;
}

export function importNotice(outcome: ImportOutcome, kinds: readonly ImportKind[]): string {
  const stopped = outcome.failure ? ` It stopped: ${outcome.failure.message}` : outcome.isCancelled ? ' It was cancelled; what was written stays.' : '';
  if (kinds.length > 0 && kinds.every((k) => k === 'custom_fields')) return `Upload processed: ${outcome.updated} changed, ${outcome.rejected} rejected.${stopped}`;
  return `Import processed: ${outcome.created} created, ${outcome.updated} updated, ${outcome.rejected} rejected.${stopped}`;
}
