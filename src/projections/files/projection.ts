import { sessionIdOf, type SessionEvent } from '../../domain/session/events.js';
import type { Sql } from '../../store/sql.js';
import type { Projection } from '../projection.js';

/** Uploaded files (chat attachments, identity photos) by id, with the session they belong to: downloads look here. Gone with the session's media. */
export const filesProjection: Projection<Extract<SessionEvent, { type: 'FileStored' | 'SessionMediaDeleted' }>> = {
  name: 'files',
  ddl: `
CREATE TABLE IF NOT EXISTS files (
  file_id      text PRIMARY KEY,
  session_id   text NOT NULL,
  kind         text NOT NULL,
  name         text NOT NULL,
  content_type text NOT NULL,
  size         bigint NOT NULL,
  sha256       text NOT NULL,
  uploaded_by  text NOT NULL,
  uploaded_at  timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS files_session ON files (session_id, uploaded_at);`,
  tables: ['files'],
  handles: new Set(['FileStored', 'SessionMediaDeleted']),
  async apply(tx, event) {
    if (event.type === 'SessionMediaDeleted') return void (await tx.query('DELETE FROM files WHERE session_id = $1', [sessionIdOf(event)]));
    const d = event.data;
    await tx.query(
      `INSERT INTO files (file_id, session_id, kind, name, content_type, size, sha256, uploaded_by, uploaded_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (file_id) DO NOTHING`,
      [d.fileId, sessionIdOf(event), d.kind, d.name, d.contentType, d.size, d.sha256, d.by, d.at],
    );
  },
};

export interface FileRow {
  readonly fileId: string;
  readonly sessionId: string;
  readonly kind: string;
  readonly name: string;
  readonly contentType: string;
  readonly size: number;
  readonly sha256: string;
}

export async function getFile(db: Sql, fileId: string): Promise<FileRow | null> {
  const [r] = await db.query<{ file_id: string; session_id: string; kind: string; name: string; content_type: string; size: string | number; sha256: string }>(
    `SELECT file_id, session_id, kind, name, content_type, size, sha256 FROM files WHERE file_id = $1`,
    [fileId],
  );
  return r ? { fileId: r.file_id, sessionId: r.session_id, kind: r.kind, name: r.name, contentType: r.content_type, size: Number(r.size), sha256: r.sha256 } : null;
}

export async function listFiles(db: Sql, sessionId: string): Promise<FileRow[]> {
  const rows = await db.query<{ file_id: string; session_id: string; kind: string; name: string; content_type: string; size: string | number; sha256: string }>(
    `SELECT file_id, session_id, kind, name, content_type, size, sha256 FROM files WHERE session_id = $1 ORDER BY uploaded_at, file_id`,
    [sessionId],
  );
  return rows.map((r) => ({ fileId: r.file_id, sessionId: r.session_id, kind: r.kind, name: r.name, contentType: r.content_type, size: Number(r.size), sha256: r.sha256 }));
}
