/**
 * One change, one function: the device and the server must end a change in the same state. Seeded
 * random sequences of every kind of write are made on a device (the worker's engine on real Dexie in
 * Chromium), then the operations its outbox holds are pushed to the server's core (ServerRoster), started
 * from the same organization; the push's answer is settled on the device as a sync settles it. Some
 * sequences end in a 403 for their last operations (the device rolls them back, the server never sees
 * them), some push twice (a replay, answered again and applied once). Then every field of every record of
 * every user, and the organization's records, must be the same on both.
 */
import { describe, expect, it } from 'vitest';
import Dexie from 'dexie';
import fc from 'fast-check';
import { generateDemoOrganization } from '../../src/core/generate-demo-organization.ts';
import { isLifecycleOperation, type OutboxOperation } from '../../src/core/changes/operation.ts';
import { pushOperationOf } from '../../src/core/sync/push-operation-of.ts';
import { ServerRoster } from '../../src/core/sync/server-roster.ts';
import { serverSnapshotOfRoster } from '../../src/core/sync/server-snapshot-of-roster.ts';
import { SYNC_PROTOCOL_VERSION, type OperationResult } from '../../src/core/sync/sync-protocol.ts';
import { OffboardDatabase } from '../../src/db/offboard-database.ts';
import { RosterStore } from '../../src/db/roster-store.ts';
import { storedUserIds } from '../db/stored-roster.ts';
import { rollBackRefusedOperations, settlePushResults } from '../../src/db/settle-push-results.ts';
import { RosterEngine } from '../../workers/roster-engine.ts';
import { allRows, perform, write } from './random-roster-writes.ts';
import { deviceState, serverState } from './compare-device-with-server.ts';
import { readOutbox } from '../../src/db/outbox-records.ts';

const RUNS = 200;
const DEMO_SIZE = 30;

type Ending = 'push' | 'forbidden_tail' | 'replay';

/** Every write but the organization's settings: they stay on the device (they are no operation yet). */
const change = write.filter((w) => w.kind !== 'settings');

/**
 * A3/R2: a few users deactivated and reactivated without re-assignment, so that some active users have
 * previous assignments to re-assign (the demo's have none). These operations are pushed like the rest.
 */
async function withPreviousAssignments(engine: RosterEngine): Promise<void> {
  const rows = await allRows(engine);
  const adminIds = new Set(engine.summary().admins.map((a) => a.id));
  const managerIds = new Set(rows.flatMap((r) => (r.manager ? [r.manager.id] : [])));
  const withAssignments: string[] = [];
  for (const row of rows.filter((r) => r.status === 'active' && !adminIds.has(r.id) && !managerIds.has(r.id))) {
    if (((await engine.userDetail(row.id))?.assignments.length ?? 0) > 0) withAssignments.push(row.id);
  }
  // Those no rule blocks (F3: community admins are).
  const blocked = new Set((await engine.planLifecycle({ action: 'deactivate', selection: { kind: 'ids', ids: withAssignments } })).blocked.map((b) => b.userId));
  const ids = withAssignments.filter((id) => !blocked.has(id)).slice(0, 3);
  expect(ids.length).toBeGreaterThan(0);
  for (const action of ['deactivate', 'reactivate'] as const) {
    const plan = await engine.planLifecycle({ action, selection: { kind: 'ids', ids } });
    if (plan.canApply) await engine.applyPlan(plan.planId, undefined, { reassignPrevious: false });
  }
}

