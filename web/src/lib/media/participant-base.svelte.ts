import type { Client } from '@urql/core';
import { CallAnswerer } from './calls.svelte.js';
import type { ParticipantMedia } from './ports.js';
import { loadIceServers, SignalChannel, type SignalMessage } from './signals.js';

/**
 * Frame rates the exam needs, not what the devices give: every frame is encoded again for the recording and for each
 * watcher, on the test-taker's own computer, while they sit the exam. The camera at 15 a second (a face, a glance
 * aside), the screen at 10 (typing, a page turned; what the SFU sends of it anyway). Measured in Chromium: a camera
 * recorder took 27 % of a core at 20 frames a second, 18 % at 15; a whole-screen recorder 26 % at the default 30, 14 % at
 * 10.
 */
const CAMERA_VIDEO: MediaTrackConstraints = { width: 640, height: 480, frameRate: { ideal: 15, max: 15 } };
const SCREEN_VIDEO: MediaTrackConstraints = { frameRate: { ideal: 10, max: 10 } };

/** What one publishing device captures: the computer its camera, microphone and screen; the phone its camera alone. */
export interface CaptureOptions {
  readonly screen: boolean;
  readonly audio: boolean;
}

/**
 * What both engines' publishing sides do alike: capture camera and screen, open the session's signals, answer the
 * proctor's calls, hear the phone of the second camera. An engine says how the captured streams go out (`publish`)
 * and what it does with the signals that are not calls (`onSignal`).
 */
export abstract class ParticipantBase implements ParticipantMedia {
  camera = $state<MediaStream | null>(null);
  screen = $state<MediaStream | null>(null);
  error = $state<string | null>(null);
  mobileSeenAt = $state(0);
  abstract readonly watchers: readonly string[];
  protected readonly channel: SignalChannel;
  protected readonly calls: CallAnswerer;
  /** Set by `stop`: a `start` still waiting for camera or screen gives them back instead of publishing. */
  protected stopped = false;

  constructor(protected readonly client: Client, readonly sessionId: string, private readonly capturing: CaptureOptions) {
    this.channel = new SignalChannel(client, sessionId);
    this.calls = new CallAnswerer(this.channel);
  }

  get call() {
    return this.calls.call;
  }

  async start(): Promise<void> {
    if (!(await this.capture())) return;
    this.captured();
    await loadIceServers(this.client);
    if (this.stopped) return;
    this.channel.open((s) => void this.signal(s));
    await this.publish();
  }

  /** Camera (and screen) granted, before the signals open: the p2p engine starts recording here. */
  protected captured(): void {}

  /** Sends the captured streams out, once the signals are open. */
  protected abstract publish(): Promise<void>;

  /** A signal that is neither a call's nor the phone's heartbeat. */
  protected abstract onSignal(s: SignalMessage): Promise<void>;

  private async signal(s: SignalMessage): Promise<void> {
    if (await this.calls.handle(s)) return;
    if (s.kind === 'mobile-alive') this.mobileSeenAt = Date.now();
    else await this.onSignal(s);
  }

  /**
   * Asks for the camera, then the screen; the camera shows as soon as it is granted (the self-view, while the browser
   * asks for the screen). Answers whether to go on: not without a camera, nor when `stop` came while the browser asked
   * (then everything granted is given back). A refused screen is reported in `error`, and the camera goes on alone.
   */
  private async capture(): Promise<boolean> {
    try {
      this.camera = await navigator.mediaDevices.getUserMedia({ video: CAMERA_VIDEO, audio: this.capturing.audio });
    } catch (e) {
      this.error = `${this.capturing.audio ? 'Camera and microphone are' : 'The camera is'} needed: ${(e as Error).name}`;
      return false;
    }
    if (this.capturing.screen && !this.stopped) {
      try {
        this.screen = await navigator.mediaDevices.getDisplayMedia({ video: SCREEN_VIDEO, audio: false });
      } catch (e) {
        this.error = `Screen sharing is needed: ${(e as Error).name}`;
      }
    }
    if (this.stopped) {
      this.release();
      return false;
    }
    return true;
  }

  async heartbeat(to: string): Promise<void> {
    await this.channel.send(to, 'mobile-alive').catch(() => {});
  }

  async hangUp(endCall: () => Promise<void>): Promise<void> {
    await this.calls.hangUp(endCall);
  }

  abstract stop(): Promise<void>;

  /** Gives camera, microphone and screen back (the browser's recording light goes off). */
  protected release(): void {
    for (const s of [this.camera, this.screen]) s?.getTracks().forEach((t) => t.stop());
  }
}
