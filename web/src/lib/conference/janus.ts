import { ApiError, request } from '../client.js';
import { gathered, ICE_SERVERS } from '../media/signals.js';
import { PUBLISH_CONFERENCE, START_CONFERENCE_WATCH, STOP_CONFERENCE_WATCH, WATCH_CONFERENCE } from './documents.js';
import type { RemoteMember } from './member.svelte.js';
import type { Transport, TransportContext } from './transport.js';

/** How long to wait before publishing or watching again after a failure (Janus restarting, media not flowing yet). */
const RETRY_MS = 1000;

interface Watch {
  readonly pc: RTCPeerConnection;
  watchId: string | null;
}

/**
 * The janus room: this browser publishes its camera and microphone once to the conference's VideoRoom and watches
 * each other member on a connection of its own. A member says `published` once its media reaches Janus; a newcomer
 * learns it from their `here`. A failed publisher or watch is made again while the member is still there.
 */
export class JanusTransport implements Transport {
  private publisher: RTCPeerConnection | null = null;
  private published = false;
  private stopped = false;
  private readonly watches = new Map<string, Watch>();
  private readonly members = new Map<string, RemoteMember>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(private readonly ctx: TransportContext) {}

  private later(fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) fn();
    }, RETRY_MS);
    this.timers.add(timer);
  }

  async start(): Promise<void> {
    const { ctx } = this;
    this.publisher?.close();
    this.published = false;
    const pc = new RTCPeerConnection({ iceServers: ICE_SERVERS });
    this.publisher = pc;
    pc.onconnectionstatechange = () => {
      if (this.publisher !== pc) return;
      if (pc.connectionState === 'connected' && !this.published) {
        this.published = true;
        void ctx.channel.send('*', 'published');
      }
      if (pc.connectionState === 'failed') this.later(() => void this.start());
    };
    try {
      for (const track of ctx.local.getTracks()) pc.addTransceiver(track, { direction: 'sendonly', streams: [ctx.local] });
      await pc.setLocalDescription(await pc.createOffer());
      const offer = await gathered(pc);
      const { publishConference } = await request(ctx.client, PUBLISH_CONFERENCE, { s: ctx.sessionId, m: ctx.memberId, sdp: offer.sdp! }, 'mutation');
      if (this.publisher === pc) await pc.setRemoteDescription({ type: 'answer', sdp: publishConference });
    } catch (e) {
      console.warn('conference: publishing to Janus failed', e);
      if (this.publisher === pc) this.later(() => void this.start());
    }
  }

  added(member: RemoteMember): void {
    this.members.set(member.address, member);
  }

  signal(member: RemoteMember, kind: string): void {
    if (kind === 'published') void this.watch(member);
  }

  /** Subscribes to `member` through Janus (again, when they published anew); retried until their media flows. */
  private async watch(member: RemoteMember): Promise<void> {
    const { ctx } = this;
    this.unwatch(member.address);
    const pc = new RTCPeerConnection({ iceServers: ICE_SERVERS });
    const watch: Watch = { pc, watchId: null };
    this.watches.set(member.address, watch);
    const current = () => !this.stopped && this.watches.get(member.address) === watch && this.members.get(member.address) === member;
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'failed' && current()) this.later(() => current() && void this.watch(member));
    };
    try {
      const { watchConference: offer } = await request(ctx.client, WATCH_CONFERENCE, { s: ctx.sessionId, m: ctx.memberId, member: member.address }, 'mutation');
      watch.watchId = offer.watchId;
      if (!current()) return this.release(watch);
      await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
      member.pc = pc;
      member.stream = new MediaStream(pc.getReceivers().map((r) => r.track));
      await pc.setLocalDescription(await pc.createAnswer());
      const answer = await gathered(pc);
      await request(ctx.client, START_CONFERENCE_WATCH, { s: ctx.sessionId, m: ctx.memberId, w: offer.watchId, sdp: answer.sdp! }, 'mutation');
    } catch (e) {
      // NOT_FOUND: their media does not reach Janus yet.
      if (!(e instanceof ApiError && e.code === 'NOT_FOUND')) console.warn('conference: watching through Janus failed', e);
      if (current()) this.later(() => current() && void this.watch(member));
    }
  }

  private unwatch(address: string): void {
    const watch = this.watches.get(address);
    if (!watch) return;
    this.watches.delete(address);
    this.release(watch);
  }

  private release(watch: Watch): void {
    watch.pc.close();
    if (watch.watchId) void request(this.ctx.client, STOP_CONFERENCE_WATCH, { s: this.ctx.sessionId, m: this.ctx.memberId, w: watch.watchId }, 'mutation').catch(() => {});
  }

  removed(member: RemoteMember): void {
    this.members.delete(member.address);
    this.unwatch(member.address);
  }

  here(): Record<string, unknown> {
    return { published: this.published };
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const address of [...this.watches.keys()]) this.unwatch(address);
    this.publisher?.close();
    this.publisher = null;
  }
}