describe('device and server, one change, one function', () => {
  it(`end in the same records after ${RUNS} random sequences of every kind of change, refusals, 403 rollbacks and replays`, async () => {
    const demo = generateDemoOrganization({ size: DEMO_SIZE });
    const snapshot = serverSnapshotOfRoster(demo.header, demo.chunks(100));
    let importSeq = 0;
    const pushed = new Map<string, number>();
    const endings = new Map<Ending, number>();
    // A8: report moves read and write the moved users' records alone; undoing them must leave the rest.
    let movesRolledBack = 0;
    let movesPushed = 0;
    const movesOf = (ops: readonly OutboxOperation[]): number => ops.filter((op) => isLifecycleOperation(op) && op.args.reportMoves.length > 0).length;
    await fc.assert(
      fc.asyncProperty(fc.array(change, { minLength: 1, maxLength: 8 }), fc.constantFrom<Ending>('push', 'forbidden_tail', 'replay'), fc.nat(), async (steps, ending, cut) => {
        const name = `differential-${crypto.randomUUID()}`;
        const engine = new RosterEngine(name);
        const db = new OffboardDatabase(name);
        try {
          await engine.open();
          await engine.loadDemo(DEMO_SIZE);
          await withPreviousAssignments(engine);
          for (const step of steps) await perform(engine, step, ++importSeq).catch(() => undefined);

          const store = new RosterStore(db);
          const server = new ServerRoster(structuredClone(snapshot));
          const operations = (await readOutbox(db)).filter((op) => op.status === 'pending');
          let sent = operations;
          if (ending === 'forbidden_tail' && operations.length > 0) {
            // 403 for the last operations: the device puts them back, the server never applies them.
            const keep = cut % operations.length;
            await rollBackRefusedOperations(store, operations.slice(keep), 'This account may not change users.', new Date().toISOString());
            movesRolledBack += movesOf(operations.slice(keep));
            sent = operations.slice(0, keep);
          }
          const results: OperationResult[] = [];
          for (const operation of sent) {
            // Each operation as its own admin made it (who deactivated whom is part of the record).
            const admin = server.adminOf(operation.actorId)!;
            const outcome = server.push({ protocol: SYNC_PROTOCOL_VERSION, clientId: 'device', operations: [pushOperationOf(operation)] }, admin);
            if (!outcome.ok) throw new Error(outcome.message);
            results.push(...outcome.results);
            pushed.set(operation.kind, (pushed.get(operation.kind) ?? 0) + 1);
            if (ending === 'replay') {
              // The answer was lost: the same operation again gets the same answer and changes nothing.
              const revision = server.currentRevision;
              const again = server.push({ protocol: SYNC_PROTOCOL_VERSION, clientId: 'device', operations: [pushOperationOf(operation)] }, admin);
              expect(again).toMatchObject({ ok: true, commits: [] });
              expect(server.currentRevision).toBe(revision);
            }
          }
          movesPushed += movesOf(sent);
          await settlePushResults(store, sent, results, new Date().toISOString());
          endings.set(ending, (endings.get(ending) ?? 0) + 1);

          const ids = [...new Set([...snapshot.bundles.map((b) => b.id), ...(await storedUserIds(db)), ...server.snapshot().bundles.map((b) => b.id)])].sort();
          expect(await deviceState(db, store, ids)).toEqual(serverState(server.organizationState, (id) => server.bundle(id), ids));
        } finally {
          engine.close();
          db.close();
          await Dexie.delete(name);
        }
      }),
      { numRuns: RUNS },
    );
    // The property held for operations of every kind, and for every way a push can end.
    for (const kind of ['deactivate', 'reactivate', 'delete', 'transfer_community_admin', 'reassign_assignments', 'issue_certificate', 'import'] as const) {
      expect(pushed.get(kind) ?? 0, `operations of kind ${kind} pushed`).toBeGreaterThan(0);
    }
    for (const ending of ['push', 'forbidden_tail', 'replay'] as const) expect(endings.get(ending) ?? 0, `sequences ending in ${ending}`).toBeGreaterThan(0);
    expect(movesPushed, 'lifecycle operations with A8 report moves pushed').toBeGreaterThan(0);
    expect(movesRolledBack, 'lifecycle operations with A8 report moves rolled back').toBeGreaterThan(0);
  }, 600_000);
});
