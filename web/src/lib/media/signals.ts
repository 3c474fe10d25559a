import type { Client } from '@urql/core';
import { live, request } from '../client.js';
import { ICE, SIGNAL, SIGNALS } from './documents.js';

export interface SignalMessage {
  from: string;
  to: string;
  kind: string;
  payload: any;
}

/** The signalling channel of one session for this browser: send to a username (or `*`), receive what is addressed here. */
export class SignalChannel {
  private stop: (() => void) | null = null;
  constructor(private readonly client: Client, readonly sessionId: string) {}

  open(onSignal: (s: SignalMessage) => void): void {
    void loadIceServers(this.client);
    this.stop = live(SIGNALS, { s: this.sessionId }, (d) => onSignal(d.signals));
  }

  async send(to: string, kind: string, payload: unknown = null): Promise<number> {
    const data = await request(this.client, SIGNAL, { s: this.sessionId, to, k: kind, p: payload }, 'mutation');
    return data.signal;
  }

  close(): void {
    this.stop?.();
  }
}

/** The ICE servers of this deployment (TURN for real networks), loaded once per page by `loadIceServers`. */
export const ICE_SERVERS: RTCIceServer[] = [];
let loading: Promise<void> | null = null;

export function loadIceServers(client: Client): Promise<void> {
  loading ??= request(
    client, ICE, {},
  ).then(({ iceServers }) => {
    ICE_SERVERS.splice(0, ICE_SERVERS.length, ...iceServers.map((s) => ({ urls: s.urls, ...(s.username ? { username: s.username } : {}), ...(s.credential ? { credential: s.credential } : {}) })));
  }).catch(() => {
    loading = null; // try again next time; direct connections still work meanwhile
  });
  return loading;
}

/**
 * Waits until the connection has gathered its ICE candidates (or `ms` passed), so the description sent carries them
 * all. Signals travel as separate HTTP requests that may overtake each other; one complete description cannot be
 * overtaken by its own candidates.
 */
export async function gathered(pc: RTCPeerConnection, ms = 3000): Promise<RTCSessionDescriptionInit> {
  if (pc.iceGatheringState !== 'complete') {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      pc.addEventListener('icegatheringstatechange', () => {
        if (pc.iceGatheringState === 'complete') {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  }
  return pc.localDescription!.toJSON();
}

/**
 * Video frames decoded so far on `camera`'s track (every inbound video when it is not known yet), read from getStats:
 * Chromium pauses off-screen video, so the element's time says nothing.
 */
export async function cameraFramesDecoded(pc: RTCPeerConnection | null, camera: MediaStream | null): Promise<number> {
  if (!pc) return 0;
  const cameraTrack = camera?.getVideoTracks()[0]?.id;
  let frames = 0;
  (await pc.getStats()).forEach((r) => {
    if (r.type === 'inbound-rtp' && r.kind === 'video' && (!cameraTrack || r.trackIdentifier === cameraTrack)) frames += r.framesDecoded ?? 0;
  });
  return frames;
}
