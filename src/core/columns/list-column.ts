/**
 * A short list of numbers per row (a user's communities, their licenses), all rows' lists in one
 * Int32Array. A list rewritten no longer than it was stays where it is; a longer one moves to the end,
 * and the space lists left behind is reclaimed when the array fills (the lists packed into a new one).
 */
export class ListColumn {
  private start: Uint32Array;
  private count: Uint32Array;
  private entries: Int32Array;
  private used = 0;
  private unused = 0;

  constructor(rows: number) {
    this.start = new Uint32Array(rows);
    this.count = new Uint32Array(rows);
    this.entries = new Int32Array(Math.max(16, rows * 2));
  }

  /** Makes room for `rows` rows (new rows hold empty lists). */
  reserve(rows: number): void {
    if (rows <= this.start.length) return;
    this.start = grownTo(this.start, rows);
    this.count = grownTo(this.count, rows);
  }

  set(row: number, values: ArrayLike<number>): void {
    const length = values.length;
    const was = this.count[row]!;
    let at = this.start[row]!;
    if (length > was) {
      if (this.used + length > this.entries.length) this.makeRoom(length);
      at = this.used;
      this.used += length;
      this.unused += was;
      this.start[row] = at;
    } else {
      this.unused += was - length;
    }
    for (let i = 0; i < length; i++) this.entries[at + i] = values[i]!;
    this.count[row] = length;
  }

  lengthOf(row: number): number {
    return this.count[row]!;
  }

  at(row: number, i: number): number {
    return this.entries[this.start[row]! + i]!;
  }

  /** Calls `visit` with every row whose list holds `value`, in row order, for rows below `rows`. */
  forEachRowHolding(value: number, rows: number, visit: (row: number) => void): void {
    const { start, count, entries } = this;
    for (let row = 0; row < rows; row++) {
      const from = start[row]!;
      const end = from + count[row]!;
      for (let i = from; i < end; i++) {
        if (entries[i] === value) {
          visit(row);
          break;
        }
      }
    }
  }

  /** Lays the lists out row by row in `order` (new row i holds old row order[i]'s list), packed. */
  reorder(order: Uint32Array): void {
    let total = 0;
    for (let i = 0; i < order.length; i++) total += this.count[order[i]!]!;
    const start = new Uint32Array(this.start.length);
    const count = new Uint32Array(this.count.length);
    const entries = new Int32Array(Math.max(16, Math.ceil(total * 1.5)));
    let at = 0;
    for (let i = 0; i < order.length; i++) {
      const row = order[i]!;
      const from = this.start[row]!;
      const length = this.count[row]!;
      start[i] = at;
      count[i] = length;
      for (let k = 0; k < length; k++) entries[at + k] = this.entries[from + k]!;
      at += length;
    }
    this.start = start;
    this.count = count;
    this.entries = entries;
    this.used = at;
    this.unused = 0;
  }

  /** Room for `more` entries at the end: the lists packed into an array half as large again as they need. */
  private makeRoom(more: number): void {
    const live = this.used - this.unused;
    const packed = new Int32Array(Math.max(16, Math.ceil((live + more) * 1.5)));
    let at = 0;
    for (let row = 0; row < this.start.length; row++) {
      const length = this.count[row]!;
      if (length === 0) continue;
      packed.set(this.entries.subarray(this.start[row]!, this.start[row]! + length), at);
      this.start[row] = at;
      at += length;
    }
    this.entries = packed;
    this.used = at;
    this.unused = 0;
  }
}

type GrowableArray = Uint8Array | Uint32Array | Int32Array | Float64Array;

/** A copy of `array` with room for `length` elements (zero beyond the old ones); grows by half at least. */
export function grownTo<T extends GrowableArray>(array: T, length: number): T {
  if (length <= array.length) return array;
  const grown = new (array.constructor as new (length: number) => T)(Math.max(length, Math.ceil(array.length * 1.5)));
  grown.set(array as never);
  return grown;
}
