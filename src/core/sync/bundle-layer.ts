/**
 * Bundles laid over the users a database holds: the newest version of each user it has, with the two
 * lookups the rules need across users (reports by manager, live user by email) kept for its own bundles.
 * The reference server keeps two: the changes committed and not folded into its users table yet, and,
 * while a push is evaluated, what its earlier operations changed.
 */
import type { UserBundle } from './user-bundle.ts';

export class BundleLayer {
  private readonly bundles = new Map<string, UserBundle>();
  private readonly byManager = new Map<string, Set<string>>();
  private readonly byEmail = new Map<string, Set<string>>();

  get size(): number {
    return this.bundles.size;
  }

  get(id: string): UserBundle | undefined {
    return this.bundles.get(id);
  }

  has(id: string): boolean {
    return this.bundles.has(id);
  }

  ids(): IterableIterator<string> {
    return this.bundles.keys();
  }

  values(): IterableIterator<UserBundle> {
    return this.bundles.values();
  }

  /** Ids of this layer's live bundles whose manager is `managerId`. */
  reportIdsOf(managerId: string): ReadonlySet<string> {
    return this.byManager.get(managerId) ?? EMPTY;
  }

  /** Ids of this layer's live bundles with this email (lower case). */
  idsWithEmail(email: string): ReadonlySet<string> {
    return this.byEmail.get(email) ?? EMPTY;
  }

  set(bundle: UserBundle): void {
    this.delete(bundle.id);
    this.bundles.set(bundle.id, bundle);
    const user = liveUser(bundle);
    if (!user) return;
    if (user.managerId !== null) add(this.byManager, user.managerId, bundle.id);
    add(this.byEmail, user.email.toLowerCase(), bundle.id);
  }

  /** Holds what `other` holds, and nothing else. */
  replaceWith(other: BundleLayer): void {
    for (const id of [...this.bundles.keys()]) this.delete(id);
    for (const bundle of other.values()) this.set(bundle);
  }

  delete(id: string): void {
    const previous = this.bundles.get(id);
    if (!previous) return;
    this.bundles.delete(id);
    const user = liveUser(previous);
    if (!user) return;
    if (user.managerId !== null) remove(this.byManager, user.managerId, id);
    remove(this.byEmail, user.email.toLowerCase(), id);
  }
}

const EMPTY: ReadonlySet<string> = new Set();

function liveUser(bundle: UserBundle) {
  return bundle.deleted ? null : bundle.user;
}

function add(index: Map<string, Set<string>>, key: string, id: string): void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(id);
}

function remove(index: Map<string, Set<string>>, key: string, id: string): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(id);
  if (set.size === 0) index.delete(key);
}
