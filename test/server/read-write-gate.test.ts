/**
 * The lock that keeps a fold of the change log from running while a push or a pull reads the layer and
 * the table as one state (src/server/sync-database.ts).
 */
import { describe, expect, it } from 'vitest';
import { ReadWriteGate } from '../../src/server/read-write-gate.ts';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('ReadWriteGate', () => {
  it('lets readers in together, and a writer only alone', async () => {
    const gate = new ReadWriteGate();
    const events: string[] = [];
    const first = deferred();
    const second = deferred();
    const readers = [
      gate.read(async () => {
        events.push('read 1 in');
        await first.promise;
        events.push('read 1 out');
      }),
      gate.read(async () => {
        events.push('read 2 in');
        await second.promise;
        events.push('read 2 out');
      }),
    ];
    const writer = gate.write(async () => {
      events.push('write');
    });
    await tick();
    expect(events).toEqual(['read 1 in', 'read 2 in']);
    first.resolve();
    await tick();
    expect(events).toEqual(['read 1 in', 'read 2 in', 'read 1 out']);
    second.resolve();
    await Promise.all([...readers, writer]);
    expect(events).toEqual(['read 1 in', 'read 2 in', 'read 1 out', 'read 2 out', 'write']);
  });

  it('puts a waiting writer before readers that come after it, so that pulls never hold a fold off', async () => {
    const gate = new ReadWriteGate();
    const events: string[] = [];
    const held = deferred();
    const first = gate.read(async () => {
      events.push('read 1');
      await held.promise;
    });
    const writer = gate.write(async () => {
      events.push('write');
    });
    const later = gate.read(async () => {
      events.push('read 2');
    });
    await tick();
    expect(events).toEqual(['read 1']);
    held.resolve();
    await Promise.all([first, writer, later]);
    expect(events).toEqual(['read 1', 'write', 'read 2']);
  });

  it('opens again after work that throws', async () => {
    const gate = new ReadWriteGate();
    await expect(gate.write(async () => Promise.reject(new Error('failed')))).rejects.toThrow('failed');
    await expect(gate.read(async () => 'read')).resolves.toBe('read');
    await expect(gate.write(async () => 'written')).resolves.toBe('written');
  });
});
