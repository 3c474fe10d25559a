import Janode, { type Connection, type Session } from 'janode';
import VideoRoom, { type VideoRoomHandle } from 'janode/plugins/videoroom';
import { IllegalStateError } from '../../domain/core/errors.js';
import type { RunningJanus } from './process.js';
import type { JanusLog } from './recording-pipeline.js';

export interface JanusInstanceOptions {
  /** ws://… of a Janus already running, or (with `start`) where the one we start listens. */
  readonly url: string;
  /** Starts our own Janus (and again after it exits); absent for a Janus given by URL. */
  readonly start?: () => Promise<RunningJanus>;
  readonly log: JanusLog;
  /** The connection was lost: every handle on it is gone (called once per loss). */
  readonly onLost: (instance: JanusInstance) => void;
}

/** Janus's answer for a room it does not have (videoroom error 426). */
const NO_SUCH_ROOM = /\b426\b|no such room/i;

/** janode rejects with plain objects as well as Errors. */
function reasonOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  const message = (error as { message?: unknown; code?: unknown } | null)?.message;
  return typeof message === 'string' ? message : JSON.stringify(error);
}

/**
 * One Janus the engine uses: its connection (made again every 0.5–5 s after it is lost, the process started again
 * first when it is ours), one Janus session on it, a control handle, and the rooms made on it so far.
 */
export class JanusInstance {
  private janus: RunningJanus | null = null;
  private connection: Connection | null = null;
  private session: Promise<Session> | null = null;
  private control: Promise<VideoRoomHandle> | null = null;
  /** Rooms known to exist on this Janus, made on first use. */
  readonly rooms = new Map<string, Promise<void>>();
  private closing = false;
  /** The connection to Janus was lost and is being made again. */
  down = false;
  url: string;

  constructor(private readonly options: JanusInstanceOptions) {
    this.url = options.url;
  }

  /** The process we started (null for a Janus given by URL). */
  get pid(): number | null {
    return this.janus?.pid ?? null;
  }

  /** Starts our Janus if it is ours, then connects (`retries` more tries, a second apart). */
  async open(retries: number): Promise<void> {
    if (this.options.start) {
      this.janus = await this.options.start();
      this.url = this.janus.url;
    }
    await this.connect(retries);
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
   * Janus went away (it crashed or restarted, or the network between us broke): its rooms and every handle on it are
   * gone. The engine is told (it drops what it held there) and the connection is made again until it is back.
   */
  private lost(connection: Connection, reason: string): void {
    if (this.closing || this.connection !== connection || this.down) return;
    this.down = true;
    this.options.log.error({ url: this.url }, `${reason}: its publishers and watchers are dropped until it is back`);
    this.forgetJanusSession();
    this.options.onLost(this);
    void this.reconnect();
  }

  /** Could not be reached at start: connected to in the background, like one that was lost. */
  markLost(reason: unknown): void {
    if (this.closing || this.down) return;
    this.down = true;
    this.options.log.error({ url: this.url, error: reasonOf(reason) }, 'Janus is not reachable: its share of rooms goes to the others until it is');
    void this.reconnect();
  }

  private async reconnect(): Promise<void> {
    for (let attempt = 0; !this.closing; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 500 * 2 ** attempt)));
      if (this.closing) return;
      try {
        if (this.options.start && (!this.janus || this.janus.exited)) {
          this.janus = await this.options.start();
          this.url = this.janus.url;
        }
        await this.connect(0, 3_000);
        this.forgetJanusSession();
        this.down = false;
        this.options.log.info({ url: this.url, pid: this.pid, attempts: attempt + 1 }, 'connected to Janus again');
        return;
      } catch (error) {
        // Said at the first failure, then once a minute: a Janus left in JANUS_URL while down must not flood the log.
        if (attempt % 12 === 0) this.options.log.warn({ url: this.url, error: reasonOf(error), attempts: attempt + 1 }, 'Janus is not back yet');
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
    if (this.down) throw new IllegalStateError('the media server (Janus) is not reachable just now: try again in a few seconds');
    if (!this.connection) throw new IllegalStateError('the Janus media engine is not running');
    this.session ??= this.connection.create(15).then((s) => {
      s.once(Janode.EVENT.SESSION_DESTROYED, () => {
        // The connection stays: the next use makes a new session, its control handle and its rooms.
        if (this.closing || this.down) return; // with its connection: said once, by `lost`
        this.options.log.error({ url: this.url }, 'the Janus session was destroyed');
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

  /** A new VideoRoom handle on this Janus. */
  async attach(): Promise<VideoRoomHandle> {
    return (await this.janusSession()).attach(VideoRoom);
  }

  /** The handle that makes rooms and lists and kicks their participants. */
  controlHandle(): Promise<VideoRoomHandle> {
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

  /** Who is in `room` on this Janus (none when the room is not there: Janus's error 426). */
  async participants(room: string): Promise<ReadonlyArray<{ readonly feed: unknown; readonly publisher: boolean }>> {
    try {
      return (await (await this.controlHandle()).listParticipants({ room })).participants;
    } catch (error) {
      if (NO_SUCH_ROOM.test((error as Error).message ?? '')) return [];
      throw error;
    }
  }

  /** Puts `feed` out of `room` (its node hears a hang-up); answers whether it was there. */
  async kick(room: string, feed: string): Promise<boolean> {
    if (!(await this.participants(room)).some((p) => p.feed === feed)) return false;
    await (await this.controlHandle()).kick({ room, feed });
    return true;
  }

  /** `room` on this Janus, made by `create` when it does not exist yet (once; again after a failure). */
  ensureRoom(room: string, create: (control: VideoRoomHandle) => Promise<void>): Promise<void> {
    let ready = this.rooms.get(room);
    if (!ready) {
      ready = (async () => {
        const control = await this.controlHandle();
        if (!(await control.exists({ room })).exists) await create(control);
      })();
      this.rooms.set(room, ready);
      ready.catch(() => this.rooms.delete(room));
    }
    return ready;
  }

  /** Closes the connection, and stops Janus when it is ours. */
  async close(): Promise<void> {
    this.closing = true;
    await this.connection?.close().catch(() => {});
    await this.janus?.stop();
  }
}
