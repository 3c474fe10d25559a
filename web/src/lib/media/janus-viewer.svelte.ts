import type { Client } from '@urql/core';
import { ApiError, request } from '../client.js';
import { START_WATCHING, STOP_WATCHING, WATCH_MEDIA, WATCH_QUALITY } from './documents.js';
import { gathered, ICE_SERVERS, type SignalMessage } from './signals.js';
import { ViewerBase } from './viewer-base.svelte.js';

/**
 * A watcher's side of one session in `janus` mode: subscribes through our API to what the test-taker publishes
 * to Janus (camera+microphone, screen). A tile gets the small camera layer only; the active tile the full camera,
 * its sound and the screen. Subscribes again when the test-taker publishes again (its `ready` signal) or the
 * connection is lost. Calls go browser to browser as in p2p mode.
 */
export class JanusViewerMedia extends ViewerBase {
  private watchId: string | null = null;
  private watching = false;
  private again = false;
  private closed = false;

  constructor(client: Client, sessionId: string, participant: string) {
    super(client, sessionId, participant, 3000);
  }

  protected ask(): boolean {
    if (this.watching) return false;
    void this.watch();
    return true;
  }

  protected async onSignal(s: SignalMessage): Promise<void> {
    if (s.kind === 'ready') await this.watch(); // the test-taker (re)published: subscribe to what it publishes now
  }

  private async watch(): Promise<void> {
    if (this.closed) return;
    if (this.watching) {
      this.again = true; // a publisher changed while subscribing: subscribe once more after
      return;
    }
    this.watching = true;
    this.again = false;
    try {
      const { watchMedia: offer } = await request(this.client, WATCH_MEDIA, { s: this.sessionId, a: this.active }, 'mutation');
      this.drop();
      if (this.closed) {
        await request(this.client, STOP_WATCHING, { s: this.sessionId, w: offer.watchId }, 'mutation').catch(() => {});
        return;
      }
      const pc = new RTCPeerConnection({ iceServers: ICE_SERVERS });
      this.pc = pc;
      this.watchId = offer.watchId;
      this.state = 'connecting';
      this.connectingSince = Date.now();
      this.follow(pc);
      await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
      const tracksOf = (feed: string) =>
        pc.getTransceivers().filter((t) => offer.streams.some((s) => s.mid === t.mid && s.feed === feed)).map((t) => t.receiver.track);
      const camera = tracksOf('camera');
      const screen = tracksOf('screen');
      this.camera = camera.length ? new MediaStream(camera) : null;
      this.screen = screen.length ? new MediaStream(screen) : null;
      await pc.setLocalDescription(await pc.createAnswer());
      const answer = await gathered(pc);
      await request(this.client, START_WATCHING, { s: this.sessionId, w: offer.watchId, sdp: answer.sdp! }, 'mutation');
    } catch (e) {
      // NOT_FOUND: nothing published yet; the timer asks again.
      if (!(e instanceof ApiError && e.code === 'NOT_FOUND')) console.warn('watching through Janus failed', e);
      if (this.state === 'connecting') this.state = 'lost';
    } finally {
      this.watching = false;
      if (this.again) void this.watch();
    }
  }

  /** Full quality, sound and screen while active; the small camera layer otherwise. */
  setActive(active: boolean): void {
    if (this.active === active) return;
    this.active = active;
    if (this.watchId) void request(this.client, WATCH_QUALITY, { s: this.sessionId, w: this.watchId, a: active }, 'mutation').catch(() => {});
  }

  private drop(): void {
    const watchId = this.watchId;
    this.pc?.close();
    this.pc = null;
    this.watchId = null;
    if (watchId) void request(this.client, STOP_WATCHING, { s: this.sessionId, w: watchId }, 'mutation').catch(() => {});
  }

  protected disconnect(): void {
    this.closed = true;
    this.drop();
  }
}
