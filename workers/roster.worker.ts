/**
 * The roster worker: exposes `RosterEngine` over Comlink and nothing else. Heavy work (loading,
 * filtering 1,000,000 users, plans) runs here so that the page never stalls.
 */
import { expose } from 'comlink';
import { RosterEngine } from './roster-engine.ts';
import { registerCodedErrorTransfer } from './coded-error-transfer.ts';

registerCodedErrorTransfer();

// The worker's name is the database's: tests open throwaway databases without touching the real one.
const databaseName = (self as unknown as { name?: string }).name || undefined;
const engine = new RosterEngine(databaseName);

expose(engine);

export type RosterWorkerApi = RosterEngine;
