import type { Client } from '@urql/core';
import { ApiError, request } from '../client.js';
import { CallPlacer } from './calls.svelte.js';
import type { PublicSurface } from './engine.js';
import { cameraFramesDecoded, gathered, ICE_SERVERS, SignalChannel, type SignalMessage } from './signals.js';
import type { ViewerMedia } from './viewer.svelte.js';

const WATCH = `mutation Watch($s: ID!, $a: Boolean!) { watchMedia(sessionId: $s, active: $a) { watchId sdp streams { mid feed kind } } }`;
const START = `mutation StartWatching($s: ID!, $w: ID!, $sdp: String!) { startWatching(sessionId: $s, watchId: $w, sdp: $sdp) }`;
const QUALITY = `mutation WatchQuality($s: ID!, $w: ID!, $a: Boolean!) { setWatchQuality(sessionId: $s, watchId: $w, active: $a) }`;
const STOP = `mutation StopWatching($s: ID!, $w: ID!) { stopWatching(sessionId: $s, watchId: $w) }`;
const START_CALL = `mutation StartCall($s: ID!, $v: Boolean!) { startCall(sessionId: $s, video: $v) { callId video } }`;
const END_CALL = `mutation EndCall($s: ID!, $c: ID!) { endCall(sessionId: $s, callId: $c) }`;

interface Offer {
  watchId: string;
  sdp: string;
  streams: Array<{ mid: string; feed: string; kind: string }>;
}

/**
 * A watcher's side of one session in `janus` mode: subscribes through our API to what the test-taker publishes
 * to Janus (camera+microphone, screen). A tile gets the small camera layer only; the active tile the full camera,
 * its sound and the screen. Subscribes again when the test-taker publishes again (its `ready` signal) or the
 * connection is lost. Calls go browser to browser as in p2p mode.
 */
export class JanusViewerMedia implements PublicSurface<ViewerMedia> {
  camera = $state<MediaStream | null>(null);
  screen = $state<MediaStream | null>(null);
  state = $state<'waiting' | 'connecting' | 'live' | 'lost'>('waiting');
  /** Camera frames decoded so far, refreshed every second: the tile's "live" sign. */
  frames = $state(0);
  callError = $state<string | null>(null);
  private readonly channel: SignalChannel;
  private readonly calls: CallPlacer;
  private pc: RTCPeerConnection | null = null;
  private watchId: string | null = null;
  private active = false;
  private timer: ReturnType<typeof setInterval> | null = null;
  private watching = false;
  private again = false;
  private since = 0;
  private closed = false;

  constructor(private readonly client: Client, readonly sessionId: string, private readonly participant: string) {
    this.channel = new SignalChannel(client, sessionId);
    this.calls = new CallPlacer(this.channel, participant);
  }

  get call() {
    return this.calls.call;
  }

  open(active: boolean): void {
    this.active = active;
    this.channel.open((s) => void this.onSignal(s));
    let asked = 0;
    this.timer = setInterval(() => {
      void this.framesDecoded().then((f) => (this.frames = f));
      const stuck = this.state === 'waiting' || this.state === 'lost' || (this.state === 'connecting' && Date.now() - this.since > 10_000);
      if (stuck && !this.watching && Date.now() - asked > 3000) {
        asked = Date.now();
        void this.watch();
      }
    }, 1000);
  }

  private async onSignal(s: SignalMessage): Promise<void> {
    if (s.from !== this.participant) return;
    if (await this.calls.handle(s)) return;
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
      const { watchMedia: offer } = await request<{ watchMedia: Offer }, { s: string; a: boolean }>(this.client, WATCH, { s: this.sessionId, a: this.active }, 'mutation');
      this.drop();
      if (this.closed) {
        await request(this.client, STOP, { s: this.sessionId, w: offer.watchId }, 'mutation').catch(() => {});
        return;
      }
      const pc = new RTCPeerConnection({ iceServers: ICE_SERVERS });
      this.pc = pc;
      this.watchId = offer.watchId;
      this.state = 'connecting';
      this.since = Date.now();
      pc.onconnectionstatechange = () => {
        if (this.pc !== pc) return;
        if (pc.connectionState === 'connected') this.state = 'live';
        if (pc.connectionState === 'failed' || pc.connectionState === 'disconnected') this.state = 'lost';
      };
      await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
      const tracksOf = (feed: string) =>
        pc.getTransceivers().filter((t) => offer.streams.some((s) => s.mid === t.mid && s.feed === feed)).map((t) => t.receiver.track);
      const camera = tracksOf('camera');
      const screen = tracksOf('screen');
      this.camera = camera.length ? new MediaStream(camera) : null;
      this.screen = screen.length ? new MediaStream(screen) : null;
      await pc.setLocalDescription(await pc.createAnswer());
      const answer = await gathered(pc);
      await request(this.client, START, { s: this.sessionId, w: offer.watchId, sdp: answer.sdp! }, 'mutation');
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
    if (this.watchId) void request(this.client, QUALITY, { s: this.sessionId, w: this.watchId, a: active }, 'mutation').catch(() => {});
  }

  async startCall(video: boolean): Promise<void> {
    this.callError = null;
    try {
      const local = await navigator.mediaDevices.getUserMedia({ audio: true, video });
      const { startCall } = await request<{ startCall: { callId: string; video: boolean } }, { s: string; v: boolean }>(this.client, START_CALL, { s: this.sessionId, v: video }, 'mutation');
      await this.calls.place(startCall.callId, video, local);
    } catch (e) {
      this.callError = (e as Error).message;
      this.calls.end();
    }
  }

  async hangUp(): Promise<void> {
    const call = this.calls.call;
    this.calls.end();
    if (!call) return;
    await this.channel.send(this.participant, 'call-bye').catch(() => {});
    await request(this.client, END_CALL, { s: this.sessionId, c: call.callId }, 'mutation').catch(() => {});
  }

  private drop(): void {
    const watchId = this.watchId;
    this.pc?.close();
    this.pc = null;
    this.watchId = null;
    if (watchId) void request(this.client, STOP, { s: this.sessionId, w: watchId }, 'mutation').catch(() => {});
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.calls.end();
    this.drop();
    this.channel.close();
  }

  /** Frames decoded so far on the camera track (the browser tests read this). */
  framesDecoded(): Promise<number> {
    return cameraFramesDecoded(this.pc, this.camera);
  }

  /** Frames decoded so far on one of this session's streams (0 while it has none): the large view shows it moving. */
  async framesDecodedOf(stream: MediaStream | null): Promise<number> {
    return stream ? cameraFramesDecoded(this.pc, stream) : 0;
  }
}
