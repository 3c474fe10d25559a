import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Core } from '../../core.js';
import type { Actor } from '../../domain/core/decider.js';
import { NotFoundError, ValidationError } from '../../domain/core/errors.js';
import type { BlobStore } from '../../media/blob-store.js';
import { createFaceAnalyzer, type FaceAnalyzer } from '../../media/faces/analyzer.js';
import { setReferenceFromImage } from '../../media/faces/verifier.js';
import { authorize } from '../authorization.js';
import { fail, readLimited, sniff } from '../files.js';

/** A reference photo is analysed whole, in memory: a photo, not a video. */
const MAX_REFERENCE_BYTES = 10 * 1024 * 1024;

let analyzer: FaceAnalyzer | null = null;

/**
 * POST /profiles/reference?username=… with an image as the body: an administrator sets (or replaces) the profile's
 * reference face. The image must show exactly one face; it is kept in the blob store and named `upload:<sha-256>`.
 * Answers `{ username, photoId }`.
 */
export async function handleReferenceUpload(req: IncomingMessage, res: ServerResponse, url: URL, actor: Actor | null, core: Core, blobs: BlobStore): Promise<void> {
  try {
    const who = authorize(actor, 'account.manage');
    const username = url.searchParams.get('username') ?? '';
    const account = await core.loadAccount(username);
    if (account.status === 'none') throw new NotFoundError(`no account ${JSON.stringify(username)}`);
    const data = await readLimited(req, MAX_REFERENCE_BYTES);
    if (!sniff(data)?.image) throw new ValidationError('a reference face must be an image (JPEG, PNG or WebP)');
    const sha256 = createHash('sha256').update(data).digest('hex');
    const photoId = `upload:${sha256}`;
    analyzer ??= createFaceAnalyzer();
    await setReferenceFromImage(core, data, { username: account.username, photoId, actor: who }, analyzer);
    await blobs.put(sha256, data);
    res.writeHead(201, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ username: account.username, photoId }));
  } catch (error) {
    if (!fail(res, error)) throw error;
  }
}
