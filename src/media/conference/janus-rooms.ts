import Janode from 'janode';
import type { VideoRoomHandle } from 'janode/plugins/videoroom';
import { ForbiddenError, IllegalStateError, NotFoundError } from '../../domain/core/errors.js';
import { newWatchId, onWatchNode, type RoomServer } from '../janus/watching.js';
import { MAX_MEMBERS } from './room.js';

/**
 * What the conference needs of the Janus engine: the Janus holding a room (placed like a session's), and the
 * passing on of a call about a watch to the node that holds it.
 */
export interface ConferenceHandles {
  /** The room on its Janus (placed on first use), made by `create` there when missing. */
  room(room: string, create: (control: VideoRoomHandle) => Promise<void>): Promise<RoomServer>;
  /** Where the room is now, without placing it: null when nowhere reachable. */
  existing(room: string): Promise<RoomServer | null>;
  /** This node's name, and a call to the node named (here when it is this one). */
  node(): string;
  call(node: string, method: string, args: unknown): Promise<unknown>;
  /** Serves `method` for the other nodes. */
  serve(method: string, handler: (args: unknown) => Promise<unknown>): void;
}

type WatchCall = { room: string; viewer: string; watchId: string; sdp?: string };

interface Feed {
  readonly room: string;
  readonly address: string;
  readonly handle: VideoRoomHandle;
  closed: boolean;
}

interface Watch {
  readonly room: string;
  readonly viewer: string;
  readonly feed: string;
  readonly handle: VideoRoomHandle;
}

/**
 * The conference rooms in janus mode: one VideoRoom per conference (created on first use, recording nothing), where
 * every member publishes camera and microphone once and subscribes to each other member on a handle of its own (as
 * in the mesh, a connection per remote member, so a member who goes takes exactly one connection with it). A member
 * publishes and watches as its own address only; the signalling says who is there. A publisher or a watch is held by
 * the node that made it; a watch's later calls that reach another node are passed to it, and a member who leaves
 * through another node is kicked out of the room (its node hears that as a hang-up).
 */
export class JanusConference {
  private readonly feeds = new Map<string, Feed>();
  private readonly watches = new Map<string, Watch>();

  constructor(private readonly handles: ConferenceHandles) {
    handles.serve('conference.startWatching', (args) => {
      const { room, viewer, watchId, sdp } = args as WatchCall;
      return this.startHere(room, viewer, watchId, String(sdp));
    });
    handles.serve('conference.stopWatching', (args) => {
      const { room, viewer, watchId } = args as WatchCall;
      return this.stopHere(room, viewer, watchId);
    });
  }

  /** Publishers and watches now (tests and logs). */
  get size(): { feeds: number; watches: number } {
    return { feeds: this.feeds.size, watches: this.watches.size };
  }

  private ensureRoom(room: string): Promise<RoomServer> {
    return this.handles.room(room, async (control) => {
      await control.create({
        room, description: room, max_publishers: MAX_MEMBERS, videocodec: 'vp8', audiocodec: 'opus', record: false, notify_joining: false, is_private: true,
      });
    });
  }

  /** `address` publishes its camera and microphone (its complete SDP offer); answers Janus's answer. A new publish replaces the last. */
  async publish(room: string, address: string, offerSdp: string): Promise<string> {
    const server = await this.ensureRoom(room);
    const key = `${room} ${address}`;
    const earlier = this.feeds.get(key);
    if (earlier) await this.closeFeed(earlier);
    const control = await server.controlHandle();
    const { participants } = await control.listParticipants({ room });
    // Left by another node or a run that crashed: kicked, its node lets it go.
    if (participants.some((p) => p.feed === address)) await control.kick({ room, feed: address }).catch(() => {});
    else if (participants.length >= MAX_MEMBERS) throw new IllegalStateError(`the conference is full (${MAX_MEMBERS} people)`);
    const feed: Feed = { room, address, handle: await server.attach(), closed: false };
    this.feeds.set(key, feed);
    feed.handle.once(Janode.EVENT.HANDLE_HANGUP, () => void this.closeFeed(feed));
    feed.handle.once(Janode.EVENT.HANDLE_DETACHED, () => void this.closeFeed(feed, false));
    try {
      const joined = await feed.handle.joinConfigurePublisher({ room, feed: address, display: address, jsep: { type: 'offer', sdp: offerSdp } });
      if (!joined.jsep) throw new Error('Janus answered a publisher without SDP');
      return joined.jsep.sdp;
    } catch (error) {
      await this.closeFeed(feed);
      throw error;
    }
  }

