import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Core } from '../../app/core/core.js';
import { sniff } from '../../app/files/upload.js';
import { uploadReference } from '../../app/profiles/reference.js';
import type { Actor } from '../../domain/core/decider.js';
import { ValidationError } from '../../domain/core/errors.js';
import type { BlobStore } from '../../media/blob-store.js';
import { authorize } from '../authorization.js';
import { fail, readLimited } from './files.js';

/** A reference photo is analysed whole, in memory: a photo, not a video. */
const MAX_REFERENCE_BYTES = 10 * 1024 * 1024;

/**
 * POST /profiles/reference?username=… with an image as the body: an administrator sets (or replaces) the profile's
 * reference face. The image must show exactly one face; it is kept in the blob store and named `upload:<sha-256>`.
 * Answers `{ username, photoId }`.
 */
export async function handleReferenceUpload(req: IncomingMessage, res: ServerResponse, url: URL, actor: Actor | null, core: Core, blobs: BlobStore): Promise<void> {
  try {
    const who = authorize(actor, 'account.manage');
    const image = async () => {
      const data = await readLimited(req, MAX_REFERENCE_BYTES);
      if (!sniff(data)?.image) throw new ValidationError('a reference face must be an image (JPEG, PNG or WebP)');
      return data;
    };
    const uploaded = await uploadReference(core, blobs, { username: url.searchParams.get('username') ?? '', image, actor: who });
    res.writeHead(201, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(uploaded));
  } catch (error) {
    if (!fail(res, error)) throw error;
  }
}
