/**
 * A clock for the sync scheduler that moves only when the test says so: `advance` runs the timers that
 * fall due, in order, and lets the promises they start settle.
 */
import type { SyncClock } from '../../src/app/sync-status.svelte.ts';

interface Timer {
  id: number;
  at: number;
  run: () => void;
}

export class ManualClock implements SyncClock {
  private time: number;
  private nextId = 1;
  private timers: Timer[] = [];

  /** Starts at the real time: the worker stamps what it records (the last sync) with the real clock. */
  constructor(start = Date.now()) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(run: () => void, ms: number): unknown {
    const timer = { id: this.nextId++, at: this.time + ms, run };
    this.timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  /** When the next timer is due, or null when none is set. */
  get nextAt(): number | null {
    return this.timers.length === 0 ? null : Math.min(...this.timers.map((t) => t.at));
  }

  /** Moves time forward by `ms`, running every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await settle();
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = due.at;
      due.run();
    }
    this.time = end;
    await settle();
  }
}

/** Lets pending promise chains (a fake worker's answers, the scheduler's follow-ups) run to the end. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setTimeout(resolve, 0));
}
