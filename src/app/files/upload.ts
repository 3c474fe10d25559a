import { randomUUID } from 'node:crypto';
import type { Limits } from '../../config.js';
import type { Actor } from '../../domain/core/decider.js';
import { ValidationError } from '../../domain/core/errors.js';
import type { FileKind } from '../../domain/session/events.js';
import type { BlobStore, StagedBlob } from '../../media/blob-store.js';
import type { Core } from '../core/core.js';
import { eventIdFor } from '../core/handle-command.js';
import { sessionBlobs } from '../../media/sealed/sealed-blob-store.js';

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

/** A file as stored for a session: what `storeFile` answers. */
export interface StoredFile {
  readonly fileId: string;
  readonly name: string;
  readonly contentType: string;
  readonly size: number;
  readonly sha256: string;
}

/**
 * A session file (chat attachment or identity photo) from an authorised sender: streamed to a staging file within the
 * size limit, recognised by its content (an identity photo must be an image), kept only if the session accepts it
 * (its file quota included). With a client's `commandId` (a retried upload), the same file id and the same command:
 * stored once.
 */
export async function storeFile(
  core: Core,
  blobs: BlobStore,
  limits: Pick<Limits, 'fileBytes' | 'fileQuotaBytes'>,
  actor: Actor,
  upload: { readonly sessionId: string; readonly kind: FileKind; readonly name: string | null; readonly commandId: string | null; readonly body: AsyncIterable<Buffer> },
): Promise<StoredFile> {
  const { sessionId, kind, commandId } = upload;
  const media = sessionBlobs(blobs, sessionId);
  const staged = await media.stage(upload.body, { maxBytes: limits.fileBytes });
  const sniffed = staged.size === 0 ? null : sniff(staged.head);
  const refusal = staged.size === 0 ? 'the file is empty'
    : !sniffed ? 'this kind of file cannot be sent: use an image, a PDF, an office document or plain text'
      : kind !== 'attachment' && !sniffed.image ? 'an identity photo must be an image' : null;
  if (refusal) {
    await staged.discard();
    throw new ValidationError(refusal);
  }
  if (commandId !== null && !/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/.test(commandId)) throw new ValidationError('commandId must be 1–100 letters, digits or _ . : -');
  const fileId = commandId ? eventIdFor(`file:${actor.id.toLowerCase()}:${commandId}`, 0) : randomUUID();
  const name = upload.name ?? (kind === 'attachment' ? 'file' : `${kind}.jpg`);
  await keepIfAccepted(media, staged, () =>
    core.scoped(commandId, actor).session(sessionId, 'StoreFile', { fileId, kind, name, contentType: sniffed!.type, size: staged.size, sha256: staged.sha256, quotaBytes: limits.fileQuotaBytes }, actor),
  );
  return { fileId, name, contentType: sniffed!.type, size: staged.size, sha256: staged.sha256 };
}
