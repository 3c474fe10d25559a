import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Core } from '../../app/core/core.js';
import { storeFile } from '../../app/files/upload.js';
import type { Actor } from '../../domain/core/decider.js';
import { DomainError, NotFoundError, ValidationError } from '../../domain/core/errors.js';
import type { FileKind } from '../../domain/session/events.js';
import { BlobTooLargeError, type BlobStore } from '../../media/blob-store.js';
import type { Limits } from '../../config.js';
import { getFile } from '../../projections/files/projection.js';
import { getMonitorRow } from '../../projections/monitor/queries.js';
import { authorize, authorizeOn, can } from '../authorization.js';
import { MediaDeletedError, sessionBlobs } from '../../media/sealed/sealed-blob-store.js';

export function readLimited(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > limit) return reject(new ValidationError(`the file is over ${limit / 1024 / 1024} MB`));
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.destroy();
        reject(new ValidationError(`the file is over ${limit / 1024 / 1024} MB`));
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const STATUS: Record<string, number> = { BAD_USER_INPUT: 400, UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404, CONFLICT: 409, ILLEGAL_STATE: 409, TOO_MANY_REQUESTS: 429 };

export function fail(res: ServerResponse, error: unknown): boolean {
  if (error instanceof BlobTooLargeError) {
    res.writeHead(413, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
    res.end(JSON.stringify({ error: error.message, code: 'BAD_USER_INPUT' }));
    return true;
  }
  if (error instanceof MediaDeletedError) {
    res.writeHead(410, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ error: error.message, code: 'GONE' }));
    return true;
  }
  if (!(error instanceof DomainError)) return false;
  res.writeHead(STATUS[error.code] ?? 400, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ error: error.message, code: error.code === 'ILLEGAL_STATE' ? 'CONFLICT' : error.code }));
  return true;
}

/**
 * POST /files?sessionId=…&kind=attachment|face|document&name=… with the raw file as the body. Authenticated like the
 * API; the caller must be allowed to chat in (attachment) or submit photos for (face, document) the session.
 * Stored by `storeFile`. Answers `{ fileId, name, contentType, size, sha256 }`.
 */
export async function handleUpload(req: IncomingMessage, res: ServerResponse, url: URL, actor: Actor | null, core: Core, blobs: BlobStore, limits: Limits): Promise<void> {
  try {
    const sessionId = url.searchParams.get('sessionId') ?? '';
    const kind = (url.searchParams.get('kind') ?? 'attachment') as FileKind;
    if (!['attachment', 'face', 'document'].includes(kind)) throw new ValidationError('kind must be attachment, face or document');
    authorizeOn(actor, kind === 'attachment' ? 'session.sendMessage' : 'session.submitPhoto', sessionId, await getMonitorRow(core.db, sessionId));
    if (Number(req.headers['content-length'] ?? 0) > limits.fileBytes) throw new BlobTooLargeError(limits.fileBytes);
    const p = url.searchParams;
    const stored = await storeFile(core, blobs, limits, actor!, { sessionId, kind, name: p.get('name'), commandId: p.get('commandId'), body: req });
    res.writeHead(201, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(stored));
  } catch (error) {
    if (!fail(res, error)) throw error;
  }
}

/**
 * GET /files/:id — the file, to whoever may read its session. Images inline, everything else as a download. Each read
 * is a `FileViewed` event on the session (one per person and file within 10 minutes: an image shown again is one entry).
 */
export async function handleDownload(res: ServerResponse, fileId: string, actor: Actor | null, core: Core, blobs: BlobStore): Promise<void> {
  try {
    const file = await getFile(core.db, fileId);
    const row = file ? await getMonitorRow(core.db, file.sessionId) : null;
    if (!file || !row || !can(actor, 'session.read', row)) {
      authorize(actor, 'session.read');
      throw new NotFoundError(`no file ${fileId}`);
    }
    if (actor?.role === 'student' && file.kind !== 'attachment') authorize(actor, 'session.verifyIdentity', row);
    const stream = await sessionBlobs(blobs, file.sessionId).get(file.sha256);
    if (!stream) throw new NotFoundError(`the content of file ${fileId} is missing`);
    // The access log, before a byte is sent: a file or photo nobody is recorded reading is never read.
    await core.session(file.sessionId, 'RecordFileView', { fileId }, actor!).catch((error: unknown) => {
      stream.destroy();
      throw error;
    });
    const inline = file.contentType.startsWith('image/');
    res.writeHead(200, {
      'content-type': file.contentType,
      'content-length': String(file.size),
      'content-disposition': `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(file.name)}`,
      'x-content-type-options': 'nosniff',
      // Not from the browser's cache either: it would show the file to the next account on the machine, unlogged.
      'cache-control': 'private, no-store',
      'content-security-policy': "default-src 'none'; sandbox",
    });
    stream.pipe(res);
  } catch (error) {
    if (!fail(res, error)) throw error;
  }
}
