import { METRIC_CODES } from '../../domain/session/metrics.js';

/** DDL of the monitor read model. Idempotent: run at every start. */
export const MONITOR_DDL = `
CREATE TABLE IF NOT EXISTS monitor_sessions (
  session_id   text PRIMARY KEY,
  name         text NOT NULL,
  student      text NOT NULL,
  student_name text,
  proctor      text,
  status       text NOT NULL,
  date         timestamptz NOT NULL,
  created_at   timestamptz NOT NULL,
  scheduled_at timestamptz,
  started_at   timestamptz,
  stopped_at   timestamptz,
  duration     integer NOT NULL,
  score        double precision,
  conclusion   text,
  comment      text,
  template     text,
  tags         text[] NOT NULL DEFAULT '{}',
  url          text,
  created_by   text NOT NULL,
  blocked      boolean NOT NULL DEFAULT false,
  finished_by  text,
  ${METRIC_CODES.map((c) => `avg_${c} double precision`).join(',\n  ')},
  recent_codes text[] NOT NULL DEFAULT '{}',
  version      integer NOT NULL,
  -- bookkeeping for the running averages, not a search field
  minutes_recorded integer NOT NULL DEFAULT 0,
  last_minute  integer
);
CREATE INDEX IF NOT EXISTS monitor_sessions_proctor ON monitor_sessions (proctor, status);
CREATE INDEX IF NOT EXISTS monitor_sessions_student ON monitor_sessions (student, status);
CREATE INDEX IF NOT EXISTS monitor_sessions_status ON monitor_sessions (status, date);
CREATE INDEX IF NOT EXISTS monitor_sessions_date ON monitor_sessions (date);
CREATE INDEX IF NOT EXISTS monitor_sessions_score ON monitor_sessions (score);
`;
