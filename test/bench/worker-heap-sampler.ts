/**
 * Samples the JavaScript heap of a page's dedicated worker from Node, over the Chrome DevTools Protocol:
 * `performance.measureUserAgentSpecificMemory` needs a cross-origin isolated page, and `performance.memory`
 * is the page's own heap (and coarse without a flag), never a worker's. The page's CDP session auto-attaches
 * to its workers (non-flattened sessions: Playwright's CDPSession speaks to one target only, so messages to
 * the worker travel inside `Target.sendMessageToTarget`), and `Runtime.getHeapUsage` is asked of the most
 * recently started worker. The figure is V8's used heap, garbage not yet collected included: what the worker
 * really holds at its worst moment, not a lower bound after a GC.
 */
import type { CDPSession, Page } from 'playwright-core';

interface TargetMessage {
  id?: number;
  result?: Record<string, unknown>;
  error?: { message: string };
}

export interface WorkerHeapSampler {
  /** Resolves once a worker started after `attach` (or since the last call) is attached. */
  waitForWorker(timeoutMs?: number): Promise<void>;
  /** Collects the worker's garbage, for a clean baseline. */
  collectGarbage(): Promise<void>;
  usedHeapBytes(): Promise<number>;
  /** Samples every `intervalMs` until the returned stop() is called; stop() gives the largest sample. */
  startSampling(intervalMs: number): { stop(): Promise<{ peakBytes: number; samples: number }> };
  detach(): Promise<void>;
}

export async function attachWorkerHeapSampler(page: Page): Promise<WorkerHeapSampler> {
  const client: CDPSession = await page.context().newCDPSession(page);
  let workerSession: string | null = null;
  let onAttached: (() => void) | null = null;
  let nextId = 0;
  const pending = new Map<number, { resolve: (message: TargetMessage) => void; reject: (error: Error) => void }>();

  client.on('Target.attachedToTarget', (event) => {
    if (event.targetInfo.type !== 'worker') return;
    workerSession = event.sessionId;
    onAttached?.();
  });
  client.on('Target.detachedFromTarget', (event) => {
    if (event.sessionId === workerSession) workerSession = null;
  });
  client.on('Target.receivedMessageFromTarget', (event) => {
    const message = JSON.parse(event.message) as TargetMessage;
    if (message.id === undefined) return;
    const waiting = pending.get(message.id);
    pending.delete(message.id);
    if (message.error) waiting?.reject(new Error(message.error.message));
    else waiting?.resolve(message);
  });
  await client.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });

  async function sendToWorker(method: string): Promise<TargetMessage> {
    if (workerSession === null) throw new Error('no worker is attached');
    const id = ++nextId;
    const answered = new Promise<TargetMessage>((resolve, reject) => pending.set(id, { resolve, reject }));
    await client.send('Target.sendMessageToTarget', { sessionId: workerSession, message: JSON.stringify({ id, method }) });
    return answered;
  }

  async function usedHeapBytes(): Promise<number> {
    const { result } = await sendToWorker('Runtime.getHeapUsage');
    return Number(result?.usedSize);
  }

  return {
    waitForWorker(timeoutMs = 30_000) {
      workerSession = null;
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no worker attached within ${timeoutMs} ms`)), timeoutMs);
        onAttached = () => {
          clearTimeout(timer);
          onAttached = null;
          resolve();
        };
      });
    },
    async collectGarbage() {
      await sendToWorker('HeapProfiler.collectGarbage');
    },
    usedHeapBytes,
    startSampling(intervalMs) {
      let isRunning = true;
      let peakBytes = 0;
      let samples = 0;
      const loop = (async () => {
        while (isRunning) {
          peakBytes = Math.max(peakBytes, await usedHeapBytes());
          samples++;
          await new Promise((resolve) => setTimeout(resolve, intervalMs));
        }
      })();
      return {
        async stop() {
          isRunning = false;
          await loop;
          return { peakBytes, samples };
        },
      };
    },
    async detach() {
      await client.detach();
    },
  };
}
