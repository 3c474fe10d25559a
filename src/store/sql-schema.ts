/**
 * The events table shared by the pglite and postgres adapters. Readers order by (transaction_id, position) and read
 * only below the oldest transaction still open, so an event committed late by a slow writer is never skipped. That
 * order is the key: position alone is unique by construction and nothing looks an event up by it, so a separate key
 * on it would only be one more index every appended event is written into.
 */
export const EVENTS_DDL = `
CREATE TABLE IF NOT EXISTS events (
  position       bigint GENERATED ALWAYS AS IDENTITY,
  transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
  stream_id      text NOT NULL,
  stream_version integer NOT NULL,
  event_id       uuid NOT NULL,
  type           text NOT NULL,
  data           jsonb NOT NULL,
  metadata       jsonb NOT NULL,
  recorded_at    timestamptz NOT NULL,
  prev_hash      text,
  hash           text NOT NULL,
  CONSTRAINT events_read_order PRIMARY KEY (transaction_id, position),
  CONSTRAINT events_stream_version UNIQUE (stream_id, stream_version),
  CONSTRAINT events_event_id UNIQUE (event_id)
);
-- Tables made before 2026-12-02 have their key on position and the read order as an index beside it: the key goes (the
-- index serves the readers as before; a unique index cannot be made of it without a rebuild, and nothing needs one).
ALTER TABLE events DROP CONSTRAINT IF EXISTS events_pkey;
CREATE INDEX IF NOT EXISTS events_read_order ON events (transaction_id, position);
-- Added later: the server's HMAC over each hash (see RecordedEvent.seal); events from before have none.
ALTER TABLE events ADD COLUMN IF NOT EXISTS seal text;
`;

export const CHECKPOINTS_DDL = `
CREATE TABLE IF NOT EXISTS projection_checkpoints (
  name       text PRIMARY KEY,
  checkpoint text,
  updated_at timestamptz NOT NULL
);
-- A projection that could not apply an event stops there (the others go on) until it is rebuilt.
ALTER TABLE projection_checkpoints ADD COLUMN IF NOT EXISTS failed_checkpoint text;
ALTER TABLE projection_checkpoints ADD COLUMN IF NOT EXISTS failed_event_id text;
ALTER TABLE projection_checkpoints ADD COLUMN IF NOT EXISTS failed_event_type text;
ALTER TABLE projection_checkpoints ADD COLUMN IF NOT EXISTS failed_stream_id text;
ALTER TABLE projection_checkpoints ADD COLUMN IF NOT EXISTS failed_error text;
ALTER TABLE projection_checkpoints ADD COLUMN IF NOT EXISTS failed_at timestamptz;
`;
