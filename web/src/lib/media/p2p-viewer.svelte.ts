import type { Client } from '@urql/core';
import { gathered, ICE_SERVERS, type SignalMessage } from './signals.js';
import { ViewerBase } from './viewer-base.svelte.js';

/**
 * How long a watcher waits for the offer of a request the test-taker's browser received before asking again. Asking
 * again makes that browser throw away the offer under way: on a busy machine an offer took longer than the 2.5 s
 * between requests, so every offer was thrown away before it could be taken.
 */
const OFFER_PATIENCE_MS = 10_000;

/** An offer of the test-taker's browser, for the request numbered `attempt` of the watching page `page`. */
export interface P2pOffer {
  sdp: RTCSessionDescriptionInit;
  streams: { camera: string; screen: string | null };
  attempt?: number;
  page?: string;
}

/**
 * The proctor's side of one session in `p2p` mode: asks the test-taker's browser for its streams and receives camera,
 * microphone and screen; tells it whether this tile is active (full quality) or not. Also the watcher of the phone of
 * the second camera, in both engines.
 *
 * Each request is numbered; the offer and the answer carry its number. Only the offer of the latest request is
 * taken, and the test-taker's browser takes only the answer to its latest offer: an offer or answer overtaken by a
 * newer request would otherwise pair two connections that do not belong together, which then never connect. Every
 * message also names the watching page, since signals go to a user and a proctor may watch one session in two tabs:
 * the test-taker's browser keeps a connection for each (it kept one per user, and two tabs took it from each other).
 */
export class P2pViewerMedia extends ViewerBase {
  private attempt = 0;
  private readonly page = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;

  constructor(client: Client, sessionId: string, participant: string) {
    super(client, sessionId, participant, 2500);
  }

  protected ask(): boolean {
    const attempt = ++this.attempt;
    void this.channel.send(this.participant, 'request', { active: this.active, attempt, page: this.page }).then((received) => {
      // Received: the offer is being made; nobody: the test-taker's page is not listening yet (its `ready` will say).
      if (received > 0 && attempt === this.attempt) this.nextAskAt = Date.now() + OFFER_PATIENCE_MS;
    }).catch(() => {});
    return true;
  }

  protected async onSignal(s: SignalMessage): Promise<void> {
    switch (s.kind) {
      case 'ready': // the test-taker's page (re)started: ask again
        this.ask();
        break;
      case 'offer':
        await this.accept(s.payload);
        break;
      case 'candidate':
        await this.pc?.addIceCandidate(s.payload).catch(() => {});
        break;
    }
  }

  private async accept(payload: P2pOffer): Promise<void> {
    if (payload.page !== undefined && payload.page !== this.page) return; // for another page of the same user
    if (payload.attempt !== undefined && payload.attempt !== this.attempt) return; // a newer request's offer is coming
    this.pc?.close();
    const pc = new RTCPeerConnection({ iceServers: ICE_SERVERS });
    this.pc = pc;
    this.state = 'connecting';
    this.connectingSince = Date.now();
    pc.ontrack = (e) => {
      const stream = e.streams[0];
      if (!stream || this.pc !== pc) return;
      if (stream.id === payload.streams.camera) this.camera = stream;
      else if (stream.id === payload.streams.screen) this.screen = stream;
    };
    this.follow(pc);
    try {
      await pc.setRemoteDescription(payload.sdp);
      await pc.setLocalDescription(await pc.createAnswer());
      const description = await gathered(pc);
      if (this.pc !== pc) return; // a newer offer was taken meanwhile
      // A page of the version before numbered requests takes the description itself.
      await this.channel.send(this.participant, 'answer', payload.attempt === undefined ? description : { description, attempt: payload.attempt, page: this.page });
    } catch (e) {
      if (this.pc !== pc) return; // closed under us by a newer offer
      console.warn('taking the offer failed', e);
      this.state = 'lost';
    }
  }

  /** The test-taker's browser changes what it sends to this watcher. */
  setActive(active: boolean): void {
    if (this.active === active) return;
    this.active = active;
    void this.channel.send(this.participant, 'quality', { active, page: this.page }).catch(() => {});
  }

  protected disconnect(): void {
    void this.channel.send(this.participant, 'bye', { page: this.page }).catch(() => {});
    this.pc?.close();
  }
}
