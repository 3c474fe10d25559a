/** 1:05:09 or 4:07 — a countdown or elapsed time. */
export function clock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = h ? String(m).padStart(2, '0') : String(m);
  return `${h ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}

export function time(iso: string | Date): string {
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

export function dateTime(iso: string | Date | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString([], { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export const STATUS_LABEL: Record<string, string> = {
  scheduled: 'Scheduled',
  waiting: 'Waiting',
  in_progress: 'In progress',
  paused: 'Paused',
  finished: 'Awaiting conclusion',
  concluded: 'Concluded',
  cancelled: 'Cancelled',
};

export const FINISHED_BY: Record<string, string> = {
  student: 'You finished the session.',
  proctor: 'The proctor finished the session.',
  timeout: 'The time allotted for the session ran out.',
  admin: 'An administrator finished the session.',
  integrator: 'Your school\'s learning system finished the session.',
};
