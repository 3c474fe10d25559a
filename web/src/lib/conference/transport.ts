import type { Client } from '@urql/core';
import type { ConferenceChannel } from './channel.js';
import type { RemoteMember } from './member.svelte.js';

/** What a transport gets from the room: the signalling, this browser's camera and microphone, who it is. */
export interface TransportContext {
  readonly client: Client;
  readonly sessionId: string;
  readonly memberId: string;
  readonly channel: ConferenceChannel;
  readonly local: MediaStream;
  /** This browser's address in the room (known once the server's welcome came). */
  self(): string;
}

/**
 * How the room's media travel: a mesh of peer connections (p2p) or a Janus VideoRoom (janus). The room keeps who is
 * there and tells the transport; the transport sets each member's `stream` and `pc`.
 */
export interface Transport {
  /** The server let this browser in: start sending. */
  start(): Promise<void>;
  /** Someone is in the room now. */
  added(member: RemoteMember): void;
  /** A message of the transport's own from a member (description, candidate, published). */
  signal(member: RemoteMember, kind: string, payload: any): void;
  /** Someone went. */
  removed(member: RemoteMember): void;
  /** What this browser adds to its `here` for a newcomer. */
  here(): Record<string, unknown>;
  /** Stops sending and receiving. */
  stop(): void;
}
