/**
 * Every tab's worker tells the others what it wrote, on one BroadcastChannel per database: the same
 * change record the worker applied to its own roster, with users named by id (the other tabs read them
 * from IndexedDB, where the write already is). The page of each tab listens too, to sync soon after a
 * local change anywhere.
 */
import { rosterChangesChannelName } from '../src/core/sync/roster-changes-channel.ts';
import type { RosterChange } from './roster-cache.ts';

export interface RosterChangeMessage {
  /** The worker that wrote: a tab ignores its own messages. */
  sourceId: string;
  changedIds: string[];
  deletedIds: string[];
  /** The organization's records changed (settings, communities, methodologies, custom fields, admins). */
  isOrganizationChanged: boolean;
  /** Who is signed in on the device changed. */
  isSessionChanged: boolean;
  isRulesChanged: boolean;
  /** Report snapshots were taken (A5/A17). */
  isReportCoverageChanged: boolean;
  /** Everything was replaced (a load, a clear, another roster): read it all again. */
  isReplaced: boolean;
  /** The outbox changed (a local change to push, or a sync settled some). */
  isOutboxChanged: boolean;
  /** A local change, made by an admin: a reason to sync soon. */
  isLocalChange: boolean;
}

export function messageOf(change: RosterChange, sourceId: string): RosterChangeMessage {
  return {
    sourceId,
    changedIds: change.users?.changed.map((u) => u.id) ?? [],
    deletedIds: [...(change.users?.deletedIds ?? [])],
    isOrganizationChanged: change.organization !== undefined || change.lists !== undefined || change.admins !== undefined,
    isSessionChanged: change.signedInAdminId !== undefined,
    isRulesChanged: change.rules === true,
    isReportCoverageChanged: change.reportSnapshots !== undefined,
    isReplaced: change.replaced !== undefined,
    isOutboxChanged: change.outbox === true,
    isLocalChange: change.isLocalChange === true,
  };
}

export class RosterBroadcast {
  readonly sourceId = crypto.randomUUID();
  private readonly channel: BroadcastChannel | null;

  constructor(databaseName: string, onOtherTab: (message: RosterChangeMessage) => void) {
    this.channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(rosterChangesChannelName(databaseName));
    this.channel?.addEventListener('message', (event: MessageEvent<RosterChangeMessage>) => {
      if (event.data && event.data.sourceId !== this.sourceId) onOtherTab(event.data);
    });
  }

  close(): void {
    this.channel?.close();
  }

  post(change: RosterChange): void {
    this.channel?.postMessage(messageOf(change, this.sourceId));
  }
}
