import { BEHIND_S, evictable, rangesOf, segmentsAhead, type PlannedSegment } from '../playback.js';
import { webmCodecs } from './webm.js';

/** Fetches one stored segment's bytes (with the reviewer's view). */
export type SegmentFetcher = (track: string, seq: number) => Promise<ArrayBuffer>;

const PREFETCH = 3;

/**
 * One track's <video> fed through Media Source Extensions: the segments around the playing position are downloaded
 * (a few at a time) and appended in order, each at its own start on the shared media timeline, so the element plays
 * across segment boundaries by itself; what is long played is removed again, so a 90-minute session never sits in
 * memory. A segment with other tracks than the one before (a camera segment without sound) needs a new MediaSource:
 * the feed opens one when playback reaches that segment.
 */
export class TrackFeed {
  private source: MediaSource | null = null;
  private buffer: SourceBuffer | null = null;
  private codecs: string | null = null;
  private readonly appended = new Set<number>();
  private readonly fetches = new Map<number, Promise<ArrayBuffer>>();
  private readonly broken = new Set<number>();
  private target = 0;
  private ahead = 15;
  /** Where the current MediaSource begins: segments before it belong to another one (other tracks). */
  private floor = -Infinity;
  /** A MediaSource just opened: its element takes its position once it has its first data. */
  private placed = true;
  private generation = 0;
  /** Held still at a picture: nothing from here on is appended until `release` or a seek (see `holdStill`). */
  private stillUntil: number | null = null;
  private stillEnded = false;
  private pumping: Promise<void> | null = null;
  private again = false;
  /** Segments being downloaded or appended right now. */
  loading = 0;
  /** The last thing that went wrong, for the player to show. */
  error: string | null = null;

  constructor(
    readonly track: string,
    readonly video: HTMLVideoElement,
    private readonly segments: readonly PlannedSegment[],
    private readonly fetcher: SegmentFetcher,
    private readonly duration: number,
    private readonly onChange: () => void = () => {},
  ) {}

  /** Whether a segment is in the element's buffer, still to come, or could not be had (shown as not recorded). */
  status(seq: number): 'appended' | 'pending' | 'broken' {
    return this.appended.has(seq) ? 'appended' : this.broken.has(seq) ? 'broken' : 'pending';
  }

  /** Buffered ranges of the element, in media seconds. */
  ranges(): Array<[number, number]> {
    return this.buffer && this.source?.readyState !== 'closed' ? rangesOf(this.buffer.buffered) : [];
  }

  /** Keeps the segments from `t` to `t + ahead` appended (in the background). */
  want(t: number, ahead: number): void {
    if (Math.abs(t - this.target) > 1e-3 || ahead !== this.ahead) {
      this.target = t;
      this.ahead = ahead;
    }
    void this.pump();
  }

  /**
   * Lets a paused element show its picture at the end of a stretch of frames. A seek completes only once the decoder
   * has a few frames after its target, or the end of the stream: where frames are sparse (a screen that did not
   * change sends few) and a hole follows, it would wait for ever and show nothing. So what lies after this stretch
   * is removed and the stream ended; `release` (playing on) or a seek appends it again.
   */
  async holdStill(): Promise<void> {
    const buffer = this.buffer;
    if (!buffer || this.stillEnded) return;
    const at = this.video.currentTime;
    const range = this.ranges().find(([a, b]) => a <= at + 0.001 && at < b);
    if (!range) return;
    this.stillUntil = range[1]; // from now on nothing after it is appended
    this.stillEnded = true;
    const generation = this.generation;
    // What is being appended now finishes first (the player asks for data at every tick, so a pump may be under way).
    while (this.pumping) await this.pumping;
    if (buffer.updating) await new Promise((resolve) => buffer.addEventListener('updateend', resolve, { once: true }));
    if (generation !== this.generation || buffer !== this.buffer || !this.source || this.source.readyState === 'closed') return;
    if (this.ranges().some(([, b]) => b > range[1] + 0.001)) await this.update(() => buffer.remove(range[1], Infinity));
    for (const s of this.segments) if (s.from >= range[1] - 0.001) this.appended.delete(s.seq);
    if (generation === this.generation && this.source?.readyState === 'open' && !buffer.updating) this.source.endOfStream();
  }

