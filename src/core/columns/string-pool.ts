/**
 * Strings kept once, referred to by number: a column of 1,000,000 first names holds a few thousand
 * strings and an Int32Array, not a million pointers to copies. A pool only grows; what refers to it is
 * rebuilt from scratch when the roster is read anew, and the pool with it.
 */
import { IdIndex } from './id-index.ts';

export class StringPool {
  readonly values: string[] = [];
  private readonly numberOf: IdIndex;

  /** `expected`: about how many strings it will hold, so that its index is not grown step by step. */
  constructor(expected = 0) {
    this.numberOf = new IdIndex(this.values, expected);
  }

  /** The number of `value`, added if new. */
  intern(value: string): number {
    const number = this.values.length;
    const held = this.numberOf.getOrSet(value, number);
    if (held >= 0) return held;
    this.values.push(value);
    return number;
  }

  /** The number of `value`, or -1 when the pool never held it. */
  find(value: string): number {
    return this.numberOf.get(value) ?? -1;
  }

  get size(): number {
    return this.values.length;
  }
}
