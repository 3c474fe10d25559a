/**
 * An async iterator fed by `push`: values wait in order until the consumer asks; `end` lets it drain and finish,
 * `fail` makes the next read throw, and `return` (the consumer leaving) stops it at once and calls `onReturn` once.
 * Unlike an async generator, `return` never waits for a pending read: graphql-js calls it to end a subscription.
 */
export class PushQueue<T> implements AsyncIterableIterator<T> {
  private readonly values: T[] = [];
  private wake: (() => void) | null = null;
  private ended = false;
  private returned = false;
  private error: unknown = null;

  constructor(
    private readonly onReturn: () => void = () => {},
    /** Runs before each read; may throw to end the stream (an expired sign-in). */
    private readonly check: () => void = () => {},
  ) {}

  push(value: T): void {
    if (this.returned) return;
    this.values.push(value);
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  fail(error: unknown): void {
    this.error = error;
    this.wake?.();
  }

  async next(): Promise<IteratorResult<T>> {
    for (;;) {
      if (this.returned) return { value: undefined, done: true };
      try {
        this.check();
      } catch (error) {
        await this.return();
        throw error;
      }
      if (this.values.length) return { value: this.values.shift()!, done: false };
      if (this.error) throw this.error;
      if (this.ended) return { value: undefined, done: true };
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
  }

  async return(): Promise<IteratorResult<T>> {
    if (!this.returned) {
      this.returned = true;
      this.onReturn();
    }
    this.wake?.();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