  /** Ends `holdStill`: playback goes on, so the segments after the picture are wanted again. */
  release(): void {
    if (this.stillUntil === null) return;
    this.stillUntil = null;
    this.stillEnded = false;
    void this.pump();
  }

  /** Whether `holdStill` holds the element at a picture. */
  get held(): boolean {
    return this.stillEnded;
  }

  /** Moves to `t`: the element seeks, and the segments there are loaded first. */
  seek(t: number, ahead: number): void {
    this.generation++;
    this.stillUntil = null;
    this.stillEnded = false;
    if (t < this.floor) this.floor = -Infinity;
    this.target = t;
    this.ahead = ahead;
    if (this.source?.readyState === 'open' || this.source?.readyState === 'ended') this.video.currentTime = t;
    void this.pump();
  }

  destroy(): void {
    this.generation++;
    this.fetches.clear();
    this.video.pause();
    this.video.removeAttribute('src');
    this.video.load();
    this.source = null;
    this.buffer = null;
  }

  private fetch(s: PlannedSegment): Promise<ArrayBuffer> {
    let p = this.fetches.get(s.seq);
    if (!p) {
      p = this.fetcher(this.track, s.seq);
      p.catch(() => this.fetches.delete(s.seq));
      this.fetches.set(s.seq, p);
    }
    return p;
  }

  private pump(): Promise<void> {
    if (this.pumping) {
      this.again = true;
      return this.pumping;
    }
    this.pumping = (async () => {
      try {
        do {
          this.again = false;
          await this.step();
        } while (this.again);
      } finally {
        this.pumping = null;
      }
    })();
    return this.pumping;
  }

  /** Appends what is missing around the target, in order; returns when it is all there (or the target moved on). */
  private async step(): Promise<void> {
    for (;;) {
      const generation = this.generation;
      const t = this.target;
      const until = this.stillUntil ?? Infinity;
      const wanted = segmentsAhead(this.segments, t, this.ahead).filter((s) => !this.broken.has(s.seq) && s.from >= this.floor - 0.001 && s.from < until - 0.001);
      const missing = wanted.filter((s) => !this.appended.has(s.seq));
      // Downloads for segments far from here are of no use any more.
      const near = new Set(wanted.map((s) => s.seq));
      for (const seq of this.fetches.keys()) if (!near.has(seq)) this.fetches.delete(seq);
      if (!missing.length) return this.stillUntil === null ? this.endIfLast() : undefined;
      for (const s of missing.slice(0, PREFETCH)) void this.fetch(s).catch(() => {});
      const next = missing[0];
      this.loading = missing.length;
      let bytes: ArrayBuffer;
      try {
        bytes = await this.fetch(next);
      } catch (e) {
        this.error = `${this.track}: ${(e as Error).message}`;
        this.broken.add(next.seq); // shown as not recorded; playback goes on
        this.onChange();
        continue;
      }
      if (generation !== this.generation) continue; // a seek came in: plan again from the new place
      const codecs = webmCodecs(new Uint8Array(bytes, 0, Math.min(bytes.byteLength, 64 * 1024)));
      if (!this.buffer || codecs !== this.codecs) {
        // The element must play what it has up to this segment before it can switch to a MediaSource for other
        // tracks. Ending the stream lets it play its data to the very end (an element keeps some data in hand, so
        // it stops short of the end of its data while more could still come).
        if (this.buffer && !this.video.ended && this.video.currentTime < next.from - 0.05 && this.ranges().some(([, b]) => b > this.video.currentTime + 0.1)) {
          if (this.source?.readyState === 'open' && !this.buffer.updating) this.source.endOfStream();
          return;
        }
        await this.open(codecs, next.from);
        this.floor = next.from;
        if (generation !== this.generation) {
          // A seek came in while the MediaSource opened: one to before it needs the segments before it again (as `seek`).
          if (this.target < this.floor) this.floor = -Infinity;
          continue;
        }
      }
      await this.evict(t);
      try {
        await this.append(next, bytes);
        this.appended.add(next.seq);
        if (!this.placed) {
          this.placed = true;
          if (Math.abs(this.video.currentTime - Math.max(next.from, this.target)) > 0.25) this.video.currentTime = Math.max(next.from, this.target);
        }
      } catch (e) {
        this.error = `${this.track}: segment ${next.seq} cannot be played (${(e as Error).message})`;
        this.broken.add(next.seq);
        // A failed append leaves the element in error: start a fresh MediaSource from the next segment.
        this.buffer = null;
        this.codecs = null;
      }
      this.fetches.delete(next.seq);
      this.loading = Math.max(0, missing.length - 1);
      this.onChange();
    }
  }

