import { mkdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import Janode, { type Connection, type Session } from 'janode';
import VideoRoom, { type VideoRoomHandle } from 'janode/plugins/videoroom';
import type { Core } from '../../app/core/core.js';
import { isSessionStream, sessionIdOf } from '../../domain/session/events.js';
import { IllegalStateError } from '../../domain/core/errors.js';
import { getMonitorRow } from '../../projections/monitor/queries.js';
import type { BlobStore } from '../blob-store.js';
import { startJanus, type RunningJanus } from './process.js';
import { PUBLISHED_TRACKS, type PublishedTrack, type Publisher } from './publisher.js';
import { DEFAULT_TOOLS, type Tools } from './recording.js';
import { RecordingPipeline, type JanusLog } from './recording-pipeline.js';
import { Watches, type WatchOffer } from './watching.js';

export { PUBLISHED_TRACKS, type PublishedTrack } from './publisher.js';
export type { WatchOffer } from './watching.js';

export interface JanusEngineOptions {
  readonly core: Core;
  readonly blobs: BlobStore;
  /** Our folder: the Janus configuration (when we start it) and the recordings. */
  readonly dir: string;
  /** A running Janus to use (ws://…) instead of starting one; it must share `dir`'s file system and use string room ids. */
  readonly url?: string | null;
  readonly binary?: string;
  readonly port?: number;
  readonly libDir?: string;
  readonly publicIp?: string | null;
  readonly stunServer?: string | null;
  readonly rtpPortRange?: string;
  /** Length of a recording segment: Janus's recording of each publisher is cycled this often. */
  readonly segmentMs?: number;
  readonly tools?: Tools;
  readonly log?: JanusLog;
}

const quiet = { info() {}, warn() {}, error() {} };
/** Events after which a session's room records nobody. */
const ENDS_RECORDING = new Set(['SessionFinished', 'SessionCancelled']);

/**
 * The `janus` media engine: Debian's Janus with its VideoRoom plugin, driven through janode. One room per exam
 * session (created on demand, named by the session id); the test-taker's browser publishes its camera+microphone
 * and its screen once each, every watcher subscribes to them through Janus. Janus records each publisher (.mjr);
 * the recording is cycled every `segmentMs`, and each finished piece becomes a WebM segment in the blob store and a
 * RecordingSegmentStored event, exactly like the segments browsers upload in p2p mode (`RecordingPipeline`);
 * watching is `Watches`. This class keeps the connection, the rooms and the publishers.
 */
export class JanusEngine {
  private janus: RunningJanus | null = null;
  private connection: Connection | null = null;
  private session: Promise<Session> | null = null;
  private control: Promise<VideoRoomHandle> | null = null;
  private readonly rooms = new Map<string, Promise<void>>();
  private readonly publishers = new Map<string, Publisher>();
  private readonly watching: Watches;
  private readonly recordings: RecordingPipeline;
  private timer: ReturnType<typeof setInterval> | null = null;
  private stopFollowing: () => void = () => {};
  private closing = false;
  /** The connection to Janus was lost and is being made again (see `lost`). */
  private down = false;
  private url = '';
  private readonly log: JanusLog;
  readonly recordingsDir: string;

  private constructor(private readonly options: JanusEngineOptions) {
    this.log = options.log ?? quiet;
    this.recordingsDir = join(options.dir, 'recordings');
    this.recordings = new RecordingPipeline({
      core: options.core, blobs: options.blobs, recordingsDir: this.recordingsDir, segmentMs: options.segmentMs, tools: options.tools ?? DEFAULT_TOOLS, log: this.log,
    });
    this.watching = new Watches({
      attach: () => this.attach(),
      controlHandle: () => this.controlHandle(),
      isPublishing: (sessionId, track) => this.publishers.get(`${sessionId}/${track}`)?.closed === false,
    });
  }

  /** Starts Janus (or connects to `url`), converts recordings left from an earlier run, and starts cycling. */
  static async start(options: JanusEngineOptions): Promise<JanusEngine> {
    const engine = new JanusEngine(options);
    mkdirSync(engine.recordingsDir, { recursive: true });
    Janode.Logger.setLevel('error');
    if (options.url) engine.url = options.url;
    else {
      engine.janus = await engine.startOurJanus();
      engine.url = engine.janus.url;
    }
    await engine.connect(3);
    await engine.recordings.sweep();
    engine.timer = setInterval(() => void engine.cycle(), options.segmentMs ?? 10_000);
    engine.stopFollowing = options.core.runner.onApplied((batch) => {
      for (const e of batch.events) {
        if (ENDS_RECORDING.has(e.type) && isSessionStream(e.streamId)) void engine.endSession(sessionIdOf(e));
      }
    });
    engine.log.info({ url: engine.url, pid: engine.janus?.pid ?? null }, 'janus media engine ready');
    return engine;
  }

  /** The Janus process we started (null when connected to one given by URL). */
  get pid(): number | null {
    return this.janus?.pid ?? null;
  }

  private startOurJanus(): Promise<RunningJanus> {
    const { options } = this;
    return startJanus({
      dir: join(options.dir, 'config'),
      wsPort: options.port ?? 8188,
      binary: options.binary,
      libDir: options.libDir,
      publicIp: options.publicIp,
      stunServer: options.stunServer,
      rtpPortRange: options.rtpPortRange,
      log: (line) => {
        if (/\[ERR\]|\[FATAL\]/.test(line)) this.log.warn({ janus: line }, 'janus');
      },
    });
  }

  private async connect(retries: number, withinMs = 10_000): Promise<void> {
    // A Janus that accepts the socket but is not yet (or no longer) answering leaves janode's connect pending for good.
    const attempt = Janode.connect({ address: { url: this.url }, retry_time_secs: 1, max_retries: retries });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from Janus at ${this.url} within ${withinMs} ms`)), withinMs);
    });
    const connection = await Promise.race([attempt, late]).finally(() => clearTimeout(timer)).catch((error: unknown) => {
      void attempt.then((c) => c.close()).catch(() => {}); // one that answers after all is not kept
      throw error;
    });
    connection.on(Janode.EVENT.CONNECTION_CLOSED, () => this.lost(connection, 'the connection to Janus closed'));
    connection.on(Janode.EVENT.CONNECTION_ERROR, (e: unknown) => this.lost(connection, `the connection to Janus failed: ${String(e)}`));
    this.connection = connection;
  }

  /**
   * Janus went away (it crashed or restarted, or the network between us broke). Its rooms, publishers and watchers
   * are gone with it: the publishers' recordings so far are stored from their files, the watchers dropped, and the
   * connection made again (Janus started again first when it is ours), every few seconds until it is back. Meanwhile
   * publishing and watching are refused; the browsers try again on their own (a publisher every 3 s, a watcher once
   * its picture is lost), and rooms are made again on first use.
   */
  private lost(connection: Connection, reason: string): void {
    if (this.closing || this.connection !== connection || this.down) return;
    this.down = true;
    this.log.error({ url: this.url }, `${reason}: its publishers and watchers are dropped until it is back`);
    this.forgetJanusSession();
    // Not waited for: a gone Janus answers no detach (their handles' requests stay unanswered, then are dropped).
    void this.watching.dropAll();
    for (const publisher of [...this.publishers.values()]) void this.closePublisher(publisher);
    void this.reconnect();
  }

  private async reconnect(): Promise<void> {
    for (let attempt = 0; !this.closing; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 500 * 2 ** attempt)));
      if (this.closing) return;
      try {
        if (this.janus?.exited) {
          this.janus = await this.startOurJanus();
          this.url = this.janus.url;
        }
        await this.connect(0, 3_000);
        this.forgetJanusSession();
        this.down = false;
        this.log.info({ url: this.url, pid: this.janus?.pid ?? null, attempts: attempt + 1 }, 'connected to Janus again');
        return;
      } catch (error) {
        this.log.warn({ url: this.url, error: String(error) }, 'Janus is not back yet');
      }
    }
  }

  /** The Janus session, its control handle and the rooms made on it: made again on next use. */
  private forgetJanusSession(): void {
    this.session = null;
    this.control = null;
    this.rooms.clear();
  }

  private janusSession(): Promise<Session> {
    if (!this.connection) throw new IllegalStateError('the Janus media engine is not running');
    if (this.down) throw new IllegalStateError('the media server (Janus) is not reachable just now: try again in a few seconds');
    this.session ??= this.connection.create(15).then((s) => {
      s.once(Janode.EVENT.SESSION_DESTROYED, () => {
        // The connection stays: the next use makes a new session, its control handle and its rooms.
        if (this.closing) return;
        this.log.error({}, 'the Janus session was destroyed');
        this.forgetJanusSession();
      });
      return s;
    });
    const session = this.session;
    session.catch(() => {
      if (this.session === session) this.session = null;
    });
    return session;
  }

  private async attach(): Promise<VideoRoomHandle> {
    return (await this.janusSession()).attach(VideoRoom);
  }

  private controlHandle(): Promise<VideoRoomHandle> {
    if (!this.control) {
      const control = this.attach();
      this.control = control;
      // A handle that could not be had (Janus away) is asked for again next time, not kept as a failure.
      control.catch(() => {
        if (this.control === control) this.control = null;
      });
    }
    return this.control;
  }

  /** The session's room, created on first use with recording into the session's folder. */
  private ensureRoom(sessionId: string): Promise<void> {
    let room = this.rooms.get(sessionId);
    if (!room) {
      room = (async () => {
        const control = await this.controlHandle();
        await mkdir(this.recordings.roomDir(sessionId), { recursive: true });
        const { exists } = await control.exists({ room: sessionId });
        if (!exists) {
          await control.create({
            room: sessionId, description: `session ${sessionId}`, max_publishers: PUBLISHED_TRACKS.length + 1,
            videocodec: 'vp8', audiocodec: 'opus', fir_freq: 10, record: false, rec_dir: this.recordings.roomDir(sessionId), notify_joining: false, is_private: true,
          });
        }
      })();
      this.rooms.set(sessionId, room);
      room.catch(() => this.rooms.delete(sessionId));
    }
    return room;
  }

  /**
   * The test-taker's browser publishes one track (its complete SDP offer, candidates included); answers Janus's SDP
   * answer. Publishing again (a reload) replaces the earlier publisher, whose recording is finished and stored.
   */
  async publish(sessionId: string, track: PublishedTrack, offerSdp: string): Promise<string> {
    await this.ensureRoom(sessionId);
    const key = `${sessionId}/${track}`;
    const earlier = this.publishers.get(key);
    if (earlier) await this.closePublisher(earlier);
    const control = await this.controlHandle();
    const { participants } = await control.listParticipants({ room: sessionId });
    if (participants.some((p) => p.feed === track)) await control.kick({ room: sessionId, feed: track }).catch(() => {}); // left by an earlier run of ours
    const handle = await this.attach();
    const publisher: Publisher = { sessionId, track, handle, base: `${track}-${Date.now()}`, closed: false };
    this.publishers.set(key, publisher);
    const ended = () => void this.closePublisher(publisher);
    handle.once(Janode.EVENT.HANDLE_HANGUP, ended);
    handle.once(Janode.EVENT.HANDLE_DETACHED, ended);
    try {
      const joined = await handle.joinConfigurePublisher({
        room: sessionId, feed: track, display: track, record: true, filename: publisher.base!, jsep: { type: 'offer', sdp: offerSdp },
      });
      if (!joined.jsep) throw new Error('Janus answered a publisher without SDP');
      // The session may have ended while this publisher joined, before `endSession` could see it.
      const row = await getMonitorRow(this.options.core.db, sessionId);
      if (row?.status !== 'in_progress' && row?.status !== 'paused') throw new IllegalStateError('cannot publish: the session has ended');
      return joined.jsep.sdp;
    } catch (error) {
      await this.closePublisher(publisher);
      throw error;
    }
  }

  /** The test-taker stops publishing a track (the recording so far is stored). */
  async unpublish(sessionId: string, track: PublishedTrack): Promise<boolean> {
    const publisher = this.publishers.get(`${sessionId}/${track}`);
    if (!publisher) return false;
    await this.closePublisher(publisher);
    return true;
  }

  private async closePublisher(publisher: Publisher): Promise<void> {
    if (publisher.closed) return;
    publisher.closed = true;
    const key = `${publisher.sessionId}/${publisher.track}`;
    if (this.publishers.get(key) === publisher) this.publishers.delete(key);
    // Janus closes the recording files here. A Janus that is gone answers nothing: its files are as they are.
    if (this.down) void publisher.handle.detach().catch(() => {});
    else await publisher.handle.detach().catch(() => {});
    if (publisher.base) this.recordings.queue(publisher.sessionId, publisher.track, publisher.base);
    publisher.base = null;
  }

  /**
   * The session has ended (whoever ended it, whatever the test-taker's browser does next): its publishers are cut
   * and their recordings so far stored, and nobody watches it any more. Nothing of the person is recorded after.
   */
  async endSession(sessionId: string): Promise<void> {
    const publishers = [...this.publishers.values()].filter((p) => p.sessionId === sessionId);
    if (publishers.length) this.log.info({ sessionId, tracks: publishers.map((p) => p.track) }, 'the session ended: stopping its Janus publishers');
    await Promise.all([this.watching.dropAll(sessionId), ...publishers.map((p) => this.closePublisher(p))]);
  }

  /** Ends each publisher's current recording and starts the next (see `RecordingPipeline.cycle`). */
  cycle(): Promise<void> {
    return this.recordings.cycle(this.publishers.values());
  }

  /** A proctor (or admin) watches a session: see `Watches.watch`. */
  watch(sessionId: string, viewer: string, active: boolean): Promise<WatchOffer> {
    return this.watching.watch(sessionId, viewer, active);
  }

  /** The viewer's SDP answer to `watch`'s offer: media starts flowing, at tile or full quality. */
  startWatching(sessionId: string, watchId: string, viewer: string, answerSdp: string): Promise<void> {
    return this.watching.startWatching(sessionId, watchId, viewer, answerSdp);
  }

  /** The active tile at full quality with its sound, the others small: see `Watches.setQuality`. */
  setQuality(sessionId: string, watchId: string, viewer: string, active: boolean): Promise<void> {
    return this.watching.setQuality(sessionId, watchId, viewer, active);
  }

  stopWatching(sessionId: string, watchId: string, viewer: string): Promise<void> {
    return this.watching.stopWatching(sessionId, watchId, viewer);
  }

  /** Handles on this engine's Janus session for the committee's conference rooms (src/media/conference). */
  conferenceHandles(): { attach(): Promise<VideoRoomHandle>; control(): Promise<VideoRoomHandle> } {
    return { attach: () => this.attach(), control: () => this.controlHandle() };
  }

  /** How many publishers and watchers are connected now (for the benchmark and logs). */
  stats(): { publishers: number; watches: number; pendingConversions: number; keyframesAsked: number } {
    return { publishers: this.publishers.size, watches: this.watching.size, pendingConversions: this.recordings.pending, keyframesAsked: this.recordings.keyframesAsked };
  }

  /** Resolves when every recording finished so far is converted and stored. */
  drained(): Promise<void> {
    return this.recordings.drained();
  }

  /**
   * Stops publishers and watchers, stores what was recorded, and stops Janus if we started it. Recordings still
   * unconverted after `budgetMs` stay on disk and are stored by the next start's sweep (the one being converted
   * then is finished first), so a shutdown is never held up by a backlog.
   */
  async close(options: { budgetMs?: number } = {}): Promise<void> {
    this.closing = true;
    this.stopFollowing();
    if (this.timer) clearInterval(this.timer);
    await this.watching.dropAll();
    await Promise.all([...this.publishers.values()].map((p) => this.closePublisher(p)));
    await this.recordings.drain(options.budgetMs);
    await this.connection?.close().catch(() => {});
    await this.janus?.stop();
  }
}
