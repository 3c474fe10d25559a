import type { Client } from '@urql/core';
import { auth, signIn, signOut } from '../auth.svelte.js';
import { follow, request } from '../client.js';
import { ACTIVITY, CONNECT_MOBILE, MOBILE_LINK, SESSION } from '../documents.js';
import { createMobileMedia } from './engine.js';
import type { ParticipantMedia } from './ports.js';
import { ENDED_STATUSES } from '../types.js';

/** How often the phone tells the test-taker's computer it is there (the computer reports n2 after 6 s of silence). */
const HEARTBEAT_MS = 2000;
const ENDED = new Set(['SessionFinished', 'SessionConcluded', 'SessionCancelled']);

/**
 * The phone of a second camera: trades the QR code's short-lived link for a token that may only publish and record
 * its camera in this session, then sends its camera to the proctors and into the recording, and keeps telling the
 * test-taker's computer it is alive. A reload keeps the token (this tab's storage), so the link need not be fresh.
 */
export class MobileCamera {
  state = $state<'connecting' | 'live' | 'ended' | 'error'>('connecting');
  error = $state<string | null>(null);
  media = $state<ParticipantMedia | null>(null);
  private stops: Array<() => void> = [];

  constructor(private readonly client: Client, readonly sessionId: string) {}

  async start(linkToken: string | null): Promise<void> {
    let student = auth.user?.username.replace(/~mobile$/, '') ?? '';
    if (linkToken) {
      signIn(linkToken, { username: '', role: 'student', displayName: '' });
      try {
        const { connectMobileCamera: c } = await request(
          this.client, CONNECT_MOBILE, { s: this.sessionId, ua: navigator.userAgent }, 'mutation',
        );
        signIn(c.token, { username: `${c.student}~mobile`, role: 'student', displayName: 'Mobile camera' });
        student = c.student;
      } catch (e) {
        signOut();
        return this.fail(`This link cannot connect a camera: ${(e as Error).message}. Show a new QR code on the exam page and scan it again.`);
      }
      history.replaceState(null, '', `${location.pathname}#/mobile/${encodeURIComponent(this.sessionId)}`); // the link is spent
    } else if (!auth.token || !student) {
      return this.fail('Open this page by scanning the QR code on the exam page.');
    }
    // Subscribed before the session is read and the camera starts: an end while it starts is heard, and one before it
    // (a phone reloaded after the exam) is read, so the page never stays live for an exam that is over.
    let over = false;
    const activity = follow(ACTIVITY, { id: this.sessionId }, ({ sessionActivity: a }) => {
      if (!ENDED.has(a.type)) return;
      over = true;
      if (this.state === 'live') void this.end();
    });
    this.stops.push(activity.stop);
    await activity.subscribed;
    const read = await request(this.client, SESSION, { id: this.sessionId }).catch(() => null);
    if (over || (read?.session && ENDED_STATUSES.has(read.session.status))) return this.end();
    const media = createMobileMedia(this.client, this.sessionId);
    this.media = media;
    await media.start();
    if (over) return this.end();
    if (media.error) return this.fail(media.error);
    this.state = 'live';
    void media.heartbeat(student);
    const timer = setInterval(() => void media.heartbeat(student), HEARTBEAT_MS);
    this.stops.push(() => clearInterval(timer));
  }

  private fail(message: string): void {
    this.error = message;
    this.state = 'error';
  }

  private async end(): Promise<void> {
    this.state = 'ended';
    await this.stop();
  }

  async stop(): Promise<void> {
    for (const stop of this.stops.splice(0)) stop();
    await this.media?.stop();
  }
}

/** The test-taker's side of the link: a fresh one before the last expires, so the QR code on screen always works. */
export class MobileLink {
  url = $state<string | null>(null);
  error = $state<string | null>(null);
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly client: Client, readonly sessionId: string) {}

  async refresh(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    try {
      const { mobileCameraLink: link } = await request(this.client, MOBILE_LINK, { s: this.sessionId }, 'mutation');
      this.url = link.url;
      this.error = null;
      this.timer = setTimeout(() => void this.refresh(), Math.max(10_000, Date.parse(link.expiresAt) - Date.now() - 60_000));
    } catch (e) {
      this.error = (e as Error).message;
      this.timer = setTimeout(() => void this.refresh(), 10_000);
    }
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}
