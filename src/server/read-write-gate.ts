/**
 * A readers–writer lock for async work: any number of readers at once, or one writer alone. A writer
 * waiting goes before readers that come after it, so a stream of pulls never holds a fold off for good.
 */
export class ReadWriteGate {
  private readers = 0;
  private isWriting = false;
  private readonly waiting: { isWriter: boolean; start: () => void }[] = [];

  read<T>(work: () => Promise<T>): Promise<T> {
    return this.run(false, work);
  }

  write<T>(work: () => Promise<T>): Promise<T> {
    return this.run(true, work);
  }

  private async run<T>(isWriter: boolean, work: () => Promise<T>): Promise<T> {
    if (!this.canStart(isWriter) || this.waiting.length > 0) await new Promise<void>((start) => this.waiting.push({ isWriter, start }));
    else this.enter(isWriter);
    try {
      return await work();
    } finally {
      if (isWriter) this.isWriting = false;
      else this.readers--;
      this.wake();
    }
  }

  private canStart(isWriter: boolean): boolean {
    return !this.isWriting && (!isWriter || this.readers === 0);
  }

  private enter(isWriter: boolean): void {
    if (isWriter) this.isWriting = true;
    else this.readers++;
  }

  /** Starts the waiting in order: readers together up to the first writer, or that writer alone. */
  private wake(): void {
    while (this.waiting.length > 0 && this.canStart(this.waiting[0]!.isWriter)) {
      const next = this.waiting.shift()!;
      this.enter(next.isWriter);
      next.start();
      if (next.isWriter) return;
    }
  }
}
