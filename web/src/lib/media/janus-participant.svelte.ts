import type { Client } from '@urql/core';
import { request } from '../client.js';
import { PUBLISH_MEDIA, UNPUBLISH_MEDIA } from './documents.js';
import { ParticipantBase } from './participant-base.svelte.js';
import { gathered, ICE_SERVERS, type SignalMessage } from './signals.js';

/**
 * The camera goes up in two simulcast layers: Janus forwards the small one (320×240, ≤ 8 fps, ≤ 120 kbit/s) to
 * tiles and the full one to the active tile and the recording. The screen goes once, at a modest rate.
 */
const CAMERA_LAYERS: RTCRtpEncodingParameters[] = [
  { rid: 'h', maxBitrate: 900_000, maxFramerate: 30 },
  { rid: 'l', scaleResolutionDownBy: 2, maxBitrate: 120_000, maxFramerate: 8 },
];
const SCREEN_ENCODING: RTCRtpEncodingParameters = { maxBitrate: 600_000, maxFramerate: 10 };

type Track = 'camera' | 'screen';
/** A `republish` within this long (ms) of beginning a publication still connecting is not acted on: it is under way. */
const REPUBLISHING_MS = 5_000;

/**
 * The test-taker's side in `janus` mode: camera+microphone and the screen are published once each to Janus through
 * our API, whoever watches gets them from Janus, and Janus records them (the browser records nothing). A lost
 * connection is published again. Calls from the proctor stay browser to browser (CallAnswerer).
 */
export class JanusParticipantMedia extends ParticipantBase {
  /** Janus fans out: this browser does not know who watches. */
  readonly watchers: readonly string[] = [];
  private readonly peers = new Map<Track, RTCPeerConnection>();
  private readonly retries = new Map<Track, ReturnType<typeof setTimeout>>();
  /** When each publisher connection was begun (`performance.now()`). */
  private readonly begun = new WeakMap<RTCPeerConnection, number>();

  constructor(client: Client, sessionId: string, screen = true) {
    super(client, sessionId, { screen, audio: true });
  }

  protected async publish(): Promise<void> {
    await Promise.all([this.publishTrack('camera'), this.screen ? this.publishTrack('screen') : null]);
  }

  /**
   * Besides calls and the phone's heartbeat, the server says when the Janus a track was published to went away, or
   * the app node holding it died: that track is published again at once, not once this browser notices the
   * connection died (10–20 s).
   */
  protected async onSignal(s: SignalMessage): Promise<void> {
    if (s.kind !== 'republish' || s.from !== '#media') return;
    const track = (s.payload as { track?: unknown } | null)?.track;
    if (track !== 'camera' && track !== 'screen') return;
    // Said again every few seconds until the server sees this track published anew: a publication begun just now and
    // still connecting goes on. (A connected one is published again: its Janus, or its node, may be gone.)
    const current = this.peers.get(track);
    const connecting = current?.connectionState === 'new' || current?.connectionState === 'connecting';
    if (current && connecting && performance.now() - (this.begun.get(current) ?? 0) < REPUBLISHING_MS) return;
    const pending = this.retries.get(track);
    if (pending) clearTimeout(pending);
    this.retries.delete(track);
    await this.publishTrack(track);
  }

  /** One publisher connection per track; on failure or loss it is made again after a pause. */
  private async publishTrack(track: Track): Promise<void> {
    const stream = track === 'camera' ? this.camera : this.screen;
    if (this.stopped || !stream) return;
    this.peers.get(track)?.close();
    const pc = new RTCPeerConnection({ iceServers: ICE_SERVERS });
    this.peers.set(track, pc);
    this.begun.set(pc, performance.now());
    const again = () => this.retry(track, pc);
    let answered = false;
    let announced = false;
    // Watchers subscribe again to the new publisher once its media flows: Janus lists it as a publisher only then,
    // and a watcher told sooner would subscribe to the other track alone (seen after a Janus failover).
    const announce = () => {
      if (announced || !answered || pc.connectionState !== 'connected' || this.peers.get(track) !== pc) return;
      announced = true;
      void this.channel.send('*', 'ready').catch(() => {});
    };
    pc.onconnectionstatechange = () => {
      announce();
      if (pc.connectionState === 'failed') again();
      if (pc.connectionState === 'disconnected') setTimeout(() => pc.connectionState === 'disconnected' && again(), 5000);
    };
    try {
      for (const t of stream.getAudioTracks()) pc.addTransceiver(t, { direction: 'sendonly', streams: [stream] });
      for (const t of stream.getVideoTracks()) {
        pc.addTransceiver(t, { direction: 'sendonly', streams: [stream], sendEncodings: track === 'camera' ? CAMERA_LAYERS : [SCREEN_ENCODING] });
      }
      await pc.setLocalDescription(await pc.createOffer());
      const offer = await gathered(pc);
      const { publishMedia } = await request(this.client, PUBLISH_MEDIA, { s: this.sessionId, t: track, sdp: offer.sdp! }, 'mutation');
      if (this.peers.get(track) !== pc) return;
      await pc.setRemoteDescription({ type: 'answer', sdp: publishMedia });
      answered = true;
      announce();
    } catch (e) {
      console.warn(`publishing the ${track} failed`, e);
      again();
    }
  }

  private retry(track: Track, pc: RTCPeerConnection): void {
    if (this.stopped || this.peers.get(track) !== pc || this.retries.has(track)) return;
    this.retries.set(track, setTimeout(() => {
      this.retries.delete(track);
      void this.publishTrack(track);
    }, 3000));
  }

  /**
   * Stops capturing and publishing at once; Janus finishes the recording and the server stores its last segment (the
   * server also cuts the publishers itself when the session ends, whatever this browser does).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.retries.values()) clearTimeout(timer);
    this.retries.clear();
    this.release();
    const tracks = [...this.peers.keys()];
    for (const pc of this.peers.values()) pc.close();
    this.peers.clear();
    this.calls.end();
    this.channel.close();
    await Promise.all(tracks.map((t) => request(this.client, UNPUBLISH_MEDIA, { s: this.sessionId, t }, 'mutation').catch(() => {})));
  }
}
