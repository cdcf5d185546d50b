/**
 * Strings kept once, referred to by number: a column of 1,000,000 first names holds a few thousand
 * strings and an Int32Array, not a million pointers to copies. A pool only grows; what refers to it is
 * rebuilt from scratch when the roster is read anew, and the pool with it.
 */
import { IdIndex } from './id-index.ts';

export class StringPool {
  readonly values: string[] = [];
  private readonly numberOf = new IdIndex(this.values);

  /** The number of `value`, added if new. */
  intern(value: string): number {
    let number = this.numberOf.get(value);
    if (number === undefined) {
      number = this.values.length;
      this.values.push(value);
      this.numberOf.set(value, number);
    }
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
