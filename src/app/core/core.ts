import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { Config } from '../../config.js';
import { accountDecider, accountStreamId, type Account, type AccountCommand, type AccountEvent } from '../../domain/account/account.js';
import type { Actor, CommandMetadata, Decider } from '../../domain/core/decider.js';
import { ALL_EVENT_TYPES } from '../../domain/event-types.js';
import type { CommitteeCommand } from '../../domain/committee/commands.js';
import { committeeDecider } from '../../domain/committee/decide.js';
import { committeeStreamId, type CommitteeEvent } from '../../domain/committee/events.js';
import type { CommitteeReview } from '../../domain/committee/state.js';
import { ltiPlatformDecider, ltiPlatformStreamId, type LtiPlatform, type LtiPlatformCommand, type LtiPlatformEvent } from '../../domain/lti/platform.js';
import { ltiLinkDecider, ltiLinkStreamId, type LtiLink, type LtiLinkCommand, type LtiLinkEvent } from '../../domain/lti/link.js';
import { exportDecider, exportStreamId, type Export, type ExportCommand, type ExportEvent } from '../../domain/export/export.js';
import { TOOL_KEYS_STREAM, toolKeysDecider, type ToolKeyCommand, type ToolKeyEvent, type ToolKeys } from '../../domain/lti/tool-keys.js';
import { profileDecider, profileStreamId, type Profile, type ProfileCommand, type ProfileEvent } from '../../domain/profile/profile.js';
import { scheduleDecider, scheduleStreamId, type Schedule, type ScheduleCommand, type ScheduleEvent } from '../../domain/schedule/schedule.js';
import type { SessionCommand } from '../../domain/session/commands.js';
import { sessionDecider } from '../../domain/session/decide.js';
import { sessionStreamId, type SessionEvent } from '../../domain/session/events.js';
import type { Session } from '../../domain/session/state.js';
import { templateDecider, templateStreamId, type Template, type TemplateCommand, type TemplateEvent } from '../../domain/template/template.js';
import { ALL_PROJECTIONS } from '../../projections/index.js';
import { ProjectionRunner } from '../../projections/runner.js';
import type { EventStore } from '../../store/event-store.js';
import { eventIdFor, handleCommand, StateCache } from './handle-command.js';
import { SqlEventStore } from '../../store/sql-event-store.js';
import { OnceClaims } from '../../store/claims.js';
import { SqlRateWindows } from '../../store/rate-windows.js';
import { chainKeys, type ChainKeys } from '../../store/chain-keys.js';
import { openPGlite, openPostgres, type Sql } from '../../store/sql.js';
import { openPGliteThread } from '../../store/pglite-thread.js';
import { trigramIndexProblem } from '../../projections/monitor/schema.js';
import { BatchRows } from '../../projections/monitor/batch-rows.js';
import { PersonalDataStore } from '../privacy/personal-data-store.js';

export type DataOf<C extends { type: string; data: unknown }, T extends C['type']> = Extract<C, { type: T }>['data'];

export interface CommandOptions {
  /** The client's id for this command: a retry with the same id is answered from the first run. */
  readonly commandId?: string;
  readonly now?: Date;
}

/**
 * Runs one command on the stream `key` names (a session id, a username, a proctor's username) and resolves once the
 * read models have its events: the events appended (none for a no-op or a retried command id) and the state after.
 */
export type Write<C extends { readonly type: string; readonly data: unknown }, E, S> = <T extends C['type']>(
  key: string,
  type: T,
  data: DataOf<C, T>,
  actor: Actor,
  options?: CommandOptions,
) => Promise<{ events: readonly E[]; state: S }>;

type AnyCommand = { readonly type: string; readonly data: unknown; readonly metadata: CommandMetadata };
type AnyEvent = { readonly type: string; readonly data: unknown };

/** What the session states kept for commands may add up to (see `Core.session`). */
const SESSION_STATES_BYTES = 256 * 1024 * 1024;

/**
 * A session state's size, estimated: measured at ≈6 kB with an hour of metrics and ≈140 bytes per recording segment
 * it remembers; ≈175 since the segments went into a growing map (24 % more, measured side by side).
 */
function sessionStateBytes(state: Session): number {
  return state.status === 'none' ? 1_000 : 6_000 + 175 * state.segments.size;
}

/**
 * The running system without its HTTP face: the event store, the read-model database, the projection runner and
 * the write path. Commands return once their events are in the read models, so a query right after sees them.
 */
