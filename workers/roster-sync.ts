/**
 * The roster worker's sync side: signing in to a server, running syncs, the list of refused changes,
 * and telling every tab what changed. `RosterEngine` delegates here and keeps its in-memory roster
 * current through `applyWritten`.
 */
import type { LifecycleAction } from '../src/core/build-lifecycle-plan.ts';
import type { SessionResponse } from '../src/core/sync/sync-protocol.ts';
import { isRetryable, type SyncRejectionRecord } from '../src/core/sync/sync-rejection.ts';
import type { OffboardDatabase } from '../src/db/offboard-database.ts';
import type { RosterStore } from '../src/db/roster-store.ts';
import { countPendingOperations } from '../src/db/outbox-records.ts';
import { SESSION_KEY, clearRoster } from '../src/db/write-roster-in-chunks.ts';
import { readSyncOutcome, readSyncServer, SYNC_SERVER_KEY, type SyncOutcome, type SyncServer } from '../src/db/sync-state.ts';
import type { WrittenBundles } from '../src/db/write-user-bundles.ts';
import { fetchSession, normalizeServerUrl, SyncClient, SyncFailure, type PushCompression, type SyncRunReport } from './sync-client.ts';
import { isSyncOriginAllowed } from '../src/core/sync/is-sync-origin-allowed.ts';
import { parseSyncOrigins } from '../src/core/sync/parse-sync-origins.ts';
import { EMPTY_ROSTER, type RosterChange } from './roster-cache.ts';
import { RosterIndexBuilder } from '../src/core/roster-index.ts';
import { deleteMeta, writeMeta } from '../src/db/meta-records.ts';

/** Servers the app's Content-Security-Policy lets it reach besides its own origin (set at build time);
 * null where no policy applies (the tests' servers). */
const ALLOWED_SYNC_ORIGINS = import.meta.env.OFFBOARD_SYNC_ORIGINS === undefined ? null : parseSyncOrigins(import.meta.env.OFFBOARD_SYNC_ORIGINS).origins;


export type { RosterChangeMessage } from './roster-broadcast.ts';

export interface SyncStateView {
  server: { url: string; organizationName: string; adminId: string; permissions: string[]; signedInAt: string } | null;
  pendingOperations: number;
  rejections: number;
  outcome: SyncOutcome;
}

export interface RejectionView extends SyncRejectionRecord {
  id: number;
  userName: string | null;
  /** A lifecycle change can be planned again for the same user once fixed. */
  isRetryable: boolean;
}

/** A sign-in's outcome; a failure carries a code the page puts into words, and what the server or browser said. */
export type SignInResult =
  | { ok: true; session: SessionResponse; report: SyncRunReport }
  | { ok: false; code: 'replace_needed'; localUsers: number; pendingOperations: number; organizationName: string }
  | { ok: false; code: string; detail: string };

export interface RosterSyncHost {
  db: OffboardDatabase;
  store: RosterStore;
  /** Runs a sync step's write in the worker's write queue and applies what it wrote to the in-memory roster. */
  runWrite<T extends WrittenBundles>(write: () => Promise<T>): Promise<T>;
  /** Applies (and announces) a change that touches no users: the outbox, a cleared device. */
  apply(change: RosterChange): void;
  /**
   * The device's data was replaced: read it all again (and tell the other tabs to). `pulled`: an empty
   * device's first pull as it was written, taken instead of reading the users back where the storage
   * holds exactly its blocks.
   */
  reopen(pulled?: PulledRoster): Promise<void>;
  userName(id: string): string | null;
  localUserCount(): number;
  localOrganizationId(): string | null;
}

export class RosterSync {
  private running: Promise<SyncRunReport> | null = null;
  /** Whether this server refused a compressed push: then this tab sends pushes uncompressed. */
  private readonly pushCompression: PushCompression = { isRefused: false };

  constructor(private readonly host: RosterSyncHost) {}

  async state(): Promise<SyncStateView> {
    const { db } = this.host;
    const [server, pendingOperations, rejections, outcome] = await Promise.all([
      readSyncServer(db),
      countPendingOperations(db),
      db.syncRejections.count(),
      readSyncOutcome(db),
    ]);
    return {
      server: server && {
        url: server.url,
        organizationName: server.session.organizationName,
        adminId: server.session.admin.userId,
        permissions: server.session.admin.permissions,
        signedInAt: server.signedInAt,
      },
      pendingOperations,
      rejections,
      outcome,
    };
  }

