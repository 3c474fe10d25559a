import type { NewEvent } from './event-store.js';
import { APPEND_LOCK_CTE } from './read-horizon.js';
import { hashCanonical, sealOfFreshHash, type CanonicalPayload } from './validate.js';

/** One append's rows, chained and sealed, as the JSON document `appendStatement` inserts. */
export interface AppendRows {
  /** A JSON array of one object per event (`v` version, `id`, `t` type, `d` data, `m` metadata, `h` hash, `s` seal). */
  readonly document: string;
  /** When the events were recorded (ISO-8601): one value for the whole append, a parameter of its own. */
  readonly recordedAt: string;
  /** The hash the first event follows (the stream's head before the append; null for a new stream). */
  readonly headHash: string | null;
  /** The hash of the last event: the stream's new head. */
  readonly lastHash: string;
}

/**
 * Chains `events` after the head at `current` (`headHash`), seals each hash when there is a key, and writes the rows as
 * one JSON document. The data and metadata go in as the canonical JSON that was hashed, spliced in unchanged: one
 * encoding per event, and the server parses one jsonb value per append instead of an array of texts per column. What
 * is the same for every row (the time, the stream) or follows from the others (each previous hash) is not in the
 * document: the server would parse it once a row.
 */
export function appendRows(
  streamId: string,
  events: readonly NewEvent[],
  payloads: readonly CanonicalPayload[],
  head: { readonly current: number; readonly headHash: string | null; readonly recordedAt: Date; readonly sealKey?: Uint8Array },
): AppendRows {
  const { recordedAt, sealKey } = head;
  let prevHash = head.headHash;
  let document = '[';
  for (let i = 0; i < events.length; i++) {
    const { id, type } = events[i];
    const { data, metadata } = payloads[i];
    const streamVersion = head.current + 1 + i;
    const hash = hashCanonical({ prevHash, streamId, streamVersion, id, type, recordedAt }, data, metadata);
    const seal = sealKey ? `"${sealOfFreshHash(sealKey, hash)}"` : 'null';
    // id is a checked UUID and the hashes are hex: only the type needs quoting.
    document += `${i === 0 ? '' : ','}{"v":${streamVersion},"id":"${id}","t":${JSON.stringify(type)},"d":${data},"m":${metadata},"h":"${hash}","s":${seal}}`;
    prevHash = hash;
  }
  return { document: `${document}]`, recordedAt: recordedAt.toISOString(), headHash: head.headHash, lastHash: prevHash! };
}

/**
 * The append: one statement, so one implicit transaction (all events or none), whose rows come from `$2`, an
 * `appendRows` document, into stream `$1`, recorded at `$3`, the first event following the hash `$4`. It returns the
 * last position. On PostgreSQL it takes the append lock first (see read-horizon.ts). Rows are inserted in version
 * order, so positions follow versions within the append.
 */
export function appendStatement(engine: 'pglite' | 'postgres'): string {
  const locked = engine === 'postgres';
  return `WITH ${locked ? `${APPEND_LOCK_CTE}, ` : ''}ins AS (
     INSERT INTO events (stream_id, stream_version, event_id, type, data, metadata, recorded_at, prev_hash, hash, seal)
     SELECT $1, x.v, x.id, x.t, x.d, x.m, $3::timestamptz, lag(x.h, 1, $4::text) OVER (ORDER BY x.v), x.h, x.s
       FROM jsonb_to_recordset($2::text::jsonb) AS x(v int4, id uuid, t text, d jsonb, m jsonb, h text, s text)${locked ? ' CROSS JOIN append_lock' : ''}
      ORDER BY x.v
     RETURNING position)
   SELECT max(position)::text AS position FROM ins`;
}
