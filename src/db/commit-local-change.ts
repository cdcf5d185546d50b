/**
 * A change made on this device: the operation's function (src/core/changes/) run on the bundles it reads,
 * committed in one transaction with its audit entries and the outbox operation that carries it to the
 * server, with the bundles as they were so that a refusal can put them back. All or nothing: a change
 * the roster no longer allows as asked (it changed since the admin saw it) writes nothing.
 */
import { applyOperation, usersReadBy } from '../core/changes/apply-operation.ts';
import type { ChangeOutcome, OrganizationLists, OrganizationView } from '../core/changes/change-outcome.ts';
import type { BeforeImage, LocalOperation, OutboxOperation } from '../core/changes/operation.ts';
import type { AuditEntry } from '../core/roster-types.ts';
import { tombstoneOf } from '../core/sync/user-bundle.ts';
import { RefusedChangeError, StalePlanError, type RefusalCode } from './database-errors.ts';
import type { CommittedUsers, RosterTransaction } from './roster-store.ts';
import { codedError } from '../core/coded-error.ts';

/** Roster-wide questions the in-memory roster answers for the bundles a change does not read. */
export interface RosterLookup {
  /** Whether the device may hold this user: only those are read (a new user costs no read). */
  mayHold(userId: string): boolean;
  hasUser(userId: string): boolean;
  userIdWithEmail(email: string): string | undefined;
}

export interface LocalChange {
  operation: LocalOperation;
  lookup: RosterLookup;
  /** The saved selection rule the plan came from, named in the audit. */
  selectionRule?: string | null;
}

export interface CommittedChange extends CommittedUsers {
  outcome: ChangeOutcome;
  operation: OutboxOperation;
}

const REFUSAL_OF_KIND: Partial<Record<OutboxOperation['kind'], RefusalCode>> = {
  transfer_community_admin: 'transfer_refused',
  reassign_assignments: 'reassign_refused',
  issue_certificate: 'certificate_refused',
};

/** Runs inside `store.write`. */
export async function commitLocalChange(tx: RosterTransaction, change: LocalChange): Promise<CommittedChange> {
  const op = change.operation;
  // Awaited one after the other: Promise.all over native async functions would leave Dexie's transaction.
  const bundles = await tx.bundles(usersReadBy(op).filter((id) => change.lookup.mayHold(id)));
  const organization = await tx.organization();
  const outcome = applyOperation(
    {
      organization,
      bundleOf: (id) => bundles.get(id),
      hasUser: (id) => bundles.has(id) || change.lookup.hasUser(id),
      userIdWithEmail: (email) => change.lookup.userIdWithEmail(email),
      actorId: op.actorId,
      now: op.createdAt,
    },
    op,
  );
  refuseIfNotAsAsked(op, outcome);
  const before: BeforeImage = {
    bundles: [...outcome.changed.keys()].flatMap((id) => bundles.get(id) ?? []),
    createdUserIds: outcome.createdIds,
    organization: outcome.organization ? listsAsBefore(outcome.organization, organization) : null,
  };
  const committed = await tx.commit({ bundles: outcome.changed.values(), createdIds: outcome.createdIds, organization: outcome.organization });
  const audit: AuditEntry[] = outcome.audit.map((fact) => ({ ...fact, at: op.createdAt, actorId: op.actorId, batchId: op.id, selectionRule: change.selectionRule ?? null }));
  const operation = { ...op, status: 'pending', before } as OutboxOperation;
  await tx.addAudit(audit);
  await tx.addOperation(operation);
  return { ...committed, outcome, operation };
}

/** The device made the change on what the admin saw: anything else means the roster moved meanwhile. */
function refuseIfNotAsAsked(op: LocalOperation, outcome: ChangeOutcome): void {
  const refusal = outcome.refusals[0];
  if (op.kind === 'deactivate' || op.kind === 'reactivate' || op.kind === 'delete') {
    if (refusal) throw new StalePlanError(refusal.message);
    if (outcome.unchanged.length > 0) throw new StalePlanError(`User ${outcome.unchanged[0]} is no longer ${op.kind === 'reactivate' ? 'inactive' : 'active'}.`);
    return;
  }
  if (op.kind === 'issue_certificate' && outcome.unchanged.length > 0) {
    throw new RefusedChangeError('certificate_refused', `The certificate of ${op.args.courseId} already exists.`);
  }
  if (refusal) {
    const code = REFUSAL_OF_KIND[op.kind];
    if (code) throw new RefusedChangeError(code, refusal.message);
    throw codedError('import_refused', refusal.message);
  }
}

function listsAsBefore(changed: OrganizationLists, organization: OrganizationView): OrganizationLists {
  const before: OrganizationLists = {};
  if (changed.communities) before.communities = [...organization.communities];
  if (changed.methodologies) before.methodologies = [...organization.methodologies];
  if (changed.customFields) before.customFields = [...organization.customFields];
  return before;
}

/**
 * Puts back what an operation changed, from its before-image: the bundles as they were, the users it
 * created gone, the organization lists as they were. Returns what was written; null when the operation
 * carries no before-image (written by an earlier version): its users must be pulled again.
 */
export async function undoOperation(tx: RosterTransaction, operation: OutboxOperation): Promise<CommittedUsers | null> {
  const { before } = operation;
  if (!before) return null;
  return tx.commit({ bundles: [...before.bundles, ...before.createdUserIds.map((id) => tombstoneOf(id, 0))], organization: before.organization });
}
