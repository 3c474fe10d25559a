import type { SessionView } from './types.js';

/** The proctor's list, grouped by state in the order a proctor works through them. */
export const GROUP_ORDER = ['in_progress', 'paused', 'waiting', 'scheduled', 'finished', 'concluded', 'cancelled'] as const;

export interface SessionGroup {
  status: (typeof GROUP_ORDER)[number];
  sessions: SessionView[];
}

export function groupSessions(sessions: readonly SessionView[]): SessionGroup[] {
  return GROUP_ORDER.map((status) => ({
    status,
    sessions: sessions
      .filter((s) => s.status === status)
      .sort((a, b) => (status === 'scheduled' ? a.date.localeCompare(b.date) : b.date.localeCompare(a.date)) || a.id.localeCompare(b.id)),
  })).filter((g) => g.sessions.length > 0);
}

/** Applies a live change to the list: a newer version replaces, a session that no longer matches leaves. */
export function applyChange(list: Record<string, SessionView>, session: SessionView, matches: boolean): Record<string, SessionView> {
  const known = list[session.id];
  if (known && known.version > session.version) return list;
  const next = { ...list };
  if (matches) next[session.id] = session;
  else delete next[session.id];
  return next;
}

/** Index of the tile the arrow keys move to in a grid `columns` wide. */
export function moveInGrid(index: number, count: number, columns: number, key: string): number {
  if (count === 0) return -1;
  const delta = key === 'ArrowLeft' ? -1 : key === 'ArrowRight' ? 1 : key === 'ArrowUp' ? -columns : key === 'ArrowDown' ? columns : 0;
  const next = index + delta;
  return next < 0 || next >= count ? index : next;
}

/** Columns of a square-ish grid for n tiles (1 → 1, 4 → 2, 9 → 3, 30 → 6). */
export function gridColumns(n: number): number {
  return Math.max(1, Math.ceil(Math.sqrt(n)));
}

const MAX_QUERY = 1900; // under the server's 2,000-character limit for a search

/** Searches that match exactly the sessions `ids`, split where one would be too long for the server. */
export function watchQueries(ids: readonly string[]): string[] {
  const queries: string[] = [];
  let values: string[] = [];
  for (const id of ids) {
    const value = JSON.stringify(id); // a quoted string of the search language (session ids hold no other escapes)
    if (values.length && `session==${[...values, value].join(',')}`.length > MAX_QUERY) {
      queries.push(`session==${values.join(',')}`);
      values = [];
    }
    values.push(value);
  }
  if (values.length) queries.push(`session==${values.join(',')}`);
  return queries;
}
