import type { ViewerMedia } from './ports.js';

/**
 * The watchers the grid needs for `live` sessions: keeps the ones still wanted, closes the others, creates the missing
 * ones. Answers null when nothing changed (so the caller does not store a new object and loop).
 */
export function reconcileViewers(
  current: Readonly<Record<string, ViewerMedia>>,
  live: ReadonlyArray<{ id: string; student: string }>,
  create: (session: { id: string; student: string }) => ViewerMedia,
): Record<string, ViewerMedia> | null {
  const wanted = new Map(live.map((s) => [s.id, s]));
  const next: Record<string, ViewerMedia> = {};
  let changed = false;
  for (const [id, v] of Object.entries(current)) {
    if (wanted.has(id)) next[id] = v;
    else {
      v.close();
      changed = true;
    }
  }
  for (const [id, s] of wanted) {
    if (!next[id]) {
      next[id] = create(s);
      changed = true;
    }
  }
  return changed ? next : null;
}
