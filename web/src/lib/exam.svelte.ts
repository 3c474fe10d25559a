import type { Client } from '@urql/core';
import { ChatState } from './chat.svelte.js';
import { follow, request, uploadFile } from './client.js';
import { connection } from './connection.svelte.js';
import { ACTIVITY, CHECK_IN, FINISH, SESSION, START, SUBMIT_PHOTO } from './documents.js';
import { ENDED_STATUSES, type ActivityView, type MessageView, type SessionView } from './types.js';
import { retakePrompt, type PhotoKind } from './faces.js';
import { EXAM_STEPS } from './templates/documents.js';
import { ALWAYS, awaitingApproval, photoKinds, type ExamStepsView } from './templates/exam-steps.js';

/**
 * What the LMS test content may do inside our page: run its scripts, send its forms, keep its own cookies (its origin),
 * open a help window and ask a confirmation. Not navigate our page away, not download, not lock the pointer.
 */
export const TEST_CONTENT_SANDBOX = 'allow-scripts allow-forms allow-same-origin allow-popups allow-modals';

export type Step = 'loading' | 'book' | 'rules' | 'check' | 'identity' | 'approval' | 'exam' | 'ended' | 'error';

/** How long the identity step waits for the server's verdict on a photo before it lets the exam start anyway. */
const VERDICT_WAIT_MS = 20_000;

/**
 * The server's verdict on the latest identity photo of a kind: `checking` until its face check arrives over the
 * activity stream, then `ok` or `retake` (with the words to show); `slow` when it takes longer than the step waits.
 */
export interface PhotoCheck {
  photoId: string;
  state: 'checking' | 'ok' | 'retake' | 'slow';
  prompt: string | null;
}

/** Where the test-taker stands with check-in: before its window, in it, or after it closed. */
export type CheckInPhase = 'early' | 'open' | 'closed';

/**
 * The test-taker's way through one session: rules → compatibility check → identity photos → the proctor's approval →
 * exam → end, each stage only when the session's exam has it.
 */
export class ExamState {
  session = $state<SessionView | null>(null);
  step = $state<Step>('loading');
  error = $state<string | null>(null);
  now = $state(Date.now());
  photos = $state<{ face: string | null; document: string | null }>({ face: null, document: null });
  checks = $state<Record<PhotoKind, PhotoCheck | null>>({ face: null, document: null });
  /** The stages and addons of this session's exam. */
  steps = $state<ExamStepsView>(ALWAYS);
  /** The proctor who let the test-taker start, once one has (the approval stage). */
  approvedBy = $state<string | null>(null);
  /** The identity photos the server already holds (none asked for a retake). */
  private photosTaken: readonly string[] = [];
  /** The identity photos this exam asks for. */
  photoKinds = $derived(photoKinds(this.steps));
  /** The exam may start once every photo asked for is taken and none waits for its verdict or needs a retake. */
  identityReady = $derived(this.photoKinds.every((k) => !!this.photos[k] && this.checks[k]?.state !== 'checking' && this.checks[k]?.state !== 'retake'));
  awaitingApproval = $derived(awaitingApproval(this.steps, this.approvedBy));
  /** The proctor's call in progress (the media itself travels peer to peer). */
  callId = $state<string | null>(null);
  readonly chat: ChatState;
  remainingMs = $derived(
    this.session?.startedAt ? Date.parse(this.session.startedAt) + this.session.duration * 60_000 - this.now : (this.session?.duration ?? 0) * 60_000,
  );
  /** Only the first check-in has a window: a test-taker who checked in may come back to the page later. */
  checkInPhase = $derived.by((): CheckInPhase => {
    const s = this.session;
    if (!s || s.status !== 'scheduled') return 'open';
    if (s.checkInOpensAt && this.now < Date.parse(s.checkInOpensAt)) return 'early';
    if (s.checkInClosesAt && this.now > Date.parse(s.checkInClosesAt)) return 'closed';
    return 'open';
  });
  /** Milliseconds until check-in opens (the countdown). */
  opensInMs = $derived(this.session?.checkInOpensAt ? Date.parse(this.session.checkInOpensAt) - this.now : 0);
  private stops: Array<() => void> = [];

  /** The proctor's message that blocked the content, shown over it. */
  get incident(): MessageView | null {
    return this.session?.blocked ? ([...this.chat.messages].reverse().find((m) => m.incident && m.role !== 'student') ?? null) : null;
  }

  constructor(
    private readonly client: Client,
    readonly sessionId: string,
  ) {
    this.chat = new ChatState(client, sessionId);
  }

  /** The test-taker chose a time for a self-scheduled session: on to the rules. */
  booked(session: SessionView): void {
    this.session = session;
    this.step = 'rules';
  }

  async open(): Promise<void> {
    try {
      // Subscribed before the session and the chat are read, so what happens meanwhile (the proctor pausing or ending
      // the exam as the page opens) is not lost: it waits until they are in, then applies on top of them.
      let early: ActivityView[] | null = [];
      const activity = follow(ACTIVITY, { id: this.sessionId }, (d) => {
        if (early) early.push(d.sessionActivity);
        else void this.onActivity(d.sessionActivity);
      });
      this.stops.push(activity.stop);
      await activity.subscribed;
      await this.reload();
      const s = this.session!;
      this.step = ENDED_STATUSES.has(s.status) ? 'ended' : s.status === 'in_progress' || s.status === 'paused' ? 'exam' : s.selfScheduling && !s.booked ? 'book' : this.photosSent ? 'approval' : 'rules';
      await this.chat.load();
      const missed: ActivityView[] = early;
      early = null;
      for (const a of missed) await this.onActivity(a);
      const timer = setInterval(() => (this.now = Date.now()), 1000);
      this.stops.push(() => clearInterval(timer));
      // Events sent while the connection was down never arrive: after a reconnect, ask whether the session ended.
      this.stops.push($effect.root(() => {
        let wasOffline = false;
        $effect(() => {
          if (!connection.online) wasOffline = true;
          else if (wasOffline) {
            wasOffline = false;
            void this.reload().then(() => this.endIfOver()).catch(() => {});
          }
        });
      }));
    } catch (error) {
      this.error = (error as Error).message;
      this.step = 'error';
    }
  }

