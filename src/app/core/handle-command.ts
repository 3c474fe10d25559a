import { createHash } from 'node:crypto';
import type { CommandMetadata, Decider } from '../../domain/core/decider.js';
import { ConcurrencyError, IllegalStateError } from '../../domain/core/errors.js';
import type { EventStore, NewEvent, RecordedEvent } from '../../store/event-store.js';
import { RecentMap } from '../../store/recent-map.js';

interface DomainEvent {
  readonly type: string;
  readonly data: unknown;
}

export interface HandledCommand<State, Event> {
  readonly events: readonly Event[];
  readonly state: State;
  readonly version: number;
  /** True when this command id had already been handled: the stored events are returned and nothing new is written. */
  readonly replayed: boolean;
}

/** Event ids derived from the command id: a client retrying the same command appends nothing twice. */
export function eventIdFor(commandId: string, index: number): string {
  const h = createHash('sha256').update(`${commandId}:${index}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A stream's state as this node last wrote it: what `handleCommand` decides on before reading the stream again. */
export interface CachedState<State> {
  readonly state: State;
  readonly version: number;
}

/**
 * Recent streams' states for one decider (see `handleCommand`); a few thousand sessions are a few megabytes. It relies
 * on the store recognising a retried append by its event ids wherever it lands (every SQL store; KurrentDB only with
 * `claimEventIds`, its default): with a store that cannot, do not give `handleCommand` a cache.
 */
export class StateCache<State> extends RecentMap<string, CachedState<State>> {
  /** At most `capacity` states, or as many as `weigh` (a state's weight, 1 if not given) lets add up to it. */
  constructor(capacity = 2_000, weigh?: (state: State) => number) {
    super(capacity, weigh && ((cached) => weigh(cached.state)));
  }
}

/**
 * The write path: read the stream, fold it, decide, append with the version read. On a concurrent write the whole
 * cycle runs again on fresh state (up to `retries` times): the decider re-checks its rules every time, so a retry
 * can never break one.
 *
 * With a `cache`, the state this node last wrote is decided on without reading the stream: the append's expected
 * version proves it current. Whatever that cannot prove (another writer moved the stream, a retried command whose
 * events are stored, a refusal or a no-op that fresher state might decide otherwise) is decided again on the stream
 * as read, so answers are the same as without a cache.
 */
export async function handleCommand<Command extends { readonly type: string; readonly metadata: CommandMetadata }, Event extends DomainEvent, State>(
  store: EventStore,
  decider: Decider<Command, Event, State>,
  streamId: string,
  command: Command,
  options: { retries?: number; cache?: StateCache<State> } = {},
): Promise<HandledCommand<State, Event>> {
  const { cache } = options;
  const { actor, commandId } = command.metadata;
  const toAppend = (events: readonly Event[]) =>
    events.map((event, i) => ({ id: eventIdFor(commandId, i), type: event.type, data: event.data, metadata: { actor: actor.id, role: actor.role, commandId, command: command.type } }));

  if (cache) {
    const handled = await decideOnCache(store, decider, streamId, command, cache, toAppend);
    if (handled) return handled;
  }

  const retries = options.retries ?? 3;
  for (let attempt = 0; ; attempt++) {
    const stored = await store.readStream(streamId);
    const state = stored.reduce((s, e) => decider.evolve(s, e as unknown as Event), decider.initialState());
    const version = stored.length - 1;
    const earlier = stored.filter((e) => e.metadata.commandId === commandId);
    if (earlier.length > 0) {
      // A retry answers as the first run did; the same id for another command is the client's mistake, not a retry.
      const first = earlier[0].metadata.command;
      if (first !== undefined && first !== command.type) throw new IllegalStateError(`command id ${commandId} was used already, for ${first}`);
      return { events: earlier.map(asDomainEvent<Event>), state, version, replayed: true };
    }

    const events = decider.decide(command, state);
    if (events.length === 0) return { events, state, version, replayed: false };
    try {
      const result = await store.appendToStream(streamId, toAppend(events), { expectedVersion: version === -1 ? 'no_stream' : version });
      const next = events.reduce(decider.evolve, state);
      if (!result.idempotent) cache?.set(streamId, { state: next, version: result.nextExpectedVersion });
      return { events, state: next, version: result.nextExpectedVersion, replayed: false };
    } catch (error) {
      if (error instanceof ConcurrencyError && attempt < retries) continue;
      throw error;
    }
  }
}

/**
 * `handleCommand`'s shortcut: decides on the state this node last wrote and appends with its version. Null when that
 * proves nothing (no cached state, a refusal or no-op, another writer, a retried command): decide on the stream then.
 */
async function decideOnCache<Command extends { readonly type: string; readonly metadata: CommandMetadata }, Event extends DomainEvent, State>(
  store: EventStore,
  decider: Decider<Command, Event, State>,
  streamId: string,
  command: Command,
  cache: StateCache<State>,
  toAppend: (events: readonly Event[]) => NewEvent[],
): Promise<HandledCommand<State, Event> | null> {
  const cached = cache.get(streamId);
  if (!cached) return null;
  cache.delete(streamId); // back only once the append proves it current
  let events: readonly Event[] = [];
  try {
    events = decider.decide(command, cached.state);
  } catch {
    return null; // decided again on the stream as stored
  }
  if (events.length === 0) return null;
  try {
    const result = await store.appendToStream(streamId, toAppend(events), { expectedVersion: cached.version === -1 ? 'no_stream' : cached.version });
    if (result.idempotent) return null;
    const state = events.reduce(decider.evolve, cached.state);
    cache.set(streamId, { state, version: result.nextExpectedVersion });
    return { events, state, version: result.nextExpectedVersion, replayed: false };
  } catch (error) {
    if (!(error instanceof ConcurrencyError)) throw error;
    return null;
  }
}

function asDomainEvent<Event>(e: RecordedEvent): Event {
  return { type: e.type, data: e.data } as Event;
}
