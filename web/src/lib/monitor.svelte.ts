import type { Client } from '@urql/core';
import { ApiError, live, request } from './client.js';
import { COMPLETE, JOIN, SESSIONS, SESSIONS_CHANGED } from './documents.js';
import { applyChange, groupSessions } from './grouping.js';
import type { SessionView } from './types.js';

export const MAX_TILES = 30;

/** One entry of a `sessionsChanged` message. */
interface Change {
  session: SessionView;
  matches: boolean;
}

export interface SearchProblem {
  message: string;
  column: number | null;
}

/** The proctor's monitoring screen: the live list, the search, the tiles on the grid and the active one. */
export class MonitorState {
  sessions = $state<Record<string, SessionView>>({});
  query = $state('');
  problem = $state<SearchProblem | null>(null);
  loading = $state(true);
  selected = $state<string[]>([]);
  active = $state<string | null>(null);
  groups = $derived(groupSessions(Object.values(this.sessions)));
  tiles = $derived(this.selected.map((id) => this.sessions[id]).filter((s): s is SessionView => Boolean(s)));
  activeSession = $derived(this.active ? (this.sessions[this.active] ?? null) : null);
  private stop: (() => void) | null = null;
  private generation = 0;
  private disposed = false;

  constructor(private readonly client: Client) {}

  /**
   * Loads the sessions matching `query` and follows their changes; a bad query keeps the old list and says why.
   * It follows before it reads, so a change committed meanwhile is not lost: it waits until the list is in, and
   * applying it keeps whichever of the two is newer.
   */
  async search(query: string): Promise<void> {
    this.query = query;
    const generation = ++this.generation;
    let waiting: Change[] | null = [];
    const stopNext = this.follow(query, (changes) => {
      if (waiting) waiting.push(...changes);
      else this.apply(changes);
    });
    try {
      const data = await request<{ sessions: { edges: { node: SessionView }[] } }, { q: string; first: number }>(this.client, SESSIONS, { q: query, first: 500 });
      // A newer search, or leaving the page, while this one was on its way: it is not wanted any more.
      if (generation !== this.generation || this.disposed) {
        stopNext();
        return;
      }
      this.problem = null;
      this.stop?.();
      this.stop = stopNext;
      this.sessions = Object.fromEntries(data.sessions.edges.map((e) => [e.node.id, e.node]));
      this.apply(waiting);
      waiting = null;
      // Sessions that are live get onto the grid by themselves, up to the tile limit.
      if (this.selected.length === 0) {
        this.selected = Object.values(this.sessions).filter((s) => s.status === 'in_progress' || s.status === 'paused').map((s) => s.id).slice(0, MAX_TILES);
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

  private follow(query: string, onChanges: (changes: Change[]) => void): () => void {
    return live<{ sessionsChanged: Change[] }, { q: string }>(this.client, SESSIONS_CHANGED, { q: query }, ({ sessionsChanged }) => onChanges(sessionsChanged));
  }

  private apply(changes: readonly Change[]): void {
    let next = this.sessions;
    for (const c of changes) next = applyChange(next, c.session, c.matches);
    this.sessions = next;
  }

  async complete(text: string, offset: number) {
    const data = await request<{ searchCompletion: { fields: string[]; tokens: string[]; values: string[]; start: number } }, { t: string; o: number }>(
      this.client, COMPLETE, { t: text, o: offset },
    );
    return data.searchCompletion;
  }

  toggle(id: string): void {
    if (this.selected.includes(id)) {
      this.selected = this.selected.filter((x) => x !== id);
      if (this.active === id) this.active = this.selected[0] ?? null;
    } else if (this.selected.length < MAX_TILES) {
      this.selected = [...this.selected, id];
    }
  }

  activate(id: string): void {
    if (!this.selected.includes(id)) this.toggle(id);
    if (this.active === id) return;
    this.active = id;
    const s = this.sessions[id];
    if (s && (s.status === 'in_progress' || s.status === 'paused' || s.status === 'waiting')) {
      void request(this.client, JOIN, { id }, 'mutation').catch(() => {}); // presence is a nicety; the screen works without it
    }
  }

  dispose(): void {
    this.disposed = true;
    this.stop?.();
  }
}
