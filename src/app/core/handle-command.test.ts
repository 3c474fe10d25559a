import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clonePGlite } from '../../../test/support/pglite.js';
import { SYSTEM_ACTOR, type CommandMetadata, type Decider } from '../../domain/core/decider.js';
import { IllegalStateError } from '../../domain/core/errors.js';
import type { EventStore } from '../../store/event-store.js';
import { handleCommand, StateCache } from './handle-command.js';
import { SqlEventStore } from '../../store/sql-event-store.js';
import { EVENTS_DDL } from '../../store/sql-schema.js';
import type { Sql } from '../../store/sql.js';

// A door: opening an open door or closing a closed one is refused.
type DoorCommand = { readonly type: 'Open' | 'Close'; readonly metadata: CommandMetadata };
type DoorEvent = { readonly type: 'Opened' | 'Closed'; readonly data: Record<string, never> };
type Door = { readonly open: boolean; readonly moves: number };
const door: Decider<DoorCommand, DoorEvent, Door> = {
  initialState: () => ({ open: false, moves: 0 }),
  decide: (command, state) => {
    if ((command.type === 'Open') === state.open) throw new IllegalStateError(`the door is already ${state.open ? 'open' : 'closed'}`);
    return [{ type: command.type === 'Open' ? 'Opened' : 'Closed', data: {} }];
  },
  evolve: (state, event) => ({ open: event.type === 'Opened', moves: state.moves + 1 }),
};
const command = (type: DoorCommand['type'], commandId: string = randomUUID()): DoorCommand => ({ type, metadata: { now: new Date(), actor: SYSTEM_ACTOR, commandId } });

describe('handling commands with the state this node last wrote', () => {
  let db: Sql;
  let store: SqlEventStore;
  let reads = 0;
  let counting: EventStore;
  beforeAll(async () => {
    db = await clonePGlite((sql) => sql.exec(EVENTS_DDL));
    store = await SqlEventStore.open(db, { eventTypes: new Set(['Opened', 'Closed']) });
    counting = Object.assign(Object.create(store) as EventStore, {
      readStream: (...args: Parameters<EventStore['readStream']>) => {
        reads += 1;
        return store.readStream(...args);
      },
    });
  });
  afterAll(async () => {
    await store.close();
    await db.close();
  });

  it('decides without reading the stream after its own append', async () => {
    const cache = new StateCache<Door>();
    const stream = `door-${randomUUID()}`;
    reads = 0;
    await handleCommand(counting, door, stream, command('Open'), { cache });
    const second = await handleCommand(counting, door, stream, command('Close'), { cache });
    const third = await handleCommand(counting, door, stream, command('Open'), { cache });
    expect(reads).toBe(1);
    expect([second.version, third.version, third.state]).toEqual([1, 2, { open: true, moves: 3 }]);
  });

  it('decides on the stored stream when another writer moved it, and on what it says', async () => {
    const cache = new StateCache<Door>();
    const stream = `door-${randomUUID()}`;
    await handleCommand(counting, door, stream, command('Open'), { cache });
    await handleCommand(store, door, stream, command('Close')); // another node: this cache still says open
    // Closing again is refused on what is stored, not accepted on what was remembered
    await expect(handleCommand(counting, door, stream, command('Close'), { cache })).rejects.toThrow('already closed');
    // Opening is refused on the remembered state, but accepted on the stored one
    const opened = await handleCommand(counting, door, stream, command('Open'), { cache });
    expect([opened.version, opened.state]).toEqual([2, { open: true, moves: 3 }]);
  });

  it('answers a retried command with its first events, even after later ones', async () => {
    const cache = new StateCache<Door>();
    const stream = `door-${randomUUID()}`;
    await handleCommand(counting, door, stream, command('Open', 'open-once'), { cache });
    await handleCommand(counting, door, stream, command('Close'), { cache });
    const retry = await handleCommand(counting, door, stream, command('Open', 'open-once'), { cache });
    expect(retry).toMatchObject({ replayed: true, version: 1, events: [{ type: 'Opened' }] });
    expect(await store.readStream(stream)).toHaveLength(2);
  });
});
