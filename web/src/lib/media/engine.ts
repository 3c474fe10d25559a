import type { Client } from '@urql/core';
import { JanusParticipantMedia } from './janus-participant.svelte.js';
import { JanusViewerMedia } from './janus-viewer.svelte.js';
import { ParticipantMedia } from './participant.svelte.js';
import { ViewerMedia } from './viewer.svelte.js';

export type MediaEngineKind = 'p2p' | 'janus';

/** The public members of a class (what pages may touch): the Janus classes must offer all of them. */
export type PublicSurface<T> = { [K in keyof T]: T[K] };

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

/**
 * The test-taker's media for this deployment's engine. The Janus class offers every public member of the p2p one
 * (checked by `implements PublicSurface<ParticipantMedia>`), so pages keep their ParticipantMedia type.
 */
export function createParticipantMedia(client: Client, sessionId: string): ParticipantMedia {
  return engine === 'janus' ? (new JanusParticipantMedia(client, sessionId) as unknown as ParticipantMedia) : new ParticipantMedia(client, sessionId);
}

/** A watcher's media of one session, for this deployment's engine (see createParticipantMedia). */
export function createViewerMedia(client: Client, sessionId: string, participant: string): ViewerMedia {
  return engine === 'janus' ? (new JanusViewerMedia(client, sessionId, participant) as unknown as ViewerMedia) : new ViewerMedia(client, sessionId, participant);
}