  /**
   * `viewer` subscribes to `address`'s camera and microphone: Janus's offer, answered through `startWatching`. The
   * publisher may be held by any node: Janus's participant list is the one all of them share.
   */
  async watch(room: string, viewer: string, address: string): Promise<{ watchId: string; sdp: string }> {
    const server = await this.handles.existing(room);
    if (!server) throw new NotFoundError(`${address} does not publish in this conference`);
    const participants = await server.participants(room);
    if (!participants.some((p) => p.feed === address)) throw new NotFoundError(`${address} does not publish in this conference`);
    if (!participants.some((p) => p.feed === address && p.publisher)) throw new NotFoundError(`${address}'s media is not flowing yet`);
    const handle = await server.attach();
    try {
      const joined = await handle.joinSubscriber({ room, streams: [{ feed: address }] });
      if (!joined.jsep) throw new Error('Janus answered a subscription without an offer');
      const watchId = newWatchId(this.handles.node());
      this.watches.set(watchId, { room, viewer, feed: address, handle });
      handle.once(Janode.EVENT.HANDLE_HANGUP, () => void this.dropWatch(watchId));
      handle.once(Janode.EVENT.HANDLE_DETACHED, () => void this.dropWatch(watchId, false));
      return { watchId, sdp: joined.jsep.sdp };
    } catch (error) {
      await handle.detach().catch(() => {});
      throw error;
    }
  }

  private watchOf(room: string, viewer: string, watchId: string): Watch {
    const watch = this.watches.get(watchId);
    if (!watch || watch.room !== room) throw new NotFoundError(`no watch ${watchId}`);
    if (watch.viewer !== viewer) throw new ForbiddenError('this is someone else\'s watch');
    return watch;
  }

  /** The viewer's SDP answer: the member's media starts flowing to it. */
  async startWatching(room: string, viewer: string, watchId: string, answerSdp: string): Promise<void> {
    await onWatchNode(this.handles.call, watchId, 'conference.startWatching', { room, viewer, watchId, sdp: answerSdp } satisfies WatchCall);
  }

  async stopWatching(room: string, viewer: string, watchId: string): Promise<void> {
    await onWatchNode(this.handles.call, watchId, 'conference.stopWatching', { room, viewer, watchId } satisfies WatchCall, true);
  }

  private async startHere(room: string, viewer: string, watchId: string, answerSdp: string): Promise<void> {
    await this.watchOf(room, viewer, watchId).handle.start({ jsep: { type: 'answer', sdp: answerSdp } });
  }

  private async stopHere(room: string, viewer: string, watchId: string): Promise<void> {
    if (!this.watches.has(watchId)) return;
    this.watchOf(room, viewer, watchId);
    await this.dropWatch(watchId);
  }

  /**
   * `address` left the room (its signals' subscription ended): its publisher goes, and every watch by it or of it
   * held here. A publisher another node holds is kicked out of the room.
   */
  async leave(room: string, address: string): Promise<void> {
    const feed = this.feeds.get(`${room} ${address}`);
    const watches = [...this.watches].filter(([, w]) => w.room === room && (w.viewer === address || w.feed === address)).map(([id]) => id);
    await Promise.all([feed ? this.closeFeed(feed) : this.kick(room, address), ...watches.map((id) => this.dropWatch(id))]);
  }

  private async kick(room: string, address: string): Promise<void> {
    await (await this.handles.existing(room))?.kick(room, address).catch(() => false);
  }

  /** `detach` false: the handle is detached already (janode logs an error for a second detach). */
  private async closeFeed(feed: Feed, detach = true): Promise<void> {
    if (feed.closed) return;
    feed.closed = true;
    const key = `${feed.room} ${feed.address}`;
    if (this.feeds.get(key) === feed) this.feeds.delete(key);
    if (detach) await feed.handle.detach().catch(() => {});
  }

  private async dropWatch(watchId: string, detach = true): Promise<void> {
    const watch = this.watches.get(watchId);
    if (!watch) return;
    this.watches.delete(watchId);
    if (detach) await watch.handle.detach().catch(() => {});
  }
}

const byEngine = new WeakMap<object, JanusConference>();

/** The conference rooms of one Janus engine (made on first use, gone with the engine). */
export function conferenceRoomsOf(engine: { conferenceHandles(): ConferenceHandles }): JanusConference {
  let rooms = byEngine.get(engine);
  if (!rooms) {
    rooms = new JanusConference(engine.conferenceHandles());
    byEngine.set(engine, rooms);
  }
  return rooms;
}
