import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { UnauthenticatedError } from '../../domain/core/errors.js';

/**
 * The OIDC `state` of an LTI launch and what binds it to the browser that started the login.
 *
 * The state is a MAC'd record, not a lookup key: `{ platform id, nonce, expiry, storage target?, hash of a browser
 * secret }` sealed with a key derived from the server's secret, so every node reads it without a shared table, and
 * nobody can make one that names another nonce or platform. It is single-use through its nonce, which the launch
 * claims once in the store (`OnceClaims`, shared by every node): a state, its nonce and the id_token issued for it
 * work once, within `STATE_TTL_MS`.
 *
 * Binding to the browser (a launch must have one of the two):
 * - cookie: the login sets `lti_state_<key>` = a random browser secret (SameSite=None; Secure; HttpOnly; Path=/lti);
 *   the state carries its hash, so the launch proves it comes from the browser that started the login.
 * - platform storage (1EdTech "LTI Client Side postMessage storage", when the platform sends `lti_storage_target`,
 *   for frames where third-party cookies are blocked): the login page stores the state and nonce in the platform's
 *   frame with `lti.put_data`; the launch page reads them back with `lti.get_data` from the frame it runs in and posts
 *   them with the id_token. Only a page framed by that platform window, in that browser, can read them back.
 * A launch with neither is refused, nothing written. Single use, the MAC and the expiry stop replays, forged states and
 * one login's state paired with another's id_token; only the binding stops login CSRF (an attacker starts a login in
 * their own browser, stops at the platform's id_token form and makes a victim's browser post it, signing the victim in
 * as the attacker's LMS user) and the use of a stolen, unused id_token and state from another browser: the attacker
 * cannot set our cookie in the victim's browser nor write into the victim's platform window. Frames that keep no
 * cookie and have no platform storage are not stuck: the login first checks, in the frame, that our cookie is kept,
 * and otherwise offers to continue in a new top-level window, where the cookie is first-party (lti-login.ts).
 * `VerifiedLaunch.binding` says which binding a launch had.
 */

/** How long a login may take from initiation to the id_token post. */
export const STATE_TTL_MS = 10 * 60_000;
/** The path our state cookies are scoped to (the launch endpoints only). */
export const STATE_COOKIE_PATH = '/lti';

/** What a state says, once its seal is checked. */
export interface LoginState {
  readonly platformId: string;
  readonly nonce: string;
  readonly expiresAt: Date;
  /** The platform frame the state and nonce were put in (`lti_storage_target`), or null. */
  readonly storageTarget: string | null;
  /** sha256 of the browser secret set as a cookie, hex. */
  readonly browserHash: string;
}

/** A login started: the state for the auth request, its nonce, and the cookie that binds it to this browser. */
export interface StartedLogin {
  readonly state: string;
  readonly nonce: string;
  readonly cookie: { readonly name: string; readonly value: string };
}

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Seals and opens login states with a key derived from the server's secret. */
export class LoginStates {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHash('sha256').update(`lti-login-state\n${secret}`).digest();
  }

  /** A new state and nonce for a login to `platformId`. */
  start(platformId: string, storageTarget: string | null, now: Date): StartedLogin {
    const nonce = randomBytes(18).toString('base64url');
    const browserSecret = randomBytes(18).toString('base64url');
    const body = b64(JSON.stringify({ p: platformId, n: nonce, e: now.getTime() + STATE_TTL_MS, t: storageTarget, b: sha256(browserSecret) }));
    const state = `${body}.${this.mac(body)}`;
    return { state, nonce, cookie: { name: cookieName(state), value: browserSecret } };
  }

  /** The state's contents; refused when it is not one of ours, was altered, or has expired. */
  open(state: string, now: Date): LoginState {
    const [body, mac, extra] = typeof state === 'string' ? state.split('.') : [];
    if (!body || !mac || extra !== undefined || !safeEqual(mac, this.mac(body))) {
      throw new UnauthenticatedError('The launch\'s "state" was not issued by this tool (or was altered). Start the launch again from the course page.');
    }
    const d = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { p: string; n: string; e: number; t: string | null; b: string };
    if (now.getTime() > d.e) throw new UnauthenticatedError('The launch took too long: its "state" has expired. Start the launch again from the course page.');
    return { platformId: d.p, nonce: d.n, expiresAt: new Date(d.e), storageTarget: d.t, browserHash: d.b };
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}

/** The cookie that carries a state's browser secret: one per login, so launches in two tabs do not overwrite each other. */
export function cookieName(state: string): string {
  return `lti_state_${sha256(state).slice(0, 20)}`;
}

/** Whether `browserSecret` is the one whose hash the state carries. */
export function matchesBrowser(state: LoginState, browserSecret: string): boolean {
  return safeEqual(sha256(browserSecret), state.browserHash);
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