export class Core {
  // Each writer keeps what this node last wrote to its recent streams, so commands decide without reading the stream;
  // profiles are written seldom (a reference face now and then) and keep nothing.
  /**
   * Commands to a session, by session id. States are kept up to about 256 MB, the most one node is sized for: ≈6 kB
   * each, plus about 175 bytes per stored recording segment (a one-hour session with camera and screen: ≈130 kB). So
   * 5,000 short sessions, or ≈2,000 one-hour ones, decide without reading their stream; beyond, a command reads and
   * decrypts its session's whole stream.
   */
  readonly session: Write<SessionCommand, SessionEvent, Session> = this.writer(sessionDecider, sessionStreamId, new StateCache<Session>(SESSION_STATES_BYTES, sessionStateBytes));
  /** Commands to a proctor's schedule, by the proctor's username. */
  readonly schedule: Write<ScheduleCommand, ScheduleEvent, Schedule> = this.writer(scheduleDecider, scheduleStreamId, new StateCache<Schedule>(500));
  /** Commands to a profile, by username. */
  readonly profile: Write<ProfileCommand, ProfileEvent, Profile> = this.writer(profileDecider, profileStreamId);
  /** Commands to a registered LMS platform, by platform id. */
  readonly ltiPlatform: Write<LtiPlatformCommand, LtiPlatformEvent, LtiPlatform> = this.writer(ltiPlatformDecider, ltiPlatformStreamId);
  /** Commands to an LMS resource link's exam settings, by `<platformId>-<hash of the resource link id>`. */
  readonly ltiLink: Write<LtiLinkCommand, LtiLinkEvent, LtiLink> = this.writer(ltiLinkDecider, ltiLinkStreamId);
  /** Commands to our LTI signing keys (one stream: the key is ignored). */
  readonly toolKeys: Write<ToolKeyCommand, ToolKeyEvent, ToolKeys> = this.writer(toolKeysDecider, () => TOOL_KEYS_STREAM);
  /** Commands to an exam template, by template id. */
  readonly template: Write<TemplateCommand, TemplateEvent, Template> = this.writer(templateDecider, templateStreamId);
  /** Commands to a data export, by export id. */
  readonly export: Write<ExportCommand, ExportEvent, Export> = this.writer(exportDecider, exportStreamId);
  /** Commands to a session's examination committee review, by session id. */
  readonly committee: Write<CommitteeCommand, CommitteeEvent, CommitteeReview> = this.writer(committeeDecider, committeeStreamId);
  private readonly accounts: Write<AccountCommand, AccountEvent, Account> = this.writer(accountDecider, accountStreamId, new StateCache<Account>(500));
  /** Single-use tokens and links, shared by every node on the database. */
  readonly claims: OnceClaims;
  /** Rate-limit windows (sign-in attempts), shared by every node on the database. */
  readonly rateWindows: SqlRateWindows;
  /** The keys that seal events and sign checkpoints (null: a store that does neither, in some tests). */
  chainKeys: ChainKeys | null = null;
  /** Monitor rows read once per committed batch: what commands answer with and live lists show. */
  readonly monitorRows: BatchRows;

  constructor(
    readonly store: EventStore,
    readonly db: Sql,
    readonly runner: ProjectionRunner,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.claims = new OnceClaims(db);
    this.rateWindows = new SqlRateWindows(db);
    this.monitorRows = new BatchRows(db, runner);
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
    const again = <C extends AnyEvent, E, S>(write: Write<C, E, S>): Write<C, E, S> => (key, type, data, who, options = {}) => write(key, type, data, who, next(options));
    const scoped: Core = Object.create(this);
    return Object.assign(scoped, { session: again(this.session), schedule: again(this.schedule), profile: again(this.profile), accounts: again(this.accounts),
      ltiPlatform: again(this.ltiPlatform), toolKeys: again(this.toolKeys), ltiLink: again(this.ltiLink),
      template: again(this.template), export: again(this.export), committee: again(this.committee) });
  }

  /** Commands to an account, by username; answers the account after the command. */
  async account<T extends AccountCommand['type']>(username: string, type: T, data: DataOf<AccountCommand, T>, actor: Actor, options: CommandOptions = {}): Promise<Account> {
    return (await this.accounts(username, type, data, actor, options)).state;
  }

  private writer<Command extends AnyCommand, Event extends AnyEvent, State>(
    decider: Decider<Command, Event, State>,
    streamOf: (key: string) => string,
    cache?: StateCache<State>,
  ): Write<Command, Event, State> {
    // `as unknown`: a matching type and data make one of Command's variants, which TypeScript cannot see for a generic Command.
    return (key, type, data, actor, options = {}) => this.run(decider, streamOf(key), cache, { type, data } as unknown as Omit<Command, 'metadata'>, actor, options);
  }

