import type { Client } from '@urql/core';
import { ApiError, follow, live, onReconnected, request } from './client.js';
import { COMPLETE, JOIN, SESSIONS, SESSIONS_CHANGED } from './documents.js';
import type { ChangedData } from './graphql.generated.js';
import { applyChange, groupSessions, watchQueries } from './grouping.js';
import { can, type Viewer } from './permissions.js';
import type { SessionView } from './types.js';

export const MAX_TILES = 30;
/** How long typing pauses before the search applies (Enter applies at once). */
export const SEARCH_DEBOUNCE_MS = 400;

/** Of two copies of a session, the one from the later version of its stream. */
function newer(a: SessionView | undefined, b: SessionView | undefined): SessionView | undefined {
  if (!a) return b;
  if (!b) return a;
  return b.version > a.version ? b : a;
}

/** One entry of a `sessionsChanged` message. */
type Change = ChangedData['sessionsChanged'][number];

export interface SearchProblem {
  message: string;
  column: number | null;
}

/** The proctor's monitoring screen: the live list, the search, the tiles on the grid and the active one. */
export class MonitorState {
  sessions = $state<Record<string, SessionView>>({});
  /** The search last asked for. */
  query = $state('');
  /** The search whose results the list shows: behind `query` while that one has a problem (the list is stale). */
  shownQuery = $state('');
  problem = $state<SearchProblem | null>(null);
  loading = $state(true);
  selected = $state<string[]>([]);
  active = $state<string | null>(null);
  /**
   * The latest copy of each watched session, kept apart from the list: a search that no longer lists a watched
   * session must not take its tile away from the proctor watching it.
   */
  watched = $state<Record<string, SessionView>>({});
  groups = $derived(groupSessions(Object.values(this.sessions)));
  tiles = $derived(this.selected.map((id) => newer(this.sessions[id], this.watched[id])).filter((s): s is SessionView => Boolean(s)));
  activeSession = $derived(this.active ? (newer(this.sessions[this.active], this.watched[this.active]) ?? null) : null);
  stale = $derived(this.problem !== null);
  /** Watched sessions the current search does not list. */
  outside = $derived(this.tiles.filter((s) => !this.sessions[s.id]));
  private stop: (() => void) | null = null;
  private stopWatched: Array<() => void> = [];
  private watchedKey = '';
  private generation = 0;
  private disposed = false;
  // Changes made while the socket was down are not sent again: the list is read anew (subscribed first, as always).
  private readonly offReconnected = onReconnected(() => void this.search(this.query));

  constructor(
    private readonly client: Client,
    private readonly user: () => Viewer | null = () => null,
  ) {}

  /**
   * Loads the sessions matching `query` and follows their changes; a bad query keeps the old list and says why.
   * It reads once the server holds the subscription, so a change committed meanwhile is not lost: it waits until the
   * list is in, and applying it keeps whichever of the two is newer. (Read at once, the list could miss a change
   * committed before the subscribe reached the server: a violation never shown on its tile.)
   */
  async search(query: string): Promise<void> {
    this.query = query;
    const generation = ++this.generation;
    let waiting: Change[] | null = [];
    const next = follow(SESSIONS_CHANGED, { q: query }, ({ sessionsChanged }) => {
      if (waiting) waiting.push(...sessionsChanged);
      else this.apply(sessionsChanged);
    });
    const stopNext = next.stop;
    try {
      await next.subscribed;
      const data = await request(this.client, SESSIONS, { q: query, first: 500 });
      // A newer search, or leaving the page, while this one was on its way: it is not wanted any more.
      if (generation !== this.generation || this.disposed) {
        stopNext();
        return;
      }
      this.problem = null;
      this.shownQuery = query;
      this.stop?.();
      this.stop = stopNext;
      this.sessions = Object.fromEntries(data.sessions.edges.map((e) => [e.node.id, e.node]));
      this.keepWatched(Object.values(this.sessions));
      this.apply(waiting);
      waiting = null;
      // Sessions that are live get onto the grid by themselves, up to the tile limit.
      if (this.selected.length === 0) {
        this.select(Object.values(this.sessions).filter((s) => s.status === 'in_progress' || s.status === 'paused').map((s) => s.id).slice(0, MAX_TILES));
      }
    } catch (error) {
      stopNext();
      if (generation !== this.generation || this.disposed) return;
      if (error instanceof ApiError && error.code === 'BAD_USER_INPUT') {
        this.problem = { message: error.message, column: typeof error.details.column === 'number' ? error.details.column : null };
      } else {
        this.problem = { message: (error as Error).message, column: null };
      }
    } finally {
      this.loading = false;
    }
  }

  private followQuery(query: string, onChanges: (changes: Change[]) => void): () => void {
    return live(SESSIONS_CHANGED, { q: query }, ({ sessionsChanged }) => onChanges(sessionsChanged));
  }

  private apply(changes: readonly Change[]): void {
    let next = this.sessions;
    for (const c of changes) next = applyChange(next, c.session, c.matches);
    this.sessions = next;
    this.keepWatched(changes.map((c) => c.session));
  }

  /** Takes the newer copies of watched sessions from `sessions`, whether or not they match the search. */
  private keepWatched(sessions: readonly SessionView[]): void {
    let next: Record<string, SessionView> | null = null;
    for (const s of sessions) {
      if (!this.selected.includes(s.id) || newer(this.watched[s.id], s) !== s) continue;
      next ??= { ...this.watched };
      next[s.id] = s;
    }
    if (next) this.watched = next;
  }

  /**
   * Sets the watched sessions and follows exactly them, apart from the list's search. A session can only be ticked
   * from the list, whose own subscription reports its changes until this one runs, so none is missed.
   */
  private select(ids: string[]): void {
    this.selected = ids;
    const watched: Record<string, SessionView> = {};
    for (const id of ids) {
      const s = newer(this.watched[id], this.sessions[id]);
      if (s) watched[id] = s;
    }
    this.watched = watched;
    const key = [...ids].sort().join('\n');
    if (key === this.watchedKey || this.disposed) return;
    this.watchedKey = key;
    for (const stop of this.stopWatched) stop();
    this.stopWatched = watchQueries(ids).map((q) => this.followQuery(q, (changes) => this.keepWatched(changes.map((c) => c.session))));
  }

  async complete(text: string, offset: number) {
    const data = await request(
      this.client, COMPLETE, { t: text, o: offset },
    );
    return data.searchCompletion;
  }

  toggle(id: string): void {
    if (this.selected.includes(id)) {
      this.select(this.selected.filter((x) => x !== id));
      if (this.active === id) this.active = this.selected[0] ?? null;
    } else if (this.selected.length < MAX_TILES) {
      this.select([...this.selected, id]);
    }
  }

  activate(id: string): void {
    if (!this.selected.includes(id)) this.toggle(id);
    if (this.active === id) return;
    this.active = id;
    const s = newer(this.sessions[id], this.watched[id]);
    if (s && (s.status === 'in_progress' || s.status === 'paused' || s.status === 'waiting') && can(this.user(), 'session.join', s)) {
      void request(this.client, JOIN, { id }, 'mutation').catch(() => {}); // presence is a nicety; the screen works without it
    }
  }

  dispose(): void {
    this.disposed = true;
    this.offReconnected();
    this.stop?.();
    for (const stop of this.stopWatched) stop();
  }
}
