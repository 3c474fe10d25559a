import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { Config } from './config.js';
import { accountDecider, accountStreamId, type Account, type AccountCommand } from './domain/account/account.js';
import type { Actor, CommandMetadata, Decider } from './domain/core/decider.js';
import { ALL_EVENT_TYPES } from './domain/event-types.js';
import { scheduleDecider, scheduleStreamId, type Schedule, type ScheduleCommand, type ScheduleEvent } from './domain/schedule/schedule.js';
import type { SessionCommand } from './domain/session/commands.js';
import { sessionDecider } from './domain/session/decide.js';
import { sessionStreamId, type SessionEvent } from './domain/session/events.js';
import type { Session } from './domain/session/state.js';
import { ALL_PROJECTIONS } from './projections/index.js';
import { ProjectionRunner } from './projections/runner.js';
import type { EventStore } from './store/event-store.js';
import { eventIdFor, handleCommand, StateCache } from './store/handle-command.js';
import { SqlEventStore } from './store/sql-event-store.js';
import { OnceClaims } from './store/claims.js';
import { chainKeys, type ChainKeys } from './store/chain-keys.js';
import { openPGlite, openPostgres, type Sql } from './store/sql.js';

export type DataOf<C extends { type: string; data: unknown }, T extends C['type']> = Extract<C, { type: T }>['data'];

export interface CommandOptions {
  /** The client's id for this command: a retry with the same id is answered from the first run. */
  readonly commandId?: string;
  readonly now?: Date;
}

/**
 * The running system without its HTTP face: the event store, the read-model database, the projection runner and
 * the write path. Commands return once their events are in the read models, so a query right after sees them.
 */
export class Core {
  /** What this node last wrote to each recent session and account: commands decide without reading the stream. */
  private readonly sessionStates = new StateCache<Session>();
  private readonly accountStates = new StateCache<Account>(500);
  private readonly scheduleStates = new StateCache<Schedule>(500);
  /** Single-use tokens and links, shared by every node on the database. */
  readonly claims: OnceClaims;
  /** The keys that seal events and sign checkpoints (null: a store that does neither, in some tests). */
  chainKeys: ChainKeys | null = null;

  constructor(
    readonly store: EventStore,
    readonly db: Sql,
    readonly runner: ProjectionRunner,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.claims = new OnceClaims(db);
  }

  now(): Date {
    return this.clock();
  }

  private metadata(actor: Actor, options: CommandOptions): CommandMetadata {
    return { now: options.now ?? this.clock(), actor, commandId: options.commandId ?? randomUUID() };
  }

  /**
   * This core, with every command it runs carrying an id derived from a client's `commandId` (namespaced by who sent
   * it): a request retried with the same id decides nothing anew and appends nothing, and answers as the first time.
   * A request that runs several commands gives each its own id, the same on every retry (they run in the same order).
   */
  scoped(clientCommandId: string | null | undefined, actor: Actor | null): Core {
    if (!clientCommandId || !actor) return this;
    const base = `client:${actor.id.toLowerCase()}:${clientCommandId}`;
    let n = 0;
    const next = (options: CommandOptions): CommandOptions => (options.commandId ? options : { ...options, commandId: n++ === 0 ? base : `${base}#${n}` });
    const scoped: Core = Object.create(this);
    // `as never`: TypeScript cannot see that a generic method's own type parameter passes through unchanged.
    scoped.session = (sessionId, type, data, who, options = {}) => this.session(sessionId, type, data as never, who, next(options)) as never;
    scoped.account = (username, type, data, who, options = {}) => this.account(username, type, data as never, who, next(options));
    scoped.schedule = (proctor, type, data, who, options = {}) => this.schedule(proctor, type, data as never, who, next(options)) as never;
    return scoped;
  }

  async session<T extends SessionCommand['type']>(
    sessionId: string,
    type: T,
    data: DataOf<SessionCommand, T>,
    actor: Actor,
    options: CommandOptions = {},
  ): Promise<{ events: readonly SessionEvent[]; state: Session }> {
    return this.run(sessionDecider, sessionStreamId(sessionId), this.sessionStates, { type, data } as Omit<SessionCommand, 'metadata'>, actor, options);
  }