  /**
   * Signs this device in to a server and pulls its roster. A device holding another roster (the demo,
   * or another organization's) is replaced only when `replaceRoster` says so: the admin is asked first.
   */
  async signIn(url: string, token: string, replaceRoster: boolean, onProgress?: (done: number, total: number, bytes: number) => void): Promise<SignInResult> {
    const { db } = this.host;
    const serverUrl = normalizeServerUrl(url);
    if (!/^https?:\/\//i.test(serverUrl)) return { ok: false, code: 'bad_url', detail: '' };
    if (token.trim() === '') return { ok: false, code: 'bad_token', detail: '' };
    // Another server may take compressed pushes: ask it afresh.
    this.pushCompression.isRefused = false;
    let session: SessionResponse;
    try {
      session = await fetchSession(serverUrl, token.trim());
    } catch (error) {
      const failure = error instanceof SyncFailure ? error : new SyncFailure('offline', (error as Error).message, true);
      if (failure.code === 'offline' && ALLOWED_SYNC_ORIGINS) {
        // Asked only once the server could not be reached: the policy is one reason among others.
        if (!isSyncOriginAllowed(serverUrl, self.location.origin, ALLOWED_SYNC_ORIGINS)) return { ok: false, code: 'csp_blocked', detail: failure.message };
      }
      return { ok: false, code: failure.code, detail: failure.message };
    }
    const previous = await readSyncServer(db);
    const localUsers = this.host.localUserCount();
    const isSameOrganization = previous?.session.organizationId === session.organizationId || (localUsers > 0 && this.host.localOrganizationId() === session.organizationId && previous !== null);
    if (localUsers > 0 && !isSameOrganization) {
      const pendingOperations = await countPendingOperations(db);
      if (!replaceRoster) {
        return {
          ok: false,
          code: 'replace_needed',
          localUsers,
          pendingOperations,
          organizationName: session.organizationName,
        };
      }
      await clearRoster(db);
      this.host.apply({ replaced: EMPTY_ROSTER });
    }
    // An empty device's first pull: its pages go into the in-memory roster at its end, not one by one.
    const pulled = localUsers === 0 || !isSameOrganization ? new PulledRoster() : null;
    if (pulled && localUsers === 0) this.host.apply({ replaced: EMPTY_ROSTER });
    const server: SyncServer = {
      url: serverUrl,
      token: token.trim(),
      clientId: previous?.clientId ?? crypto.randomUUID(),
      session,
      signedInAt: new Date().toISOString(),
    };
    await db.transaction('rw', db.meta, async () => {
      await writeMeta(db, SYNC_SERVER_KEY, server);
      // The console acts as the admin the token belongs to, offline too.
      await writeMeta(db, SESSION_KEY, { adminId: session.admin.userId });
    });
    let report: SyncRunReport;
    try {
      report = await this.run(onProgress, pulled ? (written) => pulled.add(written) : undefined);
    } finally {
      // The roster as the pull left it, whole or cut short: an empty device's pages were not added to
      // the in-memory roster one by one.
      await this.host.reopen(pulled ?? undefined);
    }
    return { ok: true, session, report };
  }

  /** Forgets the server; the roster and any changes not yet sent stay on the device. */
  async signOut(): Promise<void> {
    this.pushCompression.isRefused = false;
    await deleteMeta(this.host.db, [SYNC_SERVER_KEY]);
  }

  /**
   * Runs a sync, or joins the one this tab already runs. `onWritten` hears each of its write steps once
   * committed (when this call starts the run).
   */
  run(onProgress?: (done: number, total: number, bytes: number) => void, onWritten?: (written: WrittenBundles) => void): Promise<SyncRunReport> {
    this.running ??= new SyncClient({
      db: this.host.db,
      store: this.host.store,
      onPullProgress: onProgress,
      pushCompression: this.pushCompression,
      runWrite: async (write) => {
        const written = await this.host.runWrite(write);
        onWritten?.(written);
        return written;
      },
    })
      .run()
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  async rejections(limit = 500): Promise<RejectionView[]> {
    const records = await this.host.db.syncRejections.reverse().limit(limit).toArray();
    return records.map((r) => ({ ...r, id: r.id!, userName: r.userId ? this.host.userName(r.userId) : null, isRetryable: isRetryable(r.kind) && r.userId !== null }));
  }

  async discardRejections(ids: number[]): Promise<void> {
    await this.host.db.syncRejections.bulkDelete(ids);
    this.host.apply({ outbox: true });
  }

  /** What "retry" plans again: the same action for the rejected users still on the roster. */
  async retryTarget(ids: number[]): Promise<{ action: LifecycleAction; userIds: string[] } | null> {
    const records = (await this.host.db.syncRejections.bulkGet(ids)).filter((r): r is SyncRejectionRecord => r !== undefined && isRetryable(r.kind) && r.userId !== null);
    const first = records[0];
    if (!first) return null;
    const action = first.kind as LifecycleAction;
    return { action, userIds: records.filter((r) => r.kind === action).map((r) => r.userId!) };
  }
}

/**
 * A first pull onto an empty device as the in-memory roster's columns, built while its pages commit:
 * pages written as blocks encoded ahead go in as those blocks' heads are, so that nothing is read back
 * at the end. Used only where the storage then holds exactly those blocks and nothing else.
 */
export class PulledRoster {
  readonly users = new RosterIndexBuilder();
  readonly blockIds: number[] = [];
  /** A write step that was not such a page (a page written from its bundles, a push's outcome) came by. */
  isPartial = false;

  add(written: WrittenBundles): void {
    if (!written.appendedBlocks) {
      if (written.changed.length > 0 || written.deletedIds.length > 0) this.isPartial = true;
      return;
    }
    for (const { id, head } of written.appendedBlocks) {
      this.users.addPage({ head, rows: Array.from(head.userIds, (_, row) => row) });
      this.blockIds.push(id);
    }
  }

  /** Whether the storage holds these blocks and nothing else: no other block, nothing waiting in the log. */
  isWhatIsStored(stored: { blockIds: readonly number[]; pendingUsers: number }): boolean {
    if (this.isPartial || stored.pendingUsers > 0 || stored.blockIds.length !== this.blockIds.length) return false;
    const mine = new Set(this.blockIds);
    return stored.blockIds.every((id) => mine.has(id));
  }
}
