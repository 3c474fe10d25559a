import { Zip, ZipDeflate, ZipPassThrough } from 'fflate';
import type { Actor } from '../../domain/core/decider.js';
import { NotFoundError } from '../../domain/core/errors.js';
import { profileStreamId, type ProfileEvent } from '../../domain/profile/profile.js';
import { sessionStreamId } from '../../domain/session/events.js';
import type { BlobStore } from '../../media/blob-store.js';
import { MediaDeletedError, sessionBlobs } from '../../media/sealed/sealed-blob-store.js';
import { sessionsOfStudent } from '../../projections/erasure.js';
import { listFiles } from '../../projections/files/projection.js';
import { recordingSegments } from '../../projections/protocol/queries.js';
import type { Core } from '../core/core.js';

/** Where the ZIP's bytes go: `write` resolves once the sink can take more (backpressure). */
export interface ZipSink {
  write(chunk: Uint8Array): Promise<void>;
  end(): Promise<void>;
}

interface Entry {
  readonly path: string;
  readonly what: string;
}

const json = (value: unknown) => Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
/** A file name safe in any unzip tool: no directories, no control characters. */
const safeName = (name: string) => name.replace(/[^\p{L}\p{N} ._()-]/gu, '_').slice(0, 120) || 'file';

/**
 * Everything held about one person (GDPR Art. 15) as a ZIP, streamed: their account and reference face, each of
 * their sessions' events (personal fields opened), their files, photos and recordings decrypted, and `index.json`
 * saying what each file is. The access is an event (`PersonDataExported`) on their account before a byte is written.
 * Media whose key was shredded (retention, erasure) is listed as deleted, not included.
 */
export async function exportPersonData(core: Core, blobs: BlobStore | undefined, actor: Actor, username: string, sink: ZipSink): Promise<void> {
  const account = await core.loadAccount(username);
  if (account.status === 'none') throw new NotFoundError(`no account ${JSON.stringify(username)}`);
  const user = account.username.toLowerCase();
  const sessions = await sessionsOfStudent(core.db, user);
  await core.account(user, 'RecordPersonDataExport', { sessions: sessions.length }, actor);

  const index: Entry[] = [];
  const pending: Uint8Array[] = [];
  let failed: Error | null = null;
  const zip = new Zip((error, chunk) => {
    if (error) failed = error;
    else pending.push(chunk);
  });
  const flush = async () => {
    if (failed) throw failed;
    while (pending.length > 0) await sink.write(pending.shift()!);
  };
  const addFile = async (path: string, what: string, content: Buffer | AsyncIterable<Buffer>, compress = true) => {
    const file = compress ? new ZipDeflate(path, { level: 6 }) : new ZipPassThrough(path);
    zip.add(file);
    if (Buffer.isBuffer(content)) file.push(content, true);
    else {
      for await (const chunk of content) {
        file.push(chunk);
        await flush();
      }
      file.push(new Uint8Array(0), true);
    }
    await flush();
    index.push({ path, what });
  };

  const { passwordHash: _hash, integrationSecret: _secret, passwordLink: _link, ...kept } = account;
  await addFile('account.json', 'Your account: username, role, name, whether it is disabled, who created it.', json(kept));
  const profile = await core.store.readStream<ProfileEvent>(profileStreamId(user));
  await addFile('profile-events.json', 'Your identity profile: the reference face (its descriptor, 128 numbers) set and cleared.', json(profile.map(plainEvent)));
  for (const sessionId of sessions) await addSession(core, blobs, sessionId, addFile, index);
  await addFile('index.json', 'This list.', json({ username: user, exportedAt: core.now().toISOString(), exportedBy: actor.id, files: [...index] }));
  zip.end();
  await flush();
  await sink.end();
}

type AddFile = (path: string, what: string, content: Buffer | AsyncIterable<Buffer>, compress?: boolean) => Promise<void>;

async function addSession(core: Core, blobs: BlobStore | undefined, sessionId: string, addFile: AddFile, index: Entry[]): Promise<void> {
  const dir = `sessions/${safeName(sessionId)}`;
  const events = await core.store.readStream(sessionStreamId(sessionId));
  await addFile(`${dir}/events.json`, `The protocol of session ${sessionId}: every event in order (chat, notes, checks, violations, score, conclusion).`, json(events.map(plainEvent)));
  const store = blobs ? sessionBlobs(blobs, sessionId) : null;
  const media = [
    ...(await listFiles(core.db, sessionId)).map((f) => ({ path: `${dir}/files/${safeName(f.fileId)}-${safeName(f.name)}`, what: `${f.kind === 'attachment' ? 'A chat file' : `An identity photo (${f.kind})`} (${f.contentType}, ${f.size} bytes).`, sha256: f.sha256 })),
    ...(await recordingSegments(core.db, sessionId)).map((s) => ({ path: `${dir}/recordings/${s.track}-${String(s.seq).padStart(5, '0')}.webm`, what: `Recording, ${s.track}, from ${s.start.toISOString()} for ${s.durationMs} ms.`, sha256: s.sha256 })),
  ];
  for (const item of media) {
    try {
      const content = store ? await store.get(item.sha256) : null;
      if (content) await addFile(item.path, item.what, content as AsyncIterable<Buffer>, false);
      else index.push({ path: item.path, what: `${item.what} Not stored (never uploaded whole, or removed).` });
    } catch (error) {
      if (!(error instanceof MediaDeletedError)) throw error;
      index.push({ path: item.path, what: `${item.what} Deleted on ${error.at.toISOString().slice(0, 10)} (${error.reason}): not included.` });
    }
  }
}

function plainEvent(e: { type: string; streamVersion: number; recordedAt: Date; data: unknown; metadata: unknown }) {
  return { version: e.streamVersion, type: e.type, at: e.recordedAt.toISOString(), data: e.data, by: (e.metadata as { actor?: string }).actor ?? null };
}
