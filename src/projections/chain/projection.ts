import type { ChainEvent } from '../../domain/chain/chain.js';
import type { Sql } from '../../store/sql.js';
import type { Projection } from '../projection.js';

/**
 * The latest signed head of each stream: which checkpoint event to check a stream against. An index only: what it
 * points at is verified against the checkpoint event's own signature, so a tampered row can hide an anchor, never
 * forge one.
 */
export const chainProjection: Projection = {
  name: 'chain',
  ddl: `
CREATE TABLE IF NOT EXISTS chain_anchors (
  stream_id          text PRIMARY KEY,
  version            integer NOT NULL,
  hash               text NOT NULL,
  checkpoint_version integer NOT NULL,
  signed_at          timestamptz NOT NULL
);`,
  tables: ['chain_anchors'],
  handles: new Set(['ChainCheckpointSigned']),
  async apply(tx, recorded) {
    const { data } = recorded as unknown as ChainEvent;
    if (data.heads.length === 0) return;
    await tx.query(
      `INSERT INTO chain_anchors (stream_id, version, hash, checkpoint_version, signed_at)
       SELECT s, v, h, $4, $5 FROM unnest($1::text[], $2::int4[], $3::text[]) AS x(s, v, h)
       ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version, hash = EXCLUDED.hash,
         checkpoint_version = EXCLUDED.checkpoint_version, signed_at = EXCLUDED.signed_at
       WHERE chain_anchors.version <= EXCLUDED.version`,
      [data.heads.map((h) => h.stream), data.heads.map((h) => h.version), data.heads.map((h) => h.hash), recorded.streamVersion, data.at],
    );
  },
};

export interface Anchor {
  readonly version: number;
  readonly hash: string;
  readonly checkpointVersion: number;
  readonly signedAt: Date;
}

export async function anchorOf(db: Sql, streamId: string): Promise<Anchor | null> {
  const [row] = await db.query<{ version: number; hash: string; checkpoint_version: number; signed_at: Date }>(
    `SELECT version, hash, checkpoint_version, signed_at FROM chain_anchors WHERE stream_id = $1`,
    [streamId],
  );
  return row ? { version: row.version, hash: row.hash, checkpointVersion: row.checkpoint_version, signedAt: new Date(row.signed_at) } : null;
}

/** The version of the newest checkpoint event the read model has seen, or null. */
export async function lastCheckpointVersion(db: Sql): Promise<number | null> {
  const [row] = await db.query<{ v: number | null }>(`SELECT max(checkpoint_version) AS v FROM chain_anchors`);
  return row?.v ?? null;
}