  private async reload(): Promise<void> {
    const [data, steps] = await Promise.all([request(this.client, SESSION, { id: this.sessionId }), this.loadSteps()]);
    this.session = data.session;
    this.steps = steps?.examSteps ?? ALWAYS;
    this.approvedBy = steps?.approvedBy ?? null;
    this.photosTaken = steps?.identityPhotosTaken ?? [];
  }

  /**
   * Checked in, every photo asked for is with the server and the exam waits for the proctor: a page reloaded there
   * goes back to the wait, not to the rules and the camera again.
   */
  private get photosSent(): boolean {
    return this.session?.status === 'waiting' && this.steps.stages.proctorApproval && this.photoKinds.length > 0 && this.photoKinds.every((k) => this.photosTaken.includes(k));
  }

  private async loadSteps() {
    return (await request(this.client, EXAM_STEPS, { id: this.sessionId })).session;
  }

  private async onActivity(a: ActivityView): Promise<void> {
    if (!this.session) return;
    switch (a.type) {
      case 'MessageSent':
        await this.chat.received(a);
        break;
      case 'FaceChecked':
        this.onFaceChecked(String(a.data.photoId), (a.data.problem as string | null) ?? null, (a.data.faceCount as number | null) ?? null);
        break;
      case 'IdentityVerified':
        if (a.data.method === 'proctor') this.approvedBy = String(a.data.by);
        break;
      case 'CallStarted':
        this.callId = String(a.data.callId);
        break;
      case 'CallEnded':
        this.callId = null;
        break;
      case 'ContentBlocked':
        this.session = { ...this.session, blocked: true };
        break;
      case 'ContentUnblocked':
        this.session = { ...this.session, blocked: false };
        break;
      case 'SessionFinished':
      case 'SessionCancelled':
        // Whoever ended it, the exam page goes at once, and with it camera, screen and recording.
        this.step = 'ended';
        await this.reload();
        break;
      case 'SessionConcluded':
      case 'SessionPaused':
      case 'SessionResumed':
        await this.reload();
        this.endIfOver();
        break;
    }
  }

  private onFaceChecked(photoId: string, problem: string | null, faceCount: number | null): void {
    for (const kind of ['face', 'document'] as const) {
      if (this.checks[kind]?.photoId !== photoId) continue;
      const prompt = retakePrompt(kind, problem, faceCount);
      this.checks = { ...this.checks, [kind]: { photoId, state: prompt ? 'retake' : 'ok', prompt } };
    }
  }

  private endIfOver(): void {
    if (this.session && ENDED_STATUSES.has(this.session.status)) this.step = 'ended';
  }

  acceptRules(): void {
    // Without the compatibility check nothing was checked: the browser is not reported as unsupported for it.
    if (this.steps.stages.compatibilityCheck) this.step = 'check';
    else void this.checkIn(true);
  }

  async checkIn(browserSupported: boolean): Promise<void> {
    await this.run(async () => {
      const data = await request(
        this.client, CHECK_IN, { id: this.sessionId, ua: navigator.userAgent, ok: browserSupported }, 'mutation',
      );
      this.session = data.checkIn;
      if (this.photoKinds.length) this.step = 'identity';
      else await this.proceed();
    });
  }

  /** On from the photos: to the wait for the proctor's approval when the exam has it and none came yet, else the start. */
  async proceed(): Promise<void> {
    if (this.awaitingApproval) this.step = 'approval';
    else await this.start();
  }

  async submitPhoto(kind: 'face' | 'document', photo: Blob): Promise<void> {
    await this.run(async () => {
      const { fileId } = await uploadFile(this.sessionId, photo, `${kind}.jpg`, kind);
      // Waiting for this photo's verdict before it is submitted: the server may answer before the mutation returns.
      this.checks = { ...this.checks, [kind]: { photoId: fileId, state: 'checking', prompt: null } };
      const slow = setTimeout(() => {
        if (this.checks[kind]?.photoId === fileId && this.checks[kind]?.state === 'checking') this.checks = { ...this.checks, [kind]: { photoId: fileId, state: 'slow', prompt: null } };
      }, VERDICT_WAIT_MS);
      this.stops.push(() => clearTimeout(slow));
      try {
        await request(this.client, SUBMIT_PHOTO, { id: this.sessionId, p: fileId, k: kind }, 'mutation');
      } catch (error) {
        this.checks = { ...this.checks, [kind]: null };
        throw error;
      }
      if (this.photos[kind]) URL.revokeObjectURL(this.photos[kind]!);
      this.photos = { ...this.photos, [kind]: URL.createObjectURL(photo) };
    });
  }

  async start(): Promise<void> {
    await this.run(async () => {
      const data = await request(this.client, START, { id: this.sessionId }, 'mutation');
      this.session = data.startSession;
      this.step = 'exam';
    });
  }

  async finish(): Promise<void> {
    await this.run(async () => {
      const data = await request(this.client, FINISH, { id: this.sessionId }, 'mutation');
      this.session = data.finishSession;
      this.step = 'ended';
    });
  }

  private async run(action: () => Promise<void>): Promise<void> {
    this.error = null;
    try {
      await action();
    } catch (error) {
      this.error = (error as Error).message;
    }
  }

  dispose(): void {
    for (const stop of this.stops) stop();
  }
}