  async account<T extends AccountCommand['type']>(
    username: string,
    type: T,
    data: DataOf<AccountCommand, T>,
    actor: Actor,
    options: CommandOptions = {},
  ): Promise<Account> {
    return (await this.run(accountDecider, accountStreamId(username), this.accountStates, { type, data } as Omit<AccountCommand, 'metadata'>, actor, options)).state;
  }

  async schedule<T extends ScheduleCommand['type']>(
    proctor: string,
    type: T,
    data: DataOf<ScheduleCommand, T>,
    actor: Actor,
    options: CommandOptions = {},
  ): Promise<{ events: readonly ScheduleEvent[]; state: Schedule }> {
    return this.run(scheduleDecider, scheduleStreamId(proctor), this.scheduleStates, { type, data } as Omit<ScheduleCommand, 'metadata'>, actor, options);
  }

  /** The write path of every aggregate: stamp the command, decide and append, wait until the read models have it. */
  private async run<Command extends { readonly type: string; readonly metadata: CommandMetadata }, Event extends { readonly type: string; readonly data: unknown }, State>(
    decider: Decider<Command, Event, State>,
    streamId: string,
    cache: StateCache<State>,
    body: Omit<Command, 'metadata'>,
    actor: Actor,
    options: CommandOptions,
  ): Promise<{ events: readonly Event[]; state: State }> {
    const metadata = this.metadata(actor, options);
    const result = await handleCommand(this.store, decider, streamId, { ...body, metadata } as Command, { cache });
    await this.settled(metadata.commandId, result.events.length);
    return { events: result.events, state: result.state };
  }

  /** The account as its stream says (login checks passwords against the write model, never a projection). */
  async loadAccount(username: string): Promise<Account> {
    const events = await this.store.readStream(accountStreamId(username));
    return events.reduce((s, e) => accountDecider.evolve(s, e as never), accountDecider.initialState());
  }

  async loadSession(sessionId: string): Promise<{ state: Session; version: number }> {
    const events = await this.store.readStream(sessionStreamId(sessionId));
    return { state: events.reduce((s, e) => sessionDecider.evolve(s, e as never), sessionDecider.initialState()), version: events.length - 1 };
  }

  private async settled(commandId: string, count: number): Promise<void> {
    if (count === 0) return;
    await this.runner.waitForEvent(eventIdFor(commandId, count - 1));
  }

  async close(): Promise<void> {
    await this.runner.stop();
    await this.store.close();
    await this.db.close();
  }
}

/** Opens the store and read models the configuration names, creates their tables and starts the projections. */
export async function openCore(config: Config, options: { start?: boolean; log?: (message: string, error?: unknown) => void } = {}): Promise<Core> {
  let store: EventStore;
  let db: Sql;
  const keys = chainKeys(config.eventKey);
  if (config.store === 'kurrentdb') {
    const { KurrentDbEventStore } = await import('./store/kurrentdb-event-store.js');
    store = await KurrentDbEventStore.open(config.kurrentDbUrl!, { eventTypes: ALL_EVENT_TYPES, sealKey: keys.sealKey });
    db = config.databaseUrl ? await openPostgres(config.databaseUrl) : await openEmbedded(config);
  } else {
    db = config.store === 'postgres' ? await openPostgres(config.databaseUrl!) : await openEmbedded(config);
    store = await SqlEventStore.open(db, { eventTypes: ALL_EVENT_TYPES, sealKey: keys.sealKey });
  }
  const runner = new ProjectionRunner(store, db, ALL_PROJECTIONS, options.log);
  if (options.start !== false) await runner.start();
  else await runner.migrate();
  const core = new Core(store, db, runner);
  core.chainKeys = keys;
  return core;
}

async function openEmbedded(config: Config): Promise<Sql> {
  const dir = join(config.dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  return openPGlite({ dataDir: dir });
}
