import type { Client } from '@urql/core';
import type { Session } from '../../../../src/domain/session/state.js';
import { auth } from '../auth.svelte.js';
import { ApiError, request } from '../client.js';
import { describeEntry, type EventLine } from '../event-list.js';
import type { SegmentRef } from '../playback.js';
import { OPEN_REPLAY, REPLAY_SESSION } from './documents.js';
import { eventTime, foldStream, stepAtTime, stepView, type ReplayEvent, type StepView } from './replay.js';
import { verifyStream, type ChainReport, type SignedAnchor } from './verify.js';

/** One line of the replay's event list: the event, the protocol's words for it, and its link's verdict. */
export interface ReplayLine {
  index: number;
  event: ReplayEvent;
  line: EventLine;
}

/**
 * The replay screen: opens the stream (the server records who did), folds it with the domain's own `evolve`, checks
 * its chain, and keeps the step the auditor is on. Steps move among the events the type filter shows; the state is
 * always the fold of every event up to the step, shown or not.
 */
export class ReplayState {
  events = $state<ReplayEvent[]>([]);
  states: Session[] = [];
  streamId = $state('');
  name = $state('');
  student = $state('');
  startMs = $state(0);
  recordings = $state<SegmentRef[]>([]);
  report = $state<ChainReport | null>(null);
  index = $state(0);
  filter = $state('');
  error = $state<string | null>(null);
  loaded = $state(false);

  readonly types = $derived([...new Set(this.events.map((e) => e.type))].sort());
  readonly shown = $derived(this.events.flatMap((e, i) => (this.filter && e.type !== this.filter ? [] : [i])));
  readonly current = $derived(this.events[this.index] ?? null);
  readonly view = $derived<StepView | null>(this.current ? stepView(this.states[this.index], eventTime(this.current)) : null);
  readonly lines = $derived<ReplayLine[]>(this.shown.map((i) => ({ index: i, event: this.events[i], line: describeEntry(this.entry(this.events[i])) })));
  /** Where the recording should be, in minutes from the session's start. */
  readonly position = $derived(this.current ? Math.max(0, (Date.parse(eventTime(this.current)) - this.startMs) / 60_000) : 0);

  constructor(private readonly client: Client, readonly sessionId: string) {}

  async load(): Promise<void> {
    try {
      const [{ openReplay: r }, { session }] = await Promise.all([
        request(this.client, OPEN_REPLAY, { id: this.sessionId }, 'mutation'),
        request(this.client, REPLAY_SESSION, { id: this.sessionId }),
      ]);
      const events = r.events as ReplayEvent[];
      this.states = foldStream(events);
      this.events = events;
      this.streamId = r.streamId;
      this.name = session.name;
      this.student = session.studentName ? `${session.studentName} (${session.student})` : session.student;
      this.startMs = Date.parse(session.startedAt ?? session.createdAt);
      this.recordings = session.recordings;
      this.loaded = true;
      this.report = await verifyStream(r.streamId, events, r.anchor as SignedAnchor | null, r.publicKey);
    } catch (e) {
      this.error = e instanceof ApiError ? e.message : `could not replay: ${(e as Error).message}`;
    }
  }

  /** Moves `by` shown events forward (or back); stays put at either end. */
  step(by: number): void {
    const at = Math.max(0, this.shown.indexOf(this.index));
    const next = this.shown[Math.min(this.shown.length - 1, Math.max(0, at + by))];
    if (next !== undefined) this.index = next;
  }

  edge(last: boolean): void {
    const i = last ? this.shown.at(-1) : this.shown[0];
    if (i !== undefined) this.index = i;
  }

  setFilter(type: string): void {
    this.filter = type;
    if (this.shown.length && !this.shown.includes(this.index)) this.index = stepAtTime(this.events, this.shown, Date.parse(eventTime(this.events[this.index]))) ?? this.index;
  }

  /** Goes to the last shown event at or before `local` (a datetime-local value, the browser's time zone). */
  jump(local: string): boolean {
    const at = new Date(local).getTime();
    if (Number.isNaN(at)) return false;
    const i = stepAtTime(this.events, this.shown, at);
    if (i !== null) this.index = i;
    return i !== null;
  }

  /** Downloads the stream for an outside auditor (recorded by the server) as a .jsonl file. */
  async exportFile(): Promise<void> {
    this.error = null;
    const res = await fetch(`/audit/sessions/${encodeURIComponent(this.sessionId)}/stream.jsonl`, { headers: { authorization: `Bearer ${auth.token}` } });
    if (!res.ok) {
      this.error = `the export was refused: ${((await res.json().catch(() => ({}))) as { error?: string }).error ?? res.status}`;
      return;
    }
    const link = document.createElement('a');
    link.href = URL.createObjectURL(await res.blob());
    link.download = `${this.streamId || 'stream'}.jsonl`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
  }

  private entry(e: ReplayEvent) {
    const actor = (e.metadata as { actor?: unknown } | null)?.actor;
    return { seq: e.streamVersion, kind: 'state', type: e.type, at: eventTime(e), actor: typeof actor === 'string' ? actor : null, data: (e.data ?? {}) as Record<string, unknown> };
  }
}
