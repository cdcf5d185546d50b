/**
 * Measures the longest main-thread task of a page during a window, to tell whether the UI stays
 * responsive while the worker or the database is busy. Two sources, the larger wins:
 * - a MessageChannel ping loop: each message is a task, so the largest gap between two callbacks is the
 *   longest stretch the main thread was blocked, whatever blocked it and however short;
 * - PerformanceObserver 'longtask' entries (50 ms and more), which also see tasks that ran while the
 *   loop's next message was already queued behind them.
 */
import type { Page } from 'playwright-core';

export interface LongestTaskProbe {
  start(): Promise<void>;
  /** The longest task since `start()` or the previous lap, in ms (1 decimal), without stopping: tells which step of a window held the page. */
  lap(): Promise<number>;
  /** The longest task since `start()`, in ms (1 decimal). */
  stop(): Promise<number>;
}

interface InPageProbe {
  start(): void;
  lap(): number;
  stop(): number;
}

type ProbeWindow = typeof globalThis & { longestTaskProbe?: InPageProbe };

/** Runs in the page: defines `window.longestTaskProbe` once per document. */
function defineLongestTaskProbe(): void {
  const probeWindow = globalThis as ProbeWindow;
  if (probeWindow.longestTaskProbe) return;

  const channel = new MessageChannel();
  let generation = 0;
  let isRunning = false;
  let windowStart = 0;
  let lastTick = 0;
  let longestGap = 0;
  let longestTask = 0;
  let lapLongest = 0;
  let observer: PerformanceObserver | undefined;

  channel.port1.onmessage = (event: MessageEvent<number>) => {
    // A message of an earlier window may still be queued when the next one starts.
    if (!isRunning || event.data !== generation) return;
    const now = performance.now();
    longestGap = Math.max(longestGap, now - lastTick);
    lapLongest = Math.max(lapLongest, now - lastTick);
    lastTick = now;
    channel.port2.postMessage(generation);
  };

  const recordLongTasks = (entries: PerformanceEntryList): void => {
    for (const entry of entries) {
      if (entry.startTime + entry.duration > windowStart) {
        longestTask = Math.max(longestTask, entry.duration);
        lapLongest = Math.max(lapLongest, entry.duration);
      }
    }
  };

  probeWindow.longestTaskProbe = {
    start() {
      generation += 1;
      isRunning = true;
      longestGap = 0;
      longestTask = 0;
      lapLongest = 0;
      windowStart = lastTick = performance.now();
      if (PerformanceObserver.supportedEntryTypes.includes('longtask')) {
        observer = new PerformanceObserver((list) => recordLongTasks(list.getEntries()));
        observer.observe({ type: 'longtask' });
      }
      channel.port2.postMessage(generation);
    },
    lap() {
      if (observer) recordLongTasks(observer.takeRecords());
      const longest = Math.max(lapLongest, performance.now() - lastTick);
      lapLongest = 0;
      return Math.round(longest * 10) / 10;
    },
    stop() {
      // The stretch since the last callback counts too: stop() itself may run right after a long task.
      longestGap = Math.max(longestGap, performance.now() - lastTick);
      isRunning = false;
      if (observer) {
        recordLongTasks(observer.takeRecords());
        observer.disconnect();
        observer = undefined;
      }
      return Math.round(Math.max(longestGap, longestTask) * 10) / 10;
    },
  };
}

/**
 * Installs the probe in the page's current document and in every document it navigates to, and returns
 * handles to drive it from Node.
 */
export async function installLongestTaskProbe(page: Page): Promise<LongestTaskProbe> {
  await page.addInitScript(defineLongestTaskProbe);
  await page.evaluate(defineLongestTaskProbe);
  return {
    async start() {
      await page.evaluate(() => (globalThis as ProbeWindow).longestTaskProbe!.start());
    },
    async lap() {
      return page.evaluate(() => (globalThis as ProbeWindow).longestTaskProbe!.lap());
    },
    async stop() {
      return page.evaluate(() => (globalThis as ProbeWindow).longestTaskProbe!.stop());
    },
  };
}
