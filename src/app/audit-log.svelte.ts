/**
 * The Audit screen's state: filters, the page on screen, and the way back to newer pages. Pages are read
 * in the worker, newest first, a page at a time, so an audit of millions of entries opens at once.
 */
import type { AuditAction } from '../core/roster-types.ts';
import type { AuditPage, AuditQuery } from '../../workers/roster-api.ts';
import { describeError, type ErrorMessage } from './describe-error.ts';
import type { RosterWorker } from './roster-worker-client.ts';

export type AuditFilters = Omit<AuditQuery, 'beforeSeq' | 'limit'>;

export const EMPTY_AUDIT_FILTERS: AuditFilters = { action: null, actorId: null, ruleId: null, batchId: null, text: '' };

export const AUDIT_PAGE_SIZE = 100;

export class AuditLog {
  filters = $state<AuditFilters>({ ...EMPTY_AUDIT_FILTERS });
  page = $state.raw<AuditPage | null>(null);
  error = $state.raw<ErrorMessage | null>(null);
  isLoading = $state(false);
  /** The `beforeSeq` of each page before the one on screen, so "Newer" goes back exactly. */
  private cursors = $state<(number | null)[]>([]);
  private request = 0;

  constructor(private readonly worker: RosterWorker) {}

  get pageNumber(): number {
    return this.cursors.length + 1;
  }

  get hasNewer(): boolean {
    return this.cursors.length > 0;
  }

  setFilters(change: Partial<AuditFilters>): void {
    this.filters = { ...this.filters, ...change };
    this.cursors = [];
    void this.load(null);
  }

  clearFilters(): void {
    this.setFilters({ ...EMPTY_AUDIT_FILTERS });
  }

  /** Shows one batch's entries: every change a batch made, together. */
  showBatch(batchId: string): void {
    this.setFilters({ ...EMPTY_AUDIT_FILTERS, batchId });
  }

  refresh(): Promise<void> {
    this.cursors = [];
    return this.load(null);
  }

  async older(): Promise<void> {
    const rows = this.page?.rows ?? [];
    if (!this.page?.hasOlder || rows.length === 0) return;
    this.cursors = [...this.cursors, this.currentCursor];
    await this.load(rows.at(-1)!.seq);
  }

  async newer(): Promise<void> {
    if (this.cursors.length === 0) return;
    const previous = this.cursors.at(-1)!;
    this.cursors = this.cursors.slice(0, -1);
    await this.load(previous);
  }

  private currentCursor: number | null = null;

  private async load(beforeSeq: number | null): Promise<void> {
    const request = ++this.request;
    this.isLoading = true;
    try {
      const page = await this.worker.auditPage({ ...$state.snapshot(this.filters), beforeSeq, limit: AUDIT_PAGE_SIZE });
      if (request !== this.request) return;
      this.page = page;
      this.currentCursor = beforeSeq;
      this.error = null;
    } catch (error) {
      if (request === this.request) this.error = describeError(error);
    } finally {
      if (request === this.request) this.isLoading = false;
    }
  }
}

/** Words for each kind of entry, for the filter and the table. */
export const AUDIT_ACTION_LABELS: Record<AuditAction, string> = {
  deactivate: 'Deactivated',
  reactivate: 'Reactivated',
  delete: 'Deleted',
  move_report: 'Report moved',
  set_custom_field: 'Custom field set',
  transfer_community_admin: 'Community admin transferred',
  reassign_assignments: 'Assignments re-assigned',
  issue_certificate: 'Certificate issued',
  change_settings: 'Settings changed',
  sign_in: 'Signed in',
  import: 'Imported',
  load_demo: 'Demo loaded',
};
