/**
 * The one long-lived Comlink proxy to the roster worker. Keeping a single module-level proxy matters: a
 * proxy that gets garbage-collected can leave a pending call hanging forever.
 */
import { proxy, wrap, type Remote } from 'comlink';
import type { RosterWorkerApi } from '../../workers/roster.worker.ts';
import type { LoadProgress } from '../../workers/roster-api.ts';
import { registerCodedErrorTransfer } from '../../workers/coded-error-transfer.ts';

export type RosterWorker = Remote<RosterWorkerApi>;

registerCodedErrorTransfer();

export function startRosterWorker(databaseName = 'offboard'): RosterWorker {
  const worker = new Worker(new URL('../../workers/roster.worker.ts', import.meta.url), {
    type: 'module',
    name: databaseName,
  });
  return wrap<RosterWorkerApi>(worker);
}

/** Wraps a progress callback so the worker can call it across the boundary. */
export function progressCallback(callback: (progress: LoadProgress) => void): (progress: LoadProgress) => void {
  return proxy(callback);
}

let shared: RosterWorker | null = null;

export function rosterWorker(): RosterWorker {
  shared ??= startRosterWorker();
  return shared;
}
