import type { Client } from '@urql/core';
import { request } from '../client.js';
import { RECORD_METRICS, RECORD_VIOLATION } from './documents.js';
import { MinuteAggregator, started, type MinuteValues, type Sample } from './minutes.js';
import { AudioMeter, readSensors } from './sensors.js';
import { Outbox } from './outbox.js';
import { FaceWatcher } from './faces.js';
import { FaceSnapshots } from './snapshots.js';

/** Metrics read in this browser (the others come from the face detector or the server). */
export const BROWSER_METRICS = ['b1', 'b2', 'b3', 'c1', 'c2', 'c3', 'c4', 'm1', 'm2', 'n1', 'n2', 's1', 's2'];
/** The phone says it is alive every 2 s; this long without a word, the mobile camera counts as disconnected (n2). */
export const MOBILE_SILENCE_MS = 6000;
const FACE_METRICS = ['c2', 'c3', 'c4'];

/**
 * The participant library (like ProctorEdu's WebSDK `Supervisor`): `init` with the session, `start`, `stop`,
 * `check` for a one-off reading, and `on('violation')`. Samples every metric the session uses once a second,
 * sends one `recordMetrics` per minute, and reports each violation the moment it starts so the proctor's tile shows
 * it at once. Minutes measured while offline are queued (IndexedDB) and delivered in order after reconnect; n1
 * covers the gap.
 */
export class Supervisor {
  active = $state<string[]>([]);
  lastSent = $state<number | null>(null);
  private codes: string[] = [];
  private aggregator: MinuteAggregator | null = null;
  private previous: Sample = {};
  private timer: ReturnType<typeof setInterval> | null = null;
  private meter: AudioMeter | null = null;
  private faces: FaceWatcher | null = null;
  private snapshots: FaceSnapshots | null = null;
  /** Milliseconds the last face detection took (the page is busy that long once per reading). */
  detectionMs = $state<number | null>(null);
  /** How long the page's own thread was busy for it (grabbing the frame, when detection runs in the worker). */
  detectionPageMs = $state<number | null>(null);
  detectionWhere = $state<'worker' | 'page' | null>(null);
  private streams: { camera: MediaStream | null; screen: MediaStream | null } = { camera: null, screen: null };
  private mobileSeenAt: (() => number) | null = null;
  private readonly listeners = new Set<(code: string) => void>();
  private readonly outbox: Outbox<MinuteValues>;
  private readonly onOnline = () => void this.outbox.flush().catch(() => {});

  constructor(private readonly client: Client, readonly sessionId: string) {
    this.outbox = new Outbox<MinuteValues>('metrics', (m) => `${sessionId}/${String(m.minute).padStart(6, '0')}`, (m) => this.send(m));
  }

  init(options: {
    startedAt: string;
    metrics: readonly string[];
    camera: MediaStream | null;
    screen: MediaStream | null;
    video?: HTMLVideoElement | null;
    /** When the session has a second camera: when its phone last said it is alive (ms since epoch, 0 for never). */
    mobileSeenAt?: () => number;
  }): void {
    // n2 means something only when the session asks for a second camera.
    this.codes = BROWSER_METRICS.filter((c) => options.metrics.includes(c) && (c !== 'n2' || options.mobileSeenAt));
    this.mobileSeenAt = options.mobileSeenAt ?? null;
    if (options.video && this.codes.some((c) => FACE_METRICS.includes(c))) this.faces = new FaceWatcher(options.video);
    if (options.video && options.metrics.some((c) => c === 'c5' || c === 'c6')) this.snapshots = new FaceSnapshots(this.client, this.sessionId, options.video);
    this.aggregator = new MinuteAggregator(Date.parse(options.startedAt), this.codes);
    this.streams = { camera: options.camera, screen: options.screen };
    if (options.camera?.getAudioTracks().length) this.meter = new AudioMeter(options.camera);
  }

  on(event: 'violation', listener: (code: string) => void): () => void {
    void event;
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** One reading of every metric this session uses. */
  check(): Sample {
    const all: Record<string, boolean> = {
      ...readSensors({ ...this.streams, audio: this.meter?.read() ?? null }),
      ...(this.faces?.metrics() ?? {}),
      ...(this.mobileSeenAt ? { n2: Date.now() - this.mobileSeenAt() > MOBILE_SILENCE_MS } : {}),
    };
    if (this.faces?.latest) {
      this.detectionMs = Math.round(this.faces.latest.ms);
      this.detectionPageMs = Math.round(this.faces.latest.pageMs * 10) / 10;
      this.detectionWhere = this.faces.latest.where;
    }
    return Object.fromEntries(this.codes.map((c) => [c, all[c] ?? false]));
  }

  start(): void {
    this.faces?.start();
    this.snapshots?.start();
    window.addEventListener('online', this.onOnline);
    void this.outbox.flush().catch(() => {});
    this.timer = setInterval(() => this.tick(), 1000);
  }

  private tick(): void {
    if (!this.aggregator) return;
    const sample = this.check();
    this.active = Object.keys(sample).filter((c) => sample[c]);
    for (const code of started(this.previous, sample)) {
      for (const l of this.listeners) l(code);
      if (navigator.onLine) void request(this.client, RECORD_VIOLATION, { s: this.sessionId, c: code, d: null }, 'mutation').catch(() => {});
    }
    this.previous = sample;
    const done = this.aggregator.add(sample, Date.now());
    if (done) void this.outbox.deliver(done);
  }

  private async send(m: MinuteValues): Promise<void> {
    const values = Object.entries(m.values).map(([code, value]) => ({ code, value }));
    try {
      await request(this.client, RECORD_METRICS, { s: this.sessionId, m: m.minute, v: values }, 'mutation');
      this.lastSent = m.minute;
    } catch (error) {
      // Only a lost connection is worth retrying; a refusal (the session ended, the minute is known) is final.
      if ((error as { code?: string }).code === 'NETWORK') throw error;
    }
  }

  /** Sends the minute in progress and stops sampling. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    window.removeEventListener('online', this.onOnline);
    this.meter?.close();
    this.faces?.stop();
    this.snapshots?.stop();
    const last = this.aggregator?.flush();
    if (last) await this.outbox.deliver(last);
  }
}
