import { createHash } from 'node:crypto';
import { ValidationError } from '../../domain/core/errors.js';

/**
 * The conference of a session on the signalling relay and in Janus: a room of its own, so the exam's proctor and
 * test-taker signalling (the session id itself) never sees it.
 */
export const conferenceRoom = (sessionId: string): string => `conference:${sessionId}`;

/** The most people in one room: a full mesh sends each picture to everyone else, six is what a laptop sustains. */
export const MAX_MEMBERS = 6;

const MEMBER_ID = /^[A-Za-z0-9_-]{16,64}$/;
const ADDRESS = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}\/[A-Za-z0-9_-]{16}$/;

/**
 * A member's address in the room: the username and a digest of the member id its browser chose for this join. The id
 * stays a secret of that browser, so nobody who sees the address (everyone in the room) can listen as that member.
 */
export function memberAddress(username: string, memberId: string): string {
  if (typeof memberId !== 'string' || !MEMBER_ID.test(memberId)) throw new ValidationError('memberId must be 16–64 letters, digits, _ or -', { field: 'memberId' });
  return `${username}/${createHash('sha256').update(memberId).digest('base64url').slice(0, 16)}`;
}

/** The username in an address. */
export const usernameOfAddress = (address: string): string => address.slice(0, address.lastIndexOf('/'));

/** A recipient: everyone else (`*`) or one member's address. */
export function checkRecipient(to: string): string {
  if (to !== '*' && !ADDRESS.test(to)) throw new ValidationError(`${JSON.stringify(to.slice(0, 120))} is not a member of a conference`, { field: 'to' });
  return to;
}

/**
 * What browsers tell each other: `here` (an answer to the server's `hello`), `description` and `candidate` (the
 * mesh's WebRTC negotiation), `state` (microphone and camera on or off), `published` (in Janus: subscribe to me now),
 * `bye` (leaving). The server alone says `welcome` (you are in), `hello` (someone came) and `bye` (someone's
 * subscription ended).
 */
export const MEMBER_KINDS: ReadonlySet<string> = new Set(['here', 'description', 'candidate', 'state', 'published', 'bye']);

const MAX_PAYLOAD = 32 * 1024;

/** A signal's kind and payload as a member may send them. */
export function checkSignal(kind: string, payload: unknown): unknown {
  if (!MEMBER_KINDS.has(kind)) throw new ValidationError(`unknown conference signal ${JSON.stringify(kind.slice(0, 40))}`, { field: 'kind' });
  if (JSON.stringify(payload ?? null).length > MAX_PAYLOAD) throw new ValidationError('a conference signal is limited to 32 KB', { field: 'payload' });
  return payload ?? null;
}
