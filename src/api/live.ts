import { GraphQLError, print, subscribe, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { SESSION_EVENT_TYPES } from '../domain/session/events.js';
import { getMonitorRow } from '../projections/monitor/queries.js';
import type { MonitorRow } from '../projections/monitor/row.js';
import { sessionIdOf } from '../projections/monitor/projection.js';
import { compilePredicate, parseQuery } from '../projections/search/index.js';
import type { AppliedBatch } from '../projections/runner.js';
import type { RecordedEvent } from '../store/event-store.js';
import { authorize, can, visibilityScope } from './authorization.js';
import type { ApiContext } from './context.js';
import { toSession } from './session/mapping.js';
import type { SessionActivity, SessionChange } from './session/session.type.js';
import { PushQueue } from './push-queue.js';

const SESSION_TYPES = new Set<string>(SESSION_EVENT_TYPES);
const STAFF_ONLY = new Set(['NoteAdded', 'FaceChecked', 'ScoreComputed']);

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
  const predicate = query?.trim() ? compilePredicate(parseQuery(query)) : () => true;
  return fromBatches(ctx, async (batch) => {
    const changes: SessionChange[] = [];
    for (const [id, last] of changedSessions(batch.events)) {
      const row = await rowOf(ctx, batch, id);
      if (!row || !can(ctx.actor, 'session.read', row)) continue;
      changes.push({ event: last.type, session: toSession(row), matches: predicate(row) });
    }
    return changes.length ? [changes] : [];
  });
}

/** Source of `sessionActivity(id)`: each event of one session, as committed. Students do not see staff-only events. */
export async function sessionActivitySource(ctx: ApiContext, sessionId: string): Promise<AsyncIterableIterator<SessionActivity>> {
  const row = await getMonitorRow(ctx.core.db, sessionId);
  authorize(ctx.actor, 'session.read', row ?? undefined);
  if (!row) authorize(ctx.actor, 'session.events');
  return fromBatches(ctx, async (batch) => {
    const mine = batch.events.filter((e) => SESSION_TYPES.has(e.type) && sessionIdOf(e) === sessionId);
    if (mine.length === 0) return [];
    const current = await rowOf(ctx, batch, sessionId);
    if (!current || !can(ctx.actor, 'session.read', current)) return [];
    return mine
      .filter((e) => ctx.actor?.role !== 'student' || !STAFF_ONLY.has(e.type))
      .map((e) => ({
        sessionId,
        seq: e.streamVersion,
        type: e.type,
        at: new Date(((e.data as { at?: string }).at ?? e.recordedAt.toISOString())),
        actor: (e.metadata.actor as string | undefined) ?? null,
        data: e.data,
      }));
  });
}

type SubscribeResult = AsyncIterableIterator<ExecutionResult> | ExecutionResult;

/**
 * Runs each distinct subscription once and multicasts its results: subscribers with the same document, variables
 * and visibility scope share one source stream and one execution per event, whatever the number of sockets.
 */
export function sharedSubscriptions() {
  const groups = new Map<string, Group>();
  let joined = 0;

  class Group {
    private readonly members = new Set<Member>();
    private started: Promise<SubscribeResult> | null = null;
    private source: AsyncIterableIterator<ExecutionResult> | null = null;
    constructor(private readonly key: string, private readonly args: ExecutionArgs) {}

    async join(ctx: ApiContext): Promise<SubscribeResult> {
      this.started ??= Promise.resolve(subscribe(this.args)) as Promise<SubscribeResult>;
      const result = await this.started;
      if (!(Symbol.asyncIterator in result)) {
        groups.delete(this.key);
        return result;
      }
      if (!this.source) {
        this.source = result;
        void this.pump();
      }
      const member = new Member(ctx, () => this.leave(member));
      this.members.add(member);
      joined += 1;
      return member;
    }

    private async pump(): Promise<void> {
      try {
        for await (const value of this.source!) {
          for (const m of this.members) m.push(value);
          await new Promise((resolve) => setImmediate(resolve)); // let sockets and timers run between results
        }
      } catch (error) {
        for (const m of this.members) m.fail(error);
      } finally {
        groups.delete(this.key);
        for (const m of this.members) m.end();
      }
    }

    private leave(member: Member): void {
      this.members.delete(member);
      if (this.members.size === 0) {
        groups.delete(this.key);
        void this.source?.return?.();
      }
    }

    get size(): number {
      return this.members.size;
    }
  }

  /** One subscriber of a group: its own queue of the group's results; an expired sign-in ends it with an error. */
  class Member extends PushQueue<ExecutionResult> {
    private expired = false;
    constructor(private readonly ctx: ApiContext, onLeave: () => void) {
      super(onLeave);
    }

    override async next(): Promise<IteratorResult<ExecutionResult>> {
      if (this.expired) return { value: undefined, done: true };
      const expiredNow = () => Boolean(this.ctx.actor?.expiresAt && this.ctx.actor.expiresAt.getTime() <= Date.now());
      const result = expiredNow() ? null : await super.next();
      if (result && (result.done || !expiredNow())) return result;
      // Checked again after the wait: a result that arrives after the sign-in expired is not sent.
      this.expired = true;
      await this.return();
      const error = new GraphQLError('the sign-in has expired; sign in again', { extensions: { code: 'UNAUTHENTICATED' } });
      return { value: { errors: [error] }, done: false };
    }
  }

  return {
    subscribe(args: ExecutionArgs): Promise<SubscribeResult> {
      const ctx = args.contextValue as ApiContext;
      const scope = ctx.actor ? visibilityScope(ctx.actor) : 'anonymous';
      const key = JSON.stringify([print(args.document), args.operationName ?? null, args.variableValues ?? {}, scope]);
      let group = groups.get(key);
      if (!group) {
        group = new Group(key, args);
        groups.set(key, group);
      }
      return group.join(ctx);
    },
    /** Distinct executions running now, the subscribers they serve, and how many ever joined (benchmark, tests). */
    stats() {
      let members = 0;
      for (const g of groups.values()) members += g.size;
      return { groups: groups.size, members, joined };
    },
  };
}
