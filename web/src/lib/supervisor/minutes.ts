/**
 * Turns one-second samples into per-minute values: for each metric, the share of the minute's samples (0–100) that
 * were in violation. Minute numbers count from the session's start, so a browser that reloads keeps counting.
 */
export type Sample = Record<string, boolean>;

export interface MinuteValues {
  minute: number;
  values: Record<string, number>;
}

export class MinuteAggregator {
  private minute: number | null = null;
  private count = 0;
  private hits: Record<string, number> = {};

  constructor(private readonly startedAtMs: number, private readonly codes: readonly string[]) {}

  minuteOf(atMs: number): number {
    return Math.max(0, Math.floor((atMs - this.startedAtMs) / 60_000));
  }

  /** Adds a sample; answers the finished minute when this sample starts a new one. */
  add(sample: Sample, atMs: number): MinuteValues | null {
    const minute = this.minuteOf(atMs);
    let done: MinuteValues | null = null;
    if (this.minute !== null && minute !== this.minute) done = this.flush();
    this.minute = minute;
    this.count += 1;
    for (const code of this.codes) if (sample[code]) this.hits[code] = (this.hits[code] ?? 0) + 1;
    return done;
  }

  /** The minute in progress, as it stands (sent when the session ends). */
  flush(): MinuteValues | null {
    if (this.minute === null || this.count === 0) return null;
    const values: Record<string, number> = {};
    for (const code of this.codes) values[code] = Math.round(((this.hits[code] ?? 0) / this.count) * 1000) / 10;
    const result = { minute: this.minute, values };
    this.minute = null;
    this.count = 0;
    this.hits = {};
    return result;
  }
}

/** Codes that turned from clean to violated between two samples: each is reported at once. */
export function started(previous: Sample, current: Sample): string[] {
  return Object.keys(current).filter((code) => current[code] && !previous[code]);
}
