import { createHash } from 'node:crypto';
import type { CommandMetadata, Decider } from '../domain/core/decider.js';
import { ConcurrencyError } from '../domain/core/errors.js';
import type { EventStore, RecordedEvent } from './event-store.js';

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

/**
 * The write path: read the stream, fold it, decide, append with the version read. On a concurrent write the whole
 * cycle runs again on fresh state (up to `retries` times): the decider re-checks its rules every time, so a retry
 * can never break one.
 */
export async function handleCommand<Command extends { readonly metadata: CommandMetadata }, Event extends DomainEvent, State>(
  store: EventStore,
  decider: Decider<Command, Event, State>,
  streamId: string,
  command: Command,
  options: { retries?: number } = {},
): Promise<HandledCommand<State, Event>> {
  const retries = options.retries ?? 3;
  for (let attempt = 0; ; attempt++) {
    const stored = await store.readStream(streamId);
    const state = stored.reduce((s, e) => decider.evolve(s, e as unknown as Event), decider.initialState());
    const version = stored.length - 1;
    const earlier = stored.filter((e) => e.metadata.commandId === command.metadata.commandId);
    if (earlier.length > 0) return { events: earlier.map(asDomainEvent<Event>), state, version, replayed: true };

    const events = decider.decide(command, state);
    if (events.length === 0) return { events, state, version, replayed: false };
    const { actor, commandId } = command.metadata;
    try {
      const result = await store.appendToStream(
        streamId,
        events.map((event, i) => ({ id: eventIdFor(commandId, i), type: event.type, data: event.data, metadata: { actor: actor.id, role: actor.role, commandId } })),
        { expectedVersion: version === -1 ? 'no_stream' : version },
      );
      return { events, state: events.reduce(decider.evolve, state), version: result.nextExpectedVersion, replayed: false };
    } catch (error) {
      if (error instanceof ConcurrencyError && attempt < retries) continue;
      throw error;
    }
  }
}

function asDomainEvent<Event>(e: RecordedEvent): Event {
  return { type: e.type, data: e.data } as Event;
}
