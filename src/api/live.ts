import { GraphQLError, print, subscribe, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { SESSION_EVENT_TYPES } from '../domain/session/events.js';
import { getMonitorRow } from '../projections/monitor/queries.js';
import type { MonitorRow } from '../projections/monitor/row.js';
import { sessionIdOf } from '../projections/monitor/projection.js';
import { compilePredicate, parseQuery } from '../projections/search/index.js';
import type { AppliedBatch } from '../projections/runner.js';
import type { RecordedEvent } from '../store/event-store.js';
import { authorize, authorizeOn, can, visibilityScope } from './authorization.js';
import type { ApiContext } from './context.js';
import { toSession } from './session/mapping.js';
import { assertSearchable, eventDataFor } from './session/student-view.js';
import type { SessionActivity, SessionChange } from './session/session.type.js';
import { PushQueue } from './push-queue.js';

const SESSION_TYPES = new Set<string>(SESSION_EVENT_TYPES);
const STAFF_ONLY = new Set(['NoteAdded', 'ScoreComputed']);
/** Face-check reasons a test-taker is told, to retake the photo; whether a face matches is for the proctor to see. */
const RETAKE_REASONS = new Set(['no_face', 'several_faces', 'unreadable']);

/** What a test-taker sees of an event: staff-only ones not at all, a face check only as what would need a retake. */
function studentView(e: RecordedEvent): Record<string, unknown> | null {
  if (STAFF_ONLY.has(e.type)) return null;
  if (e.type !== 'FaceChecked') return e.data as Record<string, unknown>;
  const d = e.data as { photoId: string; reason?: string | null; faceCount?: number | null; at: string };
  const problem = d.reason && RETAKE_REASONS.has(d.reason) ? d.reason : null;
  return { photoId: d.photoId, problem, faceCount: problem ? (d.faceCount ?? null) : null, at: d.at };
}
/** Sessions a `sessionsChanged` source remembers as dropped from its subscribers' lists (≈100 bytes each). */
const MAX_HIDDEN = 100_000;

/**
 * Turns the runner's committed batches into an async iterable. Batches queue while the consumer is busy, so
 * nothing is dropped; `map` may turn one batch into any number of values.
 */
function fromBatches<T>(ctx: ApiContext, map: (batch: AppliedBatch) => Promise<T[]>): AsyncIterableIterator<T> {
  let off = () => {};
  const batches = new PushQueue<AppliedBatch>(() => off());
  off = ctx.core.runner.onApplied((batch) => batches.push(batch));
  const pending: T[] = [];
  // No sign-in check here: this source may serve a group of subscribers; each member checks its own.
  const iterator: AsyncIterableIterator<T> = {
    async next() {
      while (pending.length === 0) {
        const batch = await batches.next();
        if (batch.done) return { value: undefined, done: true };
        pending.push(...(await map(batch.value)));
      }
      return { value: pending.shift()!, done: false };
    },
    return: () => batches.return() as Promise<IteratorResult<T>>,
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

/**
 * The monitor rows a batch changed, read once per batch however many subscription groups ask: every group gets the
 * same batch object from the runner, so it keys the memo.
 */
const rowsOfBatch = new WeakMap<AppliedBatch, Map<string, Promise<MonitorRow | null>>>();
function rowOf(ctx: ApiContext, batch: AppliedBatch, sessionId: string): Promise<MonitorRow | null> {
  let rows = rowsOfBatch.get(batch);
  if (!rows) {
    rows = new Map();
    rowsOfBatch.set(batch, rows);
  }
  let row = rows.get(sessionId);
  if (!row) {
    row = getMonitorRow(ctx.core.db, sessionId);
    rows.set(sessionId, row);
  }
  return row;
}

/** Last event per session in a batch, in batch order. */
function changedSessions(events: readonly RecordedEvent[]): Map<string, RecordedEvent> {
  const out = new Map<string, RecordedEvent>();
  for (const e of events) if (SESSION_TYPES.has(e.type)) out.set(sessionIdOf(e), e);
  return out;
}

/**
 * Source of `sessionsChanged(query)`: after each committed batch, one list of the changed sessions the subscriber may
 * read, with whether each matches the query now (a `false` tells the client to drop it). One message per batch, not
 * per event: under load batches grow, so the messages a socket gets per second stay bounded. Authorisation is
 * checked per session, per batch.
 */
export function sessionsChangedSource(ctx: ApiContext, query: string | null): AsyncIterableIterator<SessionChange[]> {
  authorize(ctx.actor, 'session.read');
  const parsed = query?.trim() ? parseQuery(query) : null;
  if (parsed) assertSearchable(ctx.actor, parsed);
  const predicate = parsed ? compilePredicate(parsed) : () => true;
  // Sessions last reported as not matching, and when. Their next changes that still do not match are news to nobody
  // (a list dropped them already) and are not sent, unless a subscriber joined since: its list, read before it
  // subscribed, may still hold the session, so the next such change goes out once more. With searches that match a
  // few sessions out of many, this is most of the messages.
  const hidden = new Map<string, number>();
  return fromBatches(ctx, async (batch) => {
    const changes: SessionChange[] = [];
    for (const [id, last] of changedSessions(batch.events)) {
      const row = await rowOf(ctx, batch, id);
      if (!row || !can(ctx.actor, 'session.read', row)) continue;
      const matches = predicate(row);
      if (matches) hidden.delete(id);
      else {
        const since = hidden.get(id);
        if (since !== undefined && since > (ctx.sharedGroup?.lastJoinAt ?? -Infinity)) continue;
        if (hidden.size >= MAX_HIDDEN) hidden.clear(); // forgetting only costs messages
        hidden.set(id, performance.now());
      }
      changes.push({ event: last.type, session: toSession(row), matches });
    }
    return changes.length ? [changes] : [];
  });
}

/** Source of `sessionActivity(id)`: each event of one session, as committed. Students do not see staff-only events. */
export async function sessionActivitySource(ctx: ApiContext, sessionId: string): Promise<AsyncIterableIterator<SessionActivity>> {
  authorizeOn(ctx.actor, 'session.read', sessionId, await getMonitorRow(ctx.core.db, sessionId));
  return fromBatches(ctx, async (batch) => {
    const mine = batch.events.filter((e) => SESSION_TYPES.has(e.type) && sessionIdOf(e) === sessionId);
    if (mine.length === 0) return [];
    const current = await rowOf(ctx, batch, sessionId);
    if (!current || !can(ctx.actor, 'session.read', current)) return [];
    const student = ctx.actor?.role === 'student';
    return mine.flatMap((e) => {
      const data = student ? studentView(e) : e.data;
      if (data === null) return [];
      return [{
        sessionId,
        seq: e.streamVersion,
        type: e.type,
        at: new Date(((e.data as { at?: string }).at ?? e.recordedAt.toISOString())),
        actor: (e.metadata.actor as string | undefined) ?? null,
        data: eventDataFor(ctx.actor, e.type, data),
      }];
    });
  });
}

type SubscribeResult = AsyncIterableIterator<ExecutionResult> | ExecutionResult;

/**
 * Where a subscriber's `next` messages go when its group writes them itself: the subscription id its client chose,
 * and its socket. `send` writes one complete graphql-ws message as a text frame.
 */
export interface Outlet {
  readonly id: string;
  send(message: Buffer): void;
}

/** What a group applies to each result before it is serialised once for all its members (errors made safe to show). */
export type FormatResult = (result: ExecutionResult) => ExecutionResult | Record<string, unknown>;

const NEXT_TAIL = Buffer.from('}');
/** The bytes before the payload of a graphql-ws `next` message: all that differs between two members of a group. */
const nextHead = (id: string) => Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`);

/**
 * Runs each distinct subscription once and multicasts its results: subscribers with the same document, variables
 * and visibility scope share one source stream, one execution and one serialisation per event, whatever the number
 * of sockets. A member with an outlet gets each result written straight to its socket (its bytes are the group's
 * payload between a head with its id and a closing brace); graphql-ws still owns the subscription: it completes it,
 * reports a failure of the source, and sends the error that ends a member whose sign-in expired.
 */
export function sharedSubscriptions(options: { format?: FormatResult } = {}) {
  const format = options.format ?? ((result: ExecutionResult) => result);
  const groups = new Map<string, Group>();
  let joined = 0;

  class Group {
    private readonly members = new Set<Member>();
    private started: Promise<SubscribeResult> | null = null;
    private source: AsyncIterableIterator<ExecutionResult> | null = null;
    private closed = false;
    private readonly info = { lastJoinAt: performance.now() };
    private readonly args: ExecutionArgs;
    constructor(private readonly key: string, args: ExecutionArgs) {
      // The shared execution's context tells its source when members join (see ApiContext.sharedGroup).
      this.args = { ...args, contextValue: { ...(args.contextValue as ApiContext), sharedGroup: this.info } };
    }

    async join(args: ExecutionArgs, outlet: Outlet | undefined): Promise<SubscribeResult> {
      this.started ??= Promise.resolve(subscribe(this.args)) as Promise<SubscribeResult>;
      const result = await this.started;
      if (!(Symbol.asyncIterator in result)) {
        this.forget();
        return result;
      }
      if (this.closed) return subscribeShared(args, outlet); // its last member left while this one was joining
      if (!this.source) {
        this.source = result;
        void this.pump();
      }
      const member = new Member(args.contextValue as ApiContext, outlet, () => this.leave(member));
      this.members.add(member);
      this.info.lastJoinAt = performance.now();
      joined += 1;
      return member;
    }

    private async pump(): Promise<void> {
      try {
        for await (const value of this.source!) {
          // Writes are synchronous and the runner yields to the event loop between batches, so there is no yield here:
          // one would only put this group's next result behind whatever else is queued.
          let payload: Buffer | null = null; // serialised once, on the first member that writes its own messages
          for (const m of this.members) {
            if (m.outlet) m.deliver((payload ??= Buffer.from(JSON.stringify(format(value)))), value);
            else m.deliver(null, value);
          }
        }
      } catch (error) {
        for (const m of this.members) m.fail(error);
      } finally {
        this.closed = true;
        this.forget();
        for (const m of this.members) m.end();
      }
    }

    private leave(member: Member): void {
      this.members.delete(member);
      if (this.members.size === 0 && !this.closed) {
        this.closed = true;
        this.forget();
        void this.source?.return?.();
      }
    }

    /** Off the map, unless a newer group of the same key has taken its place. */
    private forget(): void {
      if (groups.get(this.key) === this) groups.delete(this.key);
    }

    get size(): number {
      return this.members.size;
    }

    holds(id: string): boolean {
      for (const m of this.members) if (m.outlet?.id === id) return true;
      return false;
    }
  }

  /**
   * One subscriber of a group. With an outlet, results go straight to its socket and its queue only ever carries the
   * end (or the expired sign-in's error) to graphql-ws; without one, results wait in its queue. Its sign-in is checked
   * at every result: once expired, it gets that error instead, leaves the group and ends.
   */
  class Member extends PushQueue<ExecutionResult> {
    private readonly head: Buffer | null;
    private stopped = false;
    constructor(private readonly ctx: ApiContext, readonly outlet: Outlet | undefined, private readonly leaveGroup: () => void) {
      super(() => {
        this.stopped = true;
        leaveGroup();
      });
      this.head = outlet ? nextHead(outlet.id) : null;
    }

    deliver(payload: Buffer | null, value: ExecutionResult): void {
      if (this.stopped) return;
      const expiresAt = this.ctx.actor?.expiresAt;
      const expired = expiresAt !== undefined && expiresAt.getTime() <= Date.now();
      if (expired || (this.ctx.stillSignedIn && !this.ctx.stillSignedIn())) {
        this.stopped = true;
        this.leaveGroup();
        const why = expired ? 'the sign-in has expired; sign in again' : 'this sign-in is no longer valid (account disabled or password changed)';
        const error = new GraphQLError(why, { extensions: { code: 'UNAUTHENTICATED' } });
        this.push({ errors: [error] });
        this.end();
      } else if (payload && this.outlet) {
        this.outlet.send(Buffer.concat([this.head!, payload, NEXT_TAIL], this.head!.length + payload.length + NEXT_TAIL.length));
      } else {
        this.push(value);
      }
    }
  }

  /** Joins (or starts) the group of `args`; with an `outlet`, the group writes this subscriber's results itself. */
  function subscribeShared(args: ExecutionArgs, outlet?: Outlet): Promise<SubscribeResult> {
    const ctx = args.contextValue as ApiContext;
    const scope = ctx.actor ? visibilityScope(ctx.actor) : 'anonymous';
    const key = JSON.stringify([print(args.document), args.operationName ?? null, args.variableValues ?? {}, scope]);
    let group = groups.get(key);
    if (!group) {
      group = new Group(key, args);
      groups.set(key, group);
    }
    return group.join(args, outlet);
  }

  return {
    subscribe: subscribeShared,
    /** Whether a subscriber with this graphql-ws subscription id is in a group now (tests wait for it). */
    holds(subscriptionId: string): boolean {
      for (const g of groups.values()) if (g.holds(subscriptionId)) return true;
      return false;
    },
    /** Distinct executions running now, the subscribers they serve, and how many ever joined (benchmark, tests). */
    stats() {
      let members = 0;
      for (const g of groups.values()) members += g.size;
      return { groups: groups.size, members, joined };
    },
  };
}
