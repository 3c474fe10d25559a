import { randomUUID } from 'node:crypto';
import Janode from 'janode';
import type { VideoRoomHandle } from 'janode/plugins/videoroom';
import { ForbiddenError, IllegalStateError, NotFoundError } from '../../domain/core/errors.js';
import { MAX_MEMBERS } from './room.js';

/** What the conference needs of the Janus engine: handles on the Janus holding a room. */
export interface ConferenceHandles {
  attach(room: string): Promise<VideoRoomHandle>;
  control(room: string): Promise<VideoRoomHandle>;
}

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
 * publishes and watches as its own address only; the signalling says who is there.
 */
export class JanusConference {
  private readonly rooms = new Map<string, Promise<void>>();
  private readonly feeds = new Map<string, Feed>();
  private readonly watches = new Map<string, Watch>();

  constructor(private readonly handles: ConferenceHandles) {}

  /** Publishers and watches now (tests and logs). */
  get size(): { feeds: number; watches: number } {
    return { feeds: this.feeds.size, watches: this.watches.size };
  }

  private ensureRoom(room: string): Promise<void> {
    let ready = this.rooms.get(room);
    if (!ready) {
      ready = (async () => {
        const control = await this.handles.control(room);
        if ((await control.exists({ room })).exists) return;
        await control.create({
          room, description: room, max_publishers: MAX_MEMBERS, videocodec: 'vp8', audiocodec: 'opus', record: false, notify_joining: false, is_private: true,
        });
      })();
      this.rooms.set(room, ready);
      ready.catch(() => this.rooms.delete(room));
    }
    return ready;
  }

  /** `address` publishes its camera and microphone (its complete SDP offer); answers Janus's answer. A new publish replaces the last. */
  async publish(room: string, address: string, offerSdp: string): Promise<string> {
    await this.ensureRoom(room);
    const key = `${room} ${address}`;
    const earlier = this.feeds.get(key);
    if (earlier) await this.closeFeed(earlier);
    const control = await this.handles.control(room);
    const { participants } = await control.listParticipants({ room });
    if (participants.some((p) => p.feed === address)) await control.kick({ room, feed: address }).catch(() => {}); // left by a run that crashed
    else if (participants.length >= MAX_MEMBERS) throw new IllegalStateError(`the conference is full (${MAX_MEMBERS} people)`);
    const feed: Feed = { room, address, handle: await this.handles.attach(room), closed: false };
    this.feeds.set(key, feed);
    feed.handle.once(Janode.EVENT.HANDLE_HANGUP, () => void this.closeFeed(feed));
    feed.handle.once(Janode.EVENT.HANDLE_DETACHED, () => void this.closeFeed(feed, false));
    try {
      const joined = await feed.handle.joinConfigurePublisher({ room, feed: address, display: address, jsep: { type: 'offer', sdp: offerSdp } });
      if (!joined.jsep) throw new Error('Janus answered a publisher without SDP');
      return joined.jsep.sdp;
    } catch (error) {
      await this.closeFeed(feed);
      this.rooms.delete(room); // Janus may have restarted without it: look again next time
      throw error;
    }
  }

  /** `viewer` subscribes to `address`'s camera and microphone: Janus's offer, answered through `startWatching`. */
  async watch(room: string, viewer: string, address: string): Promise<{ watchId: string; sdp: string }> {
    if (this.feeds.get(`${room} ${address}`)?.closed !== false) throw new NotFoundError(`${address} does not publish in this conference`);
    const { participants } = await (await this.handles.control(room)).listParticipants({ room });
    if (!participants.some((p) => p.feed === address && p.publisher)) throw new NotFoundError(`${address}'s media is not flowing yet`);
    const handle = await this.handles.attach(room);
    try {
      const joined = await handle.joinSubscriber({ room, streams: [{ feed: address }] });
      if (!joined.jsep) throw new Error('Janus answered a subscription without an offer');
      const watchId = randomUUID();
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
    await this.watchOf(room, viewer, watchId).handle.start({ jsep: { type: 'answer', sdp: answerSdp } });
  }

  async stopWatching(room: string, viewer: string, watchId: string): Promise<void> {
    if (!this.watches.has(watchId)) return;
    this.watchOf(room, viewer, watchId);
    await this.dropWatch(watchId);
  }

  /** `address` left the room (its signals' subscription ended): its publisher goes, and every watch by it or of it. */
  async leave(room: string, address: string): Promise<void> {
    const feed = this.feeds.get(`${room} ${address}`);
    const watches = [...this.watches].filter(([, w]) => w.room === room && (w.viewer === address || w.feed === address)).map(([id]) => id);
    await Promise.all([feed ? this.closeFeed(feed) : null, ...watches.map((id) => this.dropWatch(id))]);
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
