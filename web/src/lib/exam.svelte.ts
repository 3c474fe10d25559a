import type { Client } from '@urql/core';
import { ChatState } from './chat.svelte.js';
import { live, request, uploadFile } from './client.js';
import { ACTIVITY, CHECK_IN, FINISH, SESSION, START, SUBMIT_PHOTO } from './documents.js';
import type { ActivityView, MessageView, SessionView } from './types.js';

export type Step = 'loading' | 'book' | 'rules' | 'check' | 'identity' | 'exam' | 'ended' | 'error';

const ENDED = new Set(['finished', 'concluded', 'cancelled']);

/** The test-taker's way through one session: rules → compatibility check → identity photos → exam → end. */
export class ExamState {
  session = $state<SessionView | null>(null);
  step = $state<Step>('loading');
  error = $state<string | null>(null);
  now = $state(Date.now());
  photos = $state<{ face: string | null; document: string | null }>({ face: null, document: null });
  /** The proctor's call in progress (the media itself travels peer to peer). */
  callId = $state<string | null>(null);
  readonly chat: ChatState;
  remainingMs = $derived(
    this.session?.startedAt ? Date.parse(this.session.startedAt) + this.session.duration * 60_000 - this.now : (this.session?.duration ?? 0) * 60_000,
  );
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
      await this.reload();
      const s = this.session!;
      this.step = ENDED.has(s.status) ? 'ended' : s.status === 'in_progress' || s.status === 'paused' ? 'exam' : s.selfScheduling && !s.booked ? 'book' : 'rules';
      await this.chat.load();
      this.stops.push(live<{ sessionActivity: ActivityView }, { id: string }>(this.client, ACTIVITY, { id: this.sessionId }, (d) => void this.onActivity(d.sessionActivity)));
      const timer = setInterval(() => (this.now = Date.now()), 1000);
      this.stops.push(() => clearInterval(timer));
    } catch (error) {
      this.error = (error as Error).message;
      this.step = 'error';
    }
  }

  private async reload(): Promise<void> {
    const data = await request<{ session: SessionView }, { id: string }>(this.client, SESSION, { id: this.sessionId });
    this.session = data.session;
  }

  private async onActivity(a: ActivityView): Promise<void> {
    if (!this.session) return;
    switch (a.type) {
      case 'MessageSent':
        if (a.data.attachmentId) await this.chat.load(); // the attachment's name and type come with the chat query
        else this.chat.add({ id: String(a.data.messageId), from: String(a.data.from), role: String(a.data.role), text: String(a.data.text), incident: Boolean(a.data.incident), at: a.at, attachment: null } satisfies MessageView);
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
      case 'SessionConcluded':
      case 'SessionCancelled':
      case 'SessionPaused':
      case 'SessionResumed':
        await this.reload();
        if (this.session && ENDED.has(this.session.status)) this.step = 'ended';
        break;
    }
  }

  acceptRules(): void {
    this.step = 'check';
  }

  async checkIn(browserSupported: boolean): Promise<void> {
    await this.run(async () => {
      const data = await request<{ checkIn: SessionView }, { id: string; ua: string; ok: boolean }>(
        this.client, CHECK_IN, { id: this.sessionId, ua: navigator.userAgent, ok: browserSupported }, 'mutation',
      );
      this.session = data.checkIn;
      this.step = 'identity';
    });
  }

  async submitPhoto(kind: 'face' | 'document', photo: Blob): Promise<void> {
    await this.run(async () => {
      const { fileId } = await uploadFile(this.sessionId, photo, `${kind}.jpg`, kind);
      await request(this.client, SUBMIT_PHOTO, { id: this.sessionId, p: fileId, k: kind }, 'mutation');
      if (this.photos[kind]) URL.revokeObjectURL(this.photos[kind]!);
      this.photos = { ...this.photos, [kind]: URL.createObjectURL(photo) };
    });
  }

  async start(): Promise<void> {
    await this.run(async () => {
      const data = await request<{ startSession: SessionView }, { id: string }>(this.client, START, { id: this.sessionId }, 'mutation');
      this.session = data.startSession;
      this.step = 'exam';
    });
  }

  async finish(): Promise<void> {
    await this.run(async () => {
      const data = await request<{ finishSession: SessionView }, { id: string }>(this.client, FINISH, { id: this.sessionId }, 'mutation');
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
