/**
 * Row numbers by id, for ids kept in an array of their own (`ids[row]`): an open-addressing hash table in
 * one Int32Array. A Map of 1,000,000 strings costs tens of bytes per entry and an allocation per insert;
 * this costs 8 bytes per entry (at most half the slots used) and none.
 */
const EMPTY = -1;
const REMOVED = -2;

/** FNV-1a over the string's UTF-16 code units. */
function hashOf(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

export class IdIndex {
  private slots: Int32Array;
  private mask: number;
  private count = 0;
  /** Slots holding REMOVED: they lengthen searches until the table is rebuilt. */
  private removed = 0;

  /** `ids` is read, never written: the row an id is stored under must hold that id. */
  constructor(
    private readonly ids: readonly string[],
    expected = 0,
  ) {
    const capacity = capacityFor(expected);
    this.slots = new Int32Array(capacity).fill(EMPTY);
    this.mask = capacity - 1;
  }

  get size(): number {
    return this.count;
  }

  get(id: string): number | undefined {
    const { slots, mask, ids } = this;
    for (let at = hashOf(id) & mask; ; at = (at + 1) & mask) {
      const row = slots[at]!;
      if (row === EMPTY) return undefined;
      if (row >= 0 && ids[row] === id) return row;
    }
  }

  /**
   * The row of `id`, or, when it has none, `row` stored for it and -1: one search where a get and a set
   * would make two (interning a block's strings looks up each value once). The caller puts `id` at
   * `ids[row]` before the index is used again.
   */
  getOrSet(id: string, row: number): number {
    if ((this.count + this.removed + 1) * 2 > this.slots.length) this.rebuild(capacityFor(this.count + 1));
    const { slots, mask, ids } = this;
    let free = -1;
    for (let at = hashOf(id) & mask; ; at = (at + 1) & mask) {
      const held = slots[at]!;
      if (held === EMPTY) {
        if (free < 0) free = at;
        break;
      }
      if (held === REMOVED) {
        if (free < 0) free = at;
      } else if (ids[held] === id) {
        return held;
      }
    }
    if (slots[free] === REMOVED) this.removed--;
    slots[free] = row;
    this.count++;
    return -1;
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  /** Stores `row` for `id` (`ids[row]` must be `id`), replacing the row it had. */
  set(id: string, row: number): void {
    if (this.getOrSet(id, row) < 0) return;
    // Held already: found again, and given the new row.
    const { slots, mask, ids } = this;
    let at = hashOf(id) & mask;
    while (!(slots[at]! >= 0 && ids[slots[at]!] === id)) at = (at + 1) & mask;
    slots[at] = row;
  }

  delete(id: string): boolean {
    const { slots, mask, ids } = this;
    for (let at = hashOf(id) & mask; ; at = (at + 1) & mask) {
      const row = slots[at]!;
      if (row === EMPTY) return false;
      if (row >= 0 && ids[row] === id) {
        slots[at] = REMOVED;
        this.count--;
        this.removed++;
        return true;
      }
    }
  }

  /** Forgets every id, then indexes rows 0 to `rows` - 1 under the ids they hold now. */
  reindex(rows: number): void {
    this.slots = new Int32Array(capacityFor(rows)).fill(EMPTY);
    this.mask = this.slots.length - 1;
    this.count = 0;
    this.removed = 0;
    for (let row = 0; row < rows; row++) this.set(this.ids[row]!, row);
  }

  private rebuild(capacity: number): void {
    const old = this.slots;
    this.slots = new Int32Array(capacity).fill(EMPTY);
    this.mask = capacity - 1;
    this.removed = 0;
    const { slots, mask, ids } = this;
    for (const row of old) {
      if (row < 0) continue;
      let at = hashOf(ids[row]!) & mask;
      while (slots[at] !== EMPTY) at = (at + 1) & mask;
      slots[at] = row;
    }
  }
}

/** A power of two at least twice `entries` (and at least 16). */
function capacityFor(entries: number): number {
  let capacity = 16;
  while (capacity < entries * 2) capacity *= 2;
  return capacity;
}
