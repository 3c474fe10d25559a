import { METRIC_CODES } from '../../domain/session/metrics.js';
import type { Sql } from '../../store/sql.js';
import { MONITOR_SORT_DDL } from './paging.js';

/** The free-text columns with a trigram index (the search language's free text matches these with ILIKE). */
const TRIGRAM_COLUMNS = [
  { index: 'session', column: 'session_id' },
  { index: 'name', column: 'name' },
  { index: 'student', column: 'student' },
  { index: 'proctor', column: 'proctor' },
] as const;

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
  metrics      text[] NOT NULL DEFAULT '{}',
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
-- Added after the first release: data directories from before get the column (false until the projection is rebuilt).
ALTER TABLE monitor_sessions ADD COLUMN IF NOT EXISTS second_camera boolean NOT NULL DEFAULT false;
ALTER TABLE monitor_sessions ADD COLUMN IF NOT EXISTS score_visible boolean NOT NULL DEFAULT false;
ALTER TABLE monitor_sessions ADD COLUMN IF NOT EXISTS self_scheduling boolean NOT NULL DEFAULT false;
ALTER TABLE monitor_sessions ADD COLUMN IF NOT EXISTS booked boolean NOT NULL DEFAULT false;
ALTER TABLE monitor_sessions ADD COLUMN IF NOT EXISTS message_to_student text;
-- Null in rows from before the check-in window: the defaults (15 minutes, the duration) apply.
ALTER TABLE monitor_sessions ADD COLUMN IF NOT EXISTS check_in_before integer;
ALTER TABLE monitor_sessions ADD COLUMN IF NOT EXISTS check_in_after integer;
-- t1 (the server's analysis of the recordings) came later than the other metrics.
ALTER TABLE monitor_sessions ADD COLUMN IF NOT EXISTS avg_t1 double precision;
-- The examination committee: none, open (reviewing) or closed; its decision (upheld, overturned); who sits on it.
ALTER TABLE monitor_sessions ADD COLUMN IF NOT EXISTS committee_status text NOT NULL DEFAULT 'none';
ALTER TABLE monitor_sessions ADD COLUMN IF NOT EXISTS committee_decision text;
ALTER TABLE monitor_sessions ADD COLUMN IF NOT EXISTS committee_members text[] NOT NULL DEFAULT '{}';
-- The exam's start waits for a proctor's approval, which has not come yet.
ALTER TABLE monitor_sessions ADD COLUMN IF NOT EXISTS awaiting_approval boolean NOT NULL DEFAULT false;
CREATE INDEX IF NOT EXISTS monitor_sessions_proctor ON monitor_sessions (proctor, status);
CREATE INDEX IF NOT EXISTS monitor_sessions_student ON monitor_sessions (student, status);
CREATE INDEX IF NOT EXISTS monitor_sessions_status ON monitor_sessions (status, date);
CREATE INDEX IF NOT EXISTS monitor_sessions_date ON monitor_sessions (date);
-- The newest-first order of the list and the export, (date, id): keyset pages read just their rows.
CREATE INDEX IF NOT EXISTS monitor_sessions_date_id ON monitor_sessions (date, session_id);
CREATE INDEX IF NOT EXISTS monitor_sessions_score ON monitor_sessions (score);
-- The console's orders (keyset paging over every column it sorts by).
${MONITOR_SORT_DDL}
-- The search language compares text ignoring case (lower(col) = lower($n)) and matches free text with ILIKE.
CREATE INDEX IF NOT EXISTS monitor_sessions_lower_session ON monitor_sessions (lower(session_id));
CREATE INDEX IF NOT EXISTS monitor_sessions_lower_student ON monitor_sessions (lower(student));
CREATE INDEX IF NOT EXISTS monitor_sessions_lower_proctor ON monitor_sessions (lower(proctor));
CREATE INDEX IF NOT EXISTS monitor_sessions_lower_status ON monitor_sessions (lower(status));
-- Trigram indexes serve ILIKE and regular expressions, where pg_trgm can be had (PGlite ships it; Debian's server has it
-- in postgresql-contrib). Without it the same queries scan, and still answer correctly: trigramIndexProblem() says so.
-- An extension lives once per database, in the schema of whoever created it first, and that schema need not be on
-- this search path: then CREATE EXTENSION IF NOT EXISTS does nothing and a bare gin_trgm_ops is not found, so the
-- operator class is named with its schema, wherever pg_trgm is.
DO $$
DECLARE
  trgm text;
BEGIN
  SELECT extnamespace::regnamespace::text INTO trgm FROM pg_extension WHERE extname = 'pg_trgm';
  IF trgm IS NULL THEN
    BEGIN
      CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
    EXCEPTION WHEN unique_violation OR duplicate_object THEN
      NULL; -- another session created it a moment ago
    END;
    SELECT extnamespace::regnamespace::text INTO trgm FROM pg_extension WHERE extname = 'pg_trgm';
  END IF;
${TRIGRAM_COLUMNS.map((c) => `  EXECUTE format('CREATE INDEX IF NOT EXISTS monitor_sessions_trgm_${c.index} ON monitor_sessions USING gin (${c.column} %s.gin_trgm_ops)', trgm);`).join('\n')}
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'pg_trgm unavailable (%): text search will scan', SQLERRM;
END $$;
`;

/**
 * Null when every trigram index of `monitor_sessions` is there; otherwise which are missing and what it costs, for the
 * log: the DDL cannot say so itself (a NOTICE reaches no one) and searches still answer, only by scanning.
 */
export async function trigramIndexProblem(db: Sql): Promise<string | null> {
  const rows = await db.query<{ name: string }>(
    `SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'monitor_sessions' AND indexname LIKE 'monitor_sessions_trgm_%'`,
  );
  const present = new Set(rows.map((r) => r.name));
  const missing = TRIGRAM_COLUMNS.map((c) => `monitor_sessions_trgm_${c.index}`).filter((name) => !present.has(name));
  if (missing.length === 0) return null;
  return `no trigram index ${missing.join(', ')}: substring and regular-expression searches scan every session. `
    + 'Install pg_trgm (Debian: postgresql-contrib) or create it once as a user allowed to, then restart.';
}
