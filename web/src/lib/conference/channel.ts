import type { Client } from '@urql/core';
import { live, request } from '../client.js';
import { CONFERENCE_SIGNAL, CONFERENCE_SIGNALS } from './documents.js';

/** A message in the room: `from` is the sender's address (username/tag). */
export interface RoomSignal {
  readonly from: string;
  readonly username: string;
  readonly kind: string;
  readonly payload: any;
}

/**
 * One join's signalling in a session's conference room: being subscribed is being in the room. Messages to one
 * member go one after the other (each waits for the last to be relayed), so a description is never overtaken by its
 * own ICE candidates on the way.
 */
export class ConferenceChannel {
  private stop: (() => void) | null = null;
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly client: Client, private readonly sessionId: string, private readonly memberId: string) {}

  open(onSignal: (s: RoomSignal) => void, onError: (message: string) => void): void {
    this.stop = live(CONFERENCE_SIGNALS, { s: this.sessionId, m: this.memberId }, (d) => onSignal(d.conferenceSignals), (e) => onError(e.message));
  }

  /** Sends to `to` (an address, or `*`) after whatever was sent to it before; a failure is logged, never thrown. */
  send(to: string, kind: string, payload: unknown = null): Promise<unknown> {
    const next = (this.queues.get(to) ?? Promise.resolve())
      .then(() => request(this.client, CONFERENCE_SIGNAL, { s: this.sessionId, m: this.memberId, to, k: kind, p: payload }, 'mutation'))
      .catch((e) => console.warn(`conference signal ${kind} to ${to} failed`, e));
    this.queues.set(to, next);
    return next;
  }

  close(): void {
    this.stop?.();
    this.stop = null;
  }
}