  /**
   * Once the track's last segment is in, the stream is ended: an element whose stream may still grow stops short of
   * the end of its data (it keeps some in hand, more of it the faster it plays: 1.5 s and more at 4×) and would never
   * reach the end. An append or a removal later (a seek back) opens the stream again by itself.
   */
  private endIfLast(): void {
    const last = this.segments.at(-1);
    if (!last || !this.appended.has(last.seq) || !this.buffer || this.buffer.updating) return;
    if (this.source?.readyState === 'open') this.source.endOfStream();
  }

  private async open(codecs: string | null, at: number): Promise<void> {
    const wasPlaying = !this.video.paused;
    const rate = this.video.playbackRate;
    const source = new MediaSource();
    const url = URL.createObjectURL(source);
    this.video.src = url;
    await new Promise((resolve) => source.addEventListener('sourceopen', resolve, { once: true }));
    URL.revokeObjectURL(url);
    source.duration = this.duration;
    const type = codecs ? `video/webm; codecs="${codecs}"` : 'video/webm';
    const buffer = source.addSourceBuffer(type);
    buffer.mode = 'segments';
    this.source = source;
    this.buffer = buffer;
    this.codecs = codecs;
    this.appended.clear();
    this.placed = false;
    this.video.playbackRate = rate;
    this.video.currentTime = Math.max(at, this.target);
    if (wasPlaying) void this.video.play().catch(() => {});
  }

  private async append(s: PlannedSegment, bytes: ArrayBuffer): Promise<void> {
    const buffer = this.buffer!;
    buffer.timestampOffset = s.from;
    buffer.appendWindowEnd = Number.isFinite(s.windowEnd) ? Math.max(s.windowEnd, s.from + 0.001) : Infinity;
    try {
      await this.update(() => buffer.appendBuffer(bytes));
    } catch (e) {
      if ((e as DOMException).name !== 'QuotaExceededError') throw e;
      // Over the browser's quota: drop everything but the next few seconds and try once more.
      await this.update(() => buffer.remove(0, Math.max(0.001, this.target - 1)));
      await this.update(() => buffer.appendBuffer(bytes));
    }
    // Ending the stream (`holdStill`, a switch of MediaSource) cut its duration to the data held: give it back.
    if (this.source?.readyState === 'open' && this.source.duration < this.duration && !buffer.updating) this.source.duration = this.duration;
  }

  /** Removes whole segments far behind or ahead of `t`. */
  private async evict(t: number): Promise<void> {
    const buffer = this.buffer;
    if (!buffer) return;
    for (const s of evictable(this.segments, this.appended, t, this.ahead)) {
      const to = Number.isFinite(s.windowEnd) ? s.windowEnd : this.duration;
      if (to > s.from) await this.update(() => buffer.remove(s.from, to));
      this.appended.delete(s.seq);
    }
    // What an element holds before the first kept segment (stray frames of an evicted one) goes too.
    if (t > BEHIND_S + 1 && this.ranges().some(([a]) => a < t - BEHIND_S - 1)) {
      const keepFrom = this.segments.find((s) => this.appended.has(s.seq))?.from ?? t - BEHIND_S;
      if (keepFrom > 0.001) await this.update(() => buffer.remove(0, keepFrom));
    }
  }

  private update(operation: () => void): Promise<void> {
    const buffer = this.buffer!;
    return new Promise((resolve, reject) => {
      const done = () => {
        buffer.removeEventListener('updateend', done);
        buffer.removeEventListener('error', failed);
        resolve();
      };
      const failed = () => {
        buffer.removeEventListener('updateend', done);
        buffer.removeEventListener('error', failed);
        reject(new Error(this.video.error?.message || 'the browser could not decode it'));
      };
      buffer.addEventListener('updateend', done);
      buffer.addEventListener('error', failed);
      try {
        operation();
      } catch (e) {
        buffer.removeEventListener('updateend', done);
        buffer.removeEventListener('error', failed);
        reject(e);
      }
    });
  }
}
