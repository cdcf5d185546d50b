/**
 * The roster's id → row table (IdIndex) must answer as a Map would, across growth, deletions and ids
 * coming back under new rows: seeded random sequences, every id checked after each.
 */
import { describe, expect, it } from 'vitest';
import { IdIndex } from '../../src/core/columns/id-index.ts';
import { StringPool } from '../../src/core/columns/string-pool.ts';
import { createRandom } from '../../src/core/seeded-random.ts';

describe('IdIndex', () => {
  it('answers as a Map across inserts, updates, deletions and re-inserts', () => {
    for (let sequence = 0; sequence < 60; sequence++) {
      const random = createRandom(sequence + 1);
      const ids: string[] = [];
      const index = new IdIndex(ids, random.int(40));
      const model = new Map<string, number>();
      const names = Array.from({ length: 5 + random.int(300) }, (_, i) => (random.chance(0.5) ? `U-${i}` : `user-${i}@Example.com`));
      for (let step = 0; step < 600; step++) {
        const id = random.pick(names);
        if (random.chance(0.3) && model.has(id)) {
          expect(index.delete(id)).toBe(true);
          model.delete(id);
        } else if (random.chance(0.3)) {
          // Found, or stored under the next row (as a string pool interns).
          const held = index.getOrSet(id, ids.length);
          expect(held, `sequence ${sequence}, ${id}`).toBe(model.get(id) ?? -1);
          if (held < 0) {
            ids.push(id);
            model.set(id, ids.length - 1);
          }
        } else {
          // A new row per write, as the table makes one for a user added again.
          ids.push(id);
          index.set(id, ids.length - 1);
          model.set(id, ids.length - 1);
        }
        if (step % 50 === 0 || step === 599) {
          expect(index.size, `sequence ${sequence}`).toBe(model.size);
          for (const name of names) expect(index.get(name), `sequence ${sequence}, ${name}`).toBe(model.get(name));
        }
      }
      expect(index.delete('nobody')).toBe(false);
      expect(index.has('nobody')).toBe(false);
    }
  });

  it('a string pool numbers each distinct string once, in the order first met', () => {
    const random = createRandom(7);
    const pool = new StringPool(random.int(50));
    const model = new Map<string, number>();
    for (let step = 0; step < 5_000; step++) {
      const value = `v${random.int(800)}`;
      if (!model.has(value)) model.set(value, model.size);
      expect(pool.intern(value)).toBe(model.get(value));
    }
    expect(pool.values).toEqual([...model.keys()]);
    for (const [value, number] of model) expect(pool.find(value)).toBe(number);
    expect(pool.find('v-none')).toBe(-1);
  });
});
