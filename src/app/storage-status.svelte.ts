/**
 * How much of the browser's storage Offboard uses, how much it may use, and whether the browser has
 * promised to keep it. Without persistence the browser may evict the whole roster under storage
 * pressure, unsynced changes included, so the admin should see which case applies.
 */

/** The parts of `navigator.storage` used here; any may be missing (old browsers, insecure contexts). */
export type StorageApi = Partial<Pick<StorageManager, 'estimate' | 'persist' | 'persisted'>>;

export class StorageStatus {
  /** `null` while unknown: not read yet, or the browser has no Storage API. */
  isPersisted = $state<boolean | null>(null);
  usageBytes = $state<number | null>(null);
  quotaBytes = $state<number | null>(null);

  // Estimates can resolve out of order when refresh is called in quick succession; only the latest counts.
  #estimateRequest = 0;

  constructor(private readonly storage: StorageApi | undefined = globalThis.navigator?.storage) {}

  /** Asks for persistent storage unless already granted, then reads the estimate. */
  async start(): Promise<void> {
    await this.requestPersistence();
    await this.refresh();
  }

  /** Re-reads usage and quota, e.g. after a large write. */
  async refresh(): Promise<void> {
    const storage = this.storage;
    if (typeof storage?.estimate !== 'function') return;
    const request = ++this.#estimateRequest;
    try {
      const { usage, quota } = await storage.estimate();
      if (request !== this.#estimateRequest) return;
      this.usageBytes = usage ?? null;
      this.quotaBytes = quota ?? null;
    } catch {
      // Some browsers reject in private windows; the figures stay as they were.
    }
  }

  private async requestPersistence(): Promise<void> {
    const storage = this.storage;
    try {
      let isPersisted = typeof storage?.persisted === 'function' ? await storage.persisted() : null;
      // Asking only when not yet granted: in Firefox a request can show a permission prompt.
      if (isPersisted !== true && typeof storage?.persist === 'function') isPersisted = await storage.persist();
      this.isPersisted = isPersisted;
    } catch {
      this.isPersisted = null;
    }
  }
}

export const storageStatus = new StorageStatus();
