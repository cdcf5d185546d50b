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
import { tombstoneOf, type UserBundle } from '../core/sync/user-bundle.ts';
import { fullName } from '../core/user-views.ts';
import type { CommittedUsers, RosterTransaction } from './roster-store.ts';
import { codedError, type RefusalDetails, type RefusalReason } from '../core/coded-error.ts';

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

const REFUSAL_OF_KIND = {
  transfer_community_admin: 'transfer_refused',
  reassign_assignments: 'reassign_refused',
  issue_certificate: 'certificate_refused',
  import: 'import_refused',
} as const;

/** Runs inside `store.write`. */
export async function commitLocalChange(tx: RosterTransaction, change: LocalChange): Promise<CommittedChange> {
  const op = change.operation;
  // Awaited one after the other: Promise.all over native async functions would leave Dexie's transaction.
  const reads = usersReadBy(op);
  const { whole, userRecords, organization } = await tx.read({
    whole: reads.whole.filter((id) => change.lookup.mayHold(id)),
    userRecordOnly: reads.userRecordOnly.filter((id) => change.lookup.mayHold(id)),
  });
  const bundles = new Map([...userRecords, ...whole]);
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
  refuseIfNotAsAsked(op, outcome, (id) => nameOf(id, bundles, organization));
  const before: BeforeImage = {
    bundles: [...outcome.changed.keys()].flatMap((id) => bundles.get(id) ?? []),
    userRecordOnly: [...outcome.changed.keys()].filter((id) => userRecords.has(id)),
    createdUserIds: outcome.createdIds,
    organization: outcome.organization ? listsAsBefore(outcome.organization, organization) : null,
  };
  const audit: AuditEntry[] = outcome.audit.map((fact) => ({ ...fact, at: op.createdAt, actorId: op.actorId, batchId: op.id, selectionRule: change.selectionRule ?? null }));
  const operation = { ...op, status: 'pending', before } as OutboxOperation;
  // Audit entries and the outbox operation go with the bundles' writes: one round trip for all of them.
  const committed = await tx.commit({
    bundles: outcome.changed.values(),
    createdIds: outcome.createdIds,
    organization: outcome.organization,
    userRecordOnly: new Set(userRecords.keys()),
    audit,
    operation,
  });
  return { ...committed, outcome, operation };
}

/** The device made the change on what the admin saw: anything else means the roster moved meanwhile. */
function refuseIfNotAsAsked(op: LocalOperation, outcome: ChangeOutcome, nameOf: (id: string) => string | undefined): void {
  const refusal = outcome.refusals[0];
  if (op.kind === 'deactivate' || op.kind === 'reactivate' || op.kind === 'delete') {
    if (refusal) throw codedError('stale_plan', refusal.message);
    if (outcome.unchanged.length > 0) throw codedError('stale_plan', `User ${outcome.unchanged[0]} is no longer ${op.kind === 'reactivate' ? 'inactive' : 'active'}.`);
    return;
  }
  const about: Pick<RefusalDetails, 'communityId' | 'courseId'> = {};
  if (op.kind === 'transfer_community_admin' || op.kind === 'issue_certificate') about.communityId = op.args.communityId;
  if (op.kind === 'issue_certificate') about.courseId = op.args.courseId;
  const details = (reason: RefusalReason, rule: string | null, userId: string | null, extra: Pick<RefusalDetails, 'email' | 'managerId'> = {}): RefusalDetails => {
    const named = { ...about, ...extra, userId };
    const names: Record<string, string> = {};
    for (const id of [named.userId, named.communityId, named.managerId]) {
      const name = id ? nameOf(id) : undefined;
      if (id && name) names[id] = name;
    }
    return { operation: op.kind, reason, rule, ...named, names };
  };
  if (op.kind === 'issue_certificate' && outcome.unchanged.length > 0) {
    throw codedError('certificate_refused', `The certificate of ${op.args.courseId} already exists.`, details('certificate_exists', 'R4', outcome.unchanged[0]!));
  }
  if (refusal) {
    const extra: Pick<RefusalDetails, 'email' | 'managerId'> = {};
    if (refusal.subject !== undefined && refusal.code === 'duplicate_email') extra.email = refusal.subject;
    if (refusal.subject !== undefined && refusal.code === 'unknown_manager') extra.managerId = refusal.subject;
    throw codedError(REFUSAL_OF_KIND[op.kind], refusal.message, details(refusal.code, refusal.rule, refusal.userId, extra));
  }
}

/** A user's or a community's name as the change read it, for the words of a refusal. */
function nameOf(id: string, bundles: ReadonlyMap<string, UserBundle>, organization: OrganizationView): string | undefined {
  const user = bundles.get(id)?.user;
  if (user) return fullName(user);
  return organization.communities.find((c) => c.id === id)?.name;
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
  return tx.commit({
    bundles: [...before.bundles, ...before.createdUserIds.map((id) => tombstoneOf(id, 0))],
    organization: before.organization,
    userRecordOnly: new Set(before.userRecordOnly ?? []),
  });
}
