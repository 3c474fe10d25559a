import { assertNever } from '../../domain/core/errors.js';
import type { ProfileEvent } from '../../domain/profile/profile.js';
import { sessionIdOf, type SessionEvent } from '../../domain/session/events.js';
import type { RecordedEvent } from '../../store/event-store.js';
import type { Sql } from '../../store/sql.js';
import type { Projection } from '../projection.js';

/**
 * The faces read model: every profile's reference descriptor (for 1:1 checks and the 1:N search), and every identity
 * photo with whether its face check is recorded yet (so a restart finds the photos still to check).
 *
 * Descriptors are `real[]`, not pgvector's `vector`: Debian's PostgreSQL 15 has no pgvector, and the same SQL runs on
 * both engines. The fast 1:N search is the in-memory `DescriptorIndex`; `searchSimilarSql` is the exact SQL scan.
 */
type FacesEvent = Extract<ProfileEvent | SessionEvent, { type: 'ProfileReferenceSet' | 'ProfileReferenceCleared' | 'IdentityPhotoSubmitted' | 'FaceChecked' }>;

export const facesProjection: Projection<FacesEvent> = {
  name: 'faces',
  ddl: `
CREATE TABLE IF NOT EXISTS face_references (
  profile    text PRIMARY KEY,
  username   text NOT NULL,
  photo_id   text NOT NULL,
  descriptor real[] NOT NULL,
  set_at     timestamptz NOT NULL,
  position   bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS face_photos (
  session_id   text NOT NULL,
  photo_id     text NOT NULL,
  kind         text NOT NULL,
  submitted_at timestamptz NOT NULL,
  checked      boolean NOT NULL,
  PRIMARY KEY (session_id, photo_id)
);
CREATE INDEX IF NOT EXISTS face_photos_pending ON face_photos (submitted_at) WHERE NOT checked;`,
  tables: ['face_references', 'face_photos'],
  handles: new Set(['ProfileReferenceSet', 'ProfileReferenceCleared', 'IdentityPhotoSubmitted', 'FaceChecked']),
  async apply(tx, event) {
    switch (event.type) {
      case 'ProfileReferenceSet': {
        const d = event.data;
        await tx.query(
          `INSERT INTO face_references (profile, username, photo_id, descriptor, set_at, position) VALUES ($1, $2, $3, $4::text::real[], $5, $6)
           ON CONFLICT (profile) DO UPDATE SET username = EXCLUDED.username, photo_id = EXCLUDED.photo_id, descriptor = EXCLUDED.descriptor,
             set_at = EXCLUDED.set_at, position = EXCLUDED.position`,
          [profileKey(d.username), d.username, d.photoId, pgArray(d.descriptor), d.at, event.position],
        );
        return;
      }
      case 'ProfileReferenceCleared':
        await tx.query(`DELETE FROM face_references WHERE profile = $1`, [profileKey(event.data.username)]);
        return;
      case 'IdentityPhotoSubmitted':
        await tx.query(
          `INSERT INTO face_photos (session_id, photo_id, kind, submitted_at, checked) VALUES ($1, $2, $3, $4, false) ON CONFLICT (session_id, photo_id) DO NOTHING`,
          [sessionIdOf(event), event.data.photoId, event.data.kind, event.data.at],
        );
        return;
      case 'FaceChecked':
        await tx.query(
          `INSERT INTO face_photos (session_id, photo_id, kind, submitted_at, checked) VALUES ($1, $2, 'unknown', $3, true)
           ON CONFLICT (session_id, photo_id) DO UPDATE SET checked = true`,
          [sessionIdOf(event), event.data.photoId, event.data.at],
        );
        return;
      default:
        return assertNever(event, 'faces event');
    }
  },
};

/** The key of a profile in this read model (usernames compare case-insensitively, like their streams). */
export const profileKey = (username: string) => username.toLowerCase();

/** A descriptor as a PostgreSQL array literal, sent as text and cast (one encoding for PGlite and postgres.js). */
export function pgArray(values: readonly number[]): string {
  return `{${values.map((v) => (Number.isFinite(v) ? String(v) : '0')).join(',')}}`;
}

