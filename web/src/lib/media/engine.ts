import type { Client } from '@urql/core';
import { JanusParticipantMedia } from './janus-participant.svelte.js';
import { JanusViewerMedia } from './janus-viewer.svelte.js';
import { P2pParticipantMedia } from './p2p-participant.svelte.js';
import { P2pViewerMedia } from './p2p-viewer.svelte.js';
import type { ParticipantMedia, ViewerMedia } from './ports.js';

export type MediaEngineKind = 'p2p' | 'janus';

let engine: MediaEngineKind = 'p2p';

/** The server's media engine, asked once before the app mounts (`mediaEngine` needs no sign-in). */
export async function loadMediaEngine(timeoutMs = 3000): Promise<MediaEngineKind> {
  try {
    const res = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ mediaEngine }' }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await res.json()) as { data?: { mediaEngine?: MediaEngineKind } };
    engine = body.data?.mediaEngine === 'janus' ? 'janus' : 'p2p';
  } catch {
    engine = 'p2p'; // an older server, or none reachable yet: the default engine
  }
  return engine;
}

export function mediaEngine(): MediaEngineKind {
  return engine;
}

/** The test-taker's computer's media for this deployment's engine; `screen`: the exam shares the screen too. */
export function createParticipantMedia(client: Client, sessionId: string, screen = true): ParticipantMedia {
  return engine === 'janus' ? new JanusParticipantMedia(client, sessionId, screen) : new P2pParticipantMedia(client, sessionId, { screen, audio: true, track: 'camera' });
}

/** A watcher's media of one session's computer, for this deployment's engine. */
export function createViewerMedia(client: Client, sessionId: string, participant: string): ViewerMedia {
  return engine === 'janus' ? new JanusViewerMedia(client, sessionId, participant) : new P2pViewerMedia(client, sessionId, participant);
}

/**
 * The phone of the second camera publishes browser to browser in both engines (Janus carries the computer's camera
 * and screen only), and records its own segments.
 */
export function createMobileMedia(client: Client, sessionId: string): ParticipantMedia {
  return new P2pParticipantMedia(client, sessionId, { screen: false, audio: false, track: 'mobile' });
}

/** A watcher of the phone of the second camera (`<student>~mobile`), browser to browser in both engines. */
export function createMobileViewerMedia(client: Client, sessionId: string, student: string): ViewerMedia {
  return new P2pViewerMedia(client, sessionId, `${student}~mobile`);
}
