import { randomUUID } from 'node:crypto';
import { eventIdFor } from '../store/handle-command.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Core } from '../core.js';
import type { Actor } from '../domain/core/decider.js';
import { DomainError, NotFoundError, ValidationError } from '../domain/core/errors.js';
import type { FileKind } from '../domain/session/events.js';
import { BlobTooLargeError, type BlobStore, type StagedBlob } from '../media/blob-store.js';
import type { Limits } from '../config.js';
import { getFile } from '../projections/files/projection.js';
import { getMonitorRow } from '../projections/monitor/queries.js';
import { authorize, authorizeOn, can } from './authorization.js';

/** What may be uploaded, recognised by content (magic bytes), never by the name or the client's content type. */
const SNIFFERS: Array<{ type: string; image: boolean; test: (b: Buffer) => boolean }> = [
  { type: 'image/jpeg', image: true, test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { type: 'image/png', image: true, test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { type: 'image/webp', image: true, test: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP' },
  { type: 'image/gif', image: true, test: (b) => b.subarray(0, 4).toString('latin1') === 'GIF8' },
  { type: 'application/pdf', image: false, test: (b) => b.subarray(0, 5).toString('latin1') === '%PDF-' },
  { type: 'application/zip', image: false, test: (b) => b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04 }, // docx, xlsx, odt
  { type: 'text/plain; charset=utf-8', image: false, test: (b) => isText(b) },
];

function isText(b: Buffer): boolean {
  if (b.includes(0)) return false;
  try {
    // `stream`: the head may end inside a character.
    new TextDecoder('utf-8', { fatal: true }).decode(b, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/** What a file is, from its first bytes (`head`: the whole file, or its first 64 KB). */
export function sniff(data: Buffer): { type: string; image: boolean } | null {
  return SNIFFERS.find((s) => s.test(data)) ?? null;
}

/**
 * Keeps a staged upload only if `command` accepts it: the content is stored first (so an accepted event never names
 * missing content), and removed again when the command is refused and the content was new.
 */
export async function keepIfAccepted<T>(blobs: BlobStore, staged: StagedBlob, command: () => Promise<T>): Promise<T> {
  const created = await staged.commit();
  try {
    return await command();
  } catch (error) {
    if (created) await blobs.remove(staged.sha256);
    throw error;
  }
}

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
  if (!(error instanceof DomainError)) return false;
  res.writeHead(STATUS[error.code] ?? 400, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ error: error.message, code: error.code === 'ILLEGAL_STATE' ? 'CONFLICT' : error.code }));
  return true;
}

/**
 * POST /files?sessionId=…&kind=attachment|face|document&name=… with the raw file as the body. Authenticated like the
 * API; the caller must be allowed to chat in (attachment) or submit photos for (face, document) the session.
 * Streamed to a staging file within the size limit; kept only if the session accepts it (its file quota included).
 * Answers `{ fileId, name, contentType, size, sha256 }`.
 */
export async function handleUpload(req: IncomingMessage, res: ServerResponse, url: URL, actor: Actor | null, core: Core, blobs: BlobStore, limits: Limits): Promise<void> {
  try {
    const sessionId = url.searchParams.get('sessionId') ?? '';
    const kind = (url.searchParams.get('kind') ?? 'attachment') as FileKind;
    if (!['attachment', 'face', 'document'].includes(kind)) throw new ValidationError('kind must be attachment, face or document');
    authorizeOn(actor, kind === 'attachment' ? 'session.sendMessage' : 'session.submitPhoto', sessionId, await getMonitorRow(core.db, sessionId));
    if (Number(req.headers['content-length'] ?? 0) > limits.fileBytes) throw new BlobTooLargeError(limits.fileBytes);
    const staged = await blobs.stage(req, { maxBytes: limits.fileBytes });
    const sniffed = staged.size === 0 ? null : sniff(staged.head);
    const refusal = staged.size === 0 ? 'the file is empty'
      : !sniffed ? 'this kind of file cannot be sent: use an image, a PDF, an office document or plain text'
        : kind !== 'attachment' && !sniffed.image ? 'an identity photo must be an image' : null;
    if (refusal) {
      await staged.discard();
      throw new ValidationError(refusal);
    }
    // With a commandId (a retried upload), the same file id and the same command: stored once.
    const commandId = url.searchParams.get('commandId');
    if (commandId !== null && !/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/.test(commandId)) throw new ValidationError('commandId must be 1–100 letters, digits or _ . : -');
    const fileId = commandId ? eventIdFor(`file:${actor!.id.toLowerCase()}:${commandId}`, 0) : randomUUID();
    const name = url.searchParams.get('name') ?? (kind === 'attachment' ? 'file' : `${kind}.jpg`);
    await keepIfAccepted(blobs, staged, () =>
      core.scoped(commandId, actor).session(sessionId, 'StoreFile', { fileId, kind, name, contentType: sniffed!.type, size: staged.size, sha256: staged.sha256, quotaBytes: limits.fileQuotaBytes }, actor!),
    );
    res.writeHead(201, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ fileId, name, contentType: sniffed!.type, size: staged.size, sha256: staged.sha256 }));
  } catch (error) {
    if (!fail(res, error)) throw error;
  }
}

/** GET /files/:id — the file, to whoever may read its session. Images inline, everything else as a download. */
export async function handleDownload(res: ServerResponse, fileId: string, actor: Actor | null, core: Core, blobs: BlobStore): Promise<void> {
  try {
    const file = await getFile(core.db, fileId);
    const row = file ? await getMonitorRow(core.db, file.sessionId) : null;
    if (!file || !row || !can(actor, 'session.read', row)) {
      authorize(actor, 'session.read');
      throw new NotFoundError(`no file ${fileId}`);
    }
    if (actor?.role === 'student' && file.kind !== 'attachment') authorize(actor, 'session.verifyIdentity', row);
    const stream = await blobs.get(file.sha256);
    if (!stream) throw new NotFoundError(`the content of file ${fileId} is missing`);
    const inline = file.contentType.startsWith('image/');
    res.writeHead(200, {
      'content-type': file.contentType,
      'content-length': String(file.size),
      'content-disposition': `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(file.name)}`,
      'x-content-type-options': 'nosniff',
      'cache-control': 'private, max-age=3600',
      'content-security-policy': "default-src 'none'; sandbox",
    });
    stream.pipe(res);
  } catch (error) {
    if (!fail(res, error)) throw error;
  }
}