export interface FaceReference {
  readonly username: string;
  readonly photoId: string;
  readonly descriptor: number[];
  /** Global position of the event that set it: the newer of two copies wins. */
  readonly position: number;
  readonly setAt: Date;
}

type ReferenceRow = { profile: string; username: string; photo_id: string; descriptor: string; position: string | number; set_at: Date | string };

function toReference(r: ReferenceRow): FaceReference {
  return { username: r.username, photoId: r.photo_id, descriptor: parseArray(r.descriptor), position: Number(r.position), setAt: new Date(r.set_at) };
}

/** Parses `{1,2.5,-3e-05}`, the text form of a real[] (read as text so both drivers return the same thing). */
function parseArray(text: string): number[] {
  return text.slice(1, -1).split(',').map(Number);
}

/** The reference face of a profile, or null when none is set. */
export async function getFaceReference(db: Sql, username: string): Promise<FaceReference | null> {
  const [row] = await db.query<ReferenceRow>(
    `SELECT profile, username, photo_id, descriptor::text AS descriptor, position, set_at FROM face_references WHERE profile = $1`,
    [profileKey(username)],
  );
  return row ? toReference(row) : null;
}

/** Reference faces in pages ordered by profile key: `after` is the last key of the previous page. */
export async function listFaceReferences(db: Sql, after: string | null, limit = 5000): Promise<Array<FaceReference & { key: string }>> {
  const rows = await db.query<ReferenceRow>(
    `SELECT profile, username, photo_id, descriptor::text AS descriptor, position, set_at FROM face_references
     WHERE $1::text IS NULL OR profile > $1 ORDER BY profile LIMIT $2`,
    [after, limit],
  );
  return rows.map((r) => ({ ...toReference(r), key: r.profile }));
}

export interface SimilarProfile {
  readonly username: string;
  readonly distance: number;
}

/**
 * Exact 1:N search in SQL: every reference within `threshold` (Euclidean) of `descriptor`, nearest first, leaving
 * out the `exclude` usernames. A full scan: the fallback and the baseline for the in-memory index.
 */
export async function searchSimilarSql(
  db: Sql,
  descriptor: readonly number[],
  threshold: number,
  options: { exclude?: readonly string[]; limit?: number } = {},
): Promise<SimilarProfile[]> {
  const rows = await db.query<{ username: string; distance: number | string }>(
    `SELECT r.username, d.distance FROM face_references r
     CROSS JOIN LATERAL (SELECT sqrt(sum((u.a::float8 - u.b::float8) * (u.a::float8 - u.b::float8))) AS distance FROM unnest(r.descriptor, $1::text::real[]) AS u(a, b)) d
     WHERE r.profile <> ALL($2::text[]) AND d.distance <= $3
     ORDER BY d.distance, r.profile LIMIT $4`,
    [pgArray(descriptor), (options.exclude ?? []).map(profileKey), threshold, options.limit ?? 20],
  );
  return rows.map((r) => ({ username: r.username, distance: Number(r.distance) }));
}

export interface PendingPhoto {
  readonly sessionId: string;
  readonly photoId: string;
  readonly kind: string;
}

/** Identity photos whose face check is not recorded yet, oldest first. */
export async function pendingFacePhotos(db: Sql, limit = 1000): Promise<PendingPhoto[]> {
  const rows = await db.query<{ session_id: string; photo_id: string; kind: string }>(
    `SELECT session_id, photo_id, kind FROM face_photos WHERE NOT checked ORDER BY submitted_at, session_id, photo_id LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({ sessionId: r.session_id, photoId: r.photo_id, kind: r.kind }));
}

/** Reference events, for followers that keep their own copy of the references (the in-memory index). */
export function isReferenceEvent(event: RecordedEvent): event is RecordedEvent & ProfileEvent {
  return event.type === 'ProfileReferenceSet' || event.type === 'ProfileReferenceCleared';
}