  /** The write path of every aggregate: stamp the command, decide and append, wait until the read models have it. */
  private async run<Command extends { readonly type: string; readonly metadata: CommandMetadata }, Event extends { readonly type: string; readonly data: unknown }, State>(
    decider: Decider<Command, Event, State>,
    streamId: string,
    cache: StateCache<State> | undefined,
    body: Omit<Command, 'metadata'>,
    actor: Actor,
    options: CommandOptions,
  ): Promise<{ events: readonly Event[]; state: State }> {
    const metadata = this.metadata(actor, options);
    const result = await handleCommand(this.store, decider, streamId, { ...body, metadata } as Command, { cache });
    if (result.events.length > 0) await this.settled(metadata.commandId, result.events.length);
    // Nothing appended: what made the command a no-op may be someone else's events, not yet in the read models the
    // caller answers from (two identical bookings at once: the second answered with a session not booked yet).
    else await this.caughtUpWith(streamId, result.version);
    return { events: result.events, state: result.state };
  }

  /** The account as its stream says (login checks passwords against the write model, never a projection). */
  async loadAccount(username: string): Promise<Account> {
    const events = await this.store.readStream(accountStreamId(username));
    return events.reduce((s, e) => accountDecider.evolve(s, e as never), accountDecider.initialState());
  }

  /** A resource link's exam settings as its stream says. */
  async loadLtiLink(key: string): Promise<LtiLink> {
    const events = await this.store.readStream<LtiLinkEvent>(ltiLinkStreamId(key));
    return events.reduce((s, e) => ltiLinkDecider.evolve(s, e), ltiLinkDecider.initialState());
  }

  /** A template as its stream says: its current version, whatever the read model has caught up with. */
  async loadTemplate(templateId: string): Promise<Template> {
    const events = await this.store.readStream<TemplateEvent>(templateStreamId(templateId));
    return events.reduce((s, e) => templateDecider.evolve(s, e), templateDecider.initialState());
  }

  /** Our LTI keys as their stream says (every node signs with the same ones). */
  async loadToolKeys(): Promise<ToolKeys> {
    const events = await this.store.readStream<ToolKeyEvent>(TOOL_KEYS_STREAM);
    return events.reduce((s, e) => toolKeysDecider.evolve(s, e), toolKeysDecider.initialState());
  }

  async loadSession(sessionId: string): Promise<{ state: Session; version: number }> {
    const events = await this.store.readStream(sessionStreamId(sessionId));
    return { state: events.reduce((s, e) => sessionDecider.evolve(s, e as never), sessionDecider.initialState()), version: events.length - 1 };
  }

  /** Waits until the read models hold the stream up to `version` (its head, when the caller just read it). */
  async caughtUpWith(streamId: string, version: number): Promise<void> {
    if (version < 0) return;
    const [head] = await this.store.readStream(streamId, { fromVersion: version, limit: 1 });
    if (head) await this.runner.waitForCheckpoint(head.checkpoint);
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
    const { KurrentDbEventStore } = await import('../../store/kurrentdb-event-store.js');
    store = await KurrentDbEventStore.open(config.kurrentDbUrl!, { eventTypes: ALL_EVENT_TYPES, sealKey: keys.sealKey });
    db = config.databaseUrl ? await openPostgres(config.databaseUrl) : await openEmbedded(config);
  } else {
    db = config.store === 'postgres' ? await openPostgres(config.databaseUrl!) : await openEmbedded(config);
    store = await SqlEventStore.open(db, { eventTypes: ALL_EVENT_TYPES, sealKey: keys.sealKey });
  }
  const sqlStore = store instanceof SqlEventStore ? store : null;
  if (config.masterKey) store = await PersonalDataStore.open(store, db, config.masterKey);
  const runner = new ProjectionRunner(store, db, ALL_PROJECTIONS, options.log);
  if (options.start !== false) await runner.start();
  else await runner.migrate();
  sqlStore?.announceUnless(() => runner.leadership?.alone ?? false);
  const trigrams = await trigramIndexProblem(db);
  if (trigrams) (options.log ?? console.warn)(trigrams);
  const core = new Core(store, db, runner);
  core.chainKeys = keys;
  return core;
}

async function openEmbedded(config: Config): Promise<Sql> {
  const dir = join(config.dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  // Off the thread that serves HTTP and WebSockets unless asked: PGlite's WebAssembly is most of a command's CPU.
  return config.pgliteThread === 'main' ? openPGlite({ dataDir: dir }) : openPGliteThread({ dataDir: dir });
}
