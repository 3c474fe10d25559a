import type { Client } from '@urql/core';
import { CallPlacer } from './calls.svelte.js';
import type { LiveState, ViewerMedia } from './ports.js';
import { cameraFramesDecoded, SignalChannel, type SignalMessage } from './signals.js';

/**
 * How long a connection may stay `connecting` before the watcher asks for the picture again. Asking again throws away
 * the connection under way, so it must outlast a slow one: on a busy machine gathering, relaying the answer and the
 * handshakes took more than 10 s, and each new request threw away a connection about to come up.
 */
const CONNECTING_PATIENCE_MS = 15_000;

/** How long a connection may stay `disconnected` (it often comes back by itself) before it counts as lost. */
const DISCONNECTED_GRACE_MS = 5_000;

/** Whether a watcher should ask for the picture (again): none yet, lost, or connecting for too long. */
export function isStuck(state: LiveState, connectingSince: number, now = Date.now()): boolean {
  return state === 'waiting' || state === 'lost' || (state === 'connecting' && now - connectingSince > CONNECTING_PATIENCE_MS);
}

/**
 * What both engines' watching sides do alike: the session's signals from one participant, the proctor's calls, the
 * frames count, and asking for the picture until it comes. An engine says how it asks (`ask`), what it does with the
 * signals that are not calls (`onSignal`), how quality changes (`setActive`) and how it lets go (`disconnect`).
 */
export abstract class ViewerBase implements ViewerMedia {
  camera = $state<MediaStream | null>(null);
  screen = $state<MediaStream | null>(null);
  state = $state<LiveState>('waiting');
  frames = $state(0);
  protected readonly channel: SignalChannel;
  protected readonly calls: CallPlacer;
  /** The connection the streams come through (null until the first one). */
  protected pc: RTCPeerConnection | null = null;
  protected active = false;
  /** When the current connection began (`state` is `connecting` since then). */
  protected connectingSince = 0;
  /** The watcher does not ask for the picture again before this (an engine may put it off: an answer is on its way). */
  protected nextAskAt = 0;
  private timer: ReturnType<typeof setInterval> | null = null;

  /** `askEveryMs`: the least time between two requests for the picture. */
  constructor(protected readonly client: Client, readonly sessionId: string, protected readonly participant: string, private readonly askEveryMs: number) {
    this.channel = new SignalChannel(client, sessionId);
    this.calls = new CallPlacer(client, this.channel, participant);
  }

  get call() {
    return this.calls.call;
  }

  get callError() {
    return this.calls.error;
  }

  open(active: boolean): void {
    this.active = active;
    this.channel.open((s) => void this.signal(s));
    // Ask until the picture comes: our own subscription may not be listening yet when the first answer would arrive,
    // the test-taker may not be on the exam page yet, or the connection may have dropped.
    this.timer = setInterval(() => {
      void cameraFramesDecoded(this.pc, this.camera).then((f) => (this.frames = f));
      if (isStuck(this.state, this.connectingSince) && Date.now() >= this.nextAskAt && this.ask()) this.nextAskAt = Date.now() + this.askEveryMs;
    }, 1000);
  }

  /**
   * Follows `pc` (the current connection) into `state`: live once connected, lost once failed or disconnected for
   * `DISCONNECTED_GRACE_MS`. A lost connection makes the watcher ask again, which throws it away, so a blip (a busy
   * machine missing a few connectivity checks) is given the time to pass.
   */
  protected follow(pc: RTCPeerConnection): void {
    let grace: ReturnType<typeof setTimeout> | undefined;
    pc.onconnectionstatechange = () => {
      if (this.pc !== pc) return;
      clearTimeout(grace);
      if (pc.connectionState === 'connected') this.state = 'live';
      else if (pc.connectionState === 'failed') this.state = 'lost';
      else if (pc.connectionState === 'disconnected') {
        grace = setTimeout(() => {
          if (this.pc === pc && pc.connectionState === 'disconnected') this.state = 'lost';
        }, DISCONNECTED_GRACE_MS);
      }
    };
  }

  /** Asks for the picture; answers false when it cannot now (a request still under way), so the next tick tries. */
  protected abstract ask(): boolean;

  /** A signal from the participant that is not a call's. */
  protected abstract onSignal(s: SignalMessage): Promise<void>;

  abstract setActive(active: boolean): void;

  /** Lets the streams go (the calls and signals are closed by `close`). */
  protected abstract disconnect(): void;

  private async signal(s: SignalMessage): Promise<void> {
    if (s.from !== this.participant) return;
    if (await this.calls.handle(s)) return;
    await this.onSignal(s);
  }

  startCall(video: boolean): Promise<void> {
    return this.calls.start(video);
  }

  hangUp(): Promise<void> {
    return this.calls.hangUp();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.disconnect();
    this.calls.end();
    this.channel.close();
  }

  async framesDecodedOf(stream: MediaStream | null): Promise<number> {
    return stream ? cameraFramesDecoded(this.pc, stream) : 0;
  }
}
