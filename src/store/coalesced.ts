/**
 * An async task run at most once at a time: a call while it runs asks for one more run after it, however many calls
 * came meanwhile. `idle` settles when no run is under way or asked for.
 */
export class Coalesced {
  private running: Promise<void> | null = null;
  private again = false;

  constructor(private readonly task: () => Promise<void>) {}

  run(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.task().catch(() => {});
      } while (this.again);
    })().finally(() => (this.running = null));
  }

  async idle(): Promise<void> {
    await this.running;
  }
}
