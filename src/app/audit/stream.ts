import { CHAIN_STREAM, type ChainEvent } from '../../domain/chain/chain.js';
import { STREAM_EXPORT_FORMAT } from '../../domain/chain/spec.mjs';
import type { Actor } from '../../domain/core/decider.js';
import { sessionStreamId } from '../../domain/session/events.js';
import { anchorOf } from '../../projections/chain/projection.js';
import type { RecordedEvent } from '../../store/event-store.js';
import type { Core } from '../core/core.js';

/** The signed checkpoint that vouches for a stream's head: the head it names and the checkpoint as signed. */
export interface StreamAnchor {
  readonly version: number;
  readonly hash: string;
  readonly checkpoint: ChainEvent['data'];
}

/** What an auditor needs to check a session's stream without trusting us: its events, their anchor, our public key. */
export interface AuditBundle {
  readonly sessionId: string;
  readonly streamId: string;
  readonly events: readonly RecordedEvent[];
  /** Null until a checkpoint has signed the stream (or when the server runs without chain keys). */
  readonly anchor: StreamAnchor | null;
  /** Raw Ed25519 public key, base64 (null without chain keys). */
  readonly publicKey: string | null;
  readonly keyId: string | null;
}

/** Reads a session's stream and the latest signed checkpoint of it. */
export async function auditBundle(core: Core, sessionId: string): Promise<AuditBundle> {
  const streamId = sessionStreamId(sessionId);
  const events = await core.store.readStream(streamId);
  const keys = core.chainKeys;
  const found = await anchorOf(core.db, streamId);
  const [checkpoint] = found ? await core.store.readStream(CHAIN_STREAM, { fromVersion: found.checkpointVersion, limit: 1 }) : [];
  // A checkpoint the read model names but the store lost is shown as no anchor: the verifier then says so.
  const anchor = found && checkpoint ? { version: found.version, hash: found.hash, checkpoint: checkpoint.data as ChainEvent['data'] } : null;
  return { sessionId, streamId, events, anchor, publicKey: keys?.publicKeyBase64 ?? null, keyId: keys?.keyId ?? null };
}

/** The stream for replay on screen, its opening recorded (`StreamReplayed`) with the number of events shown. */
export async function openReplay(core: Core, actor: Actor, sessionId: string): Promise<AuditBundle> {
  const bundle = await auditBundle(core, sessionId);
  await core.session(sessionId, 'RecordReplay', { events: bundle.events.length }, actor);
  return bundle;
}

/**
 * The stream as JSON Lines for an outside auditor (format `proctor-stream/1`, see README "Auditing a session"), its
 * export recorded (`StreamExported`) before a byte is given: the record names the last version exported.
 */
export async function exportStream(core: Core, actor: Actor, sessionId: string): Promise<{ fileName: string; body: string }> {
  const bundle = await auditBundle(core, sessionId);
  const exportedAt = core.now().toISOString();
  await core.session(sessionId, 'RecordStreamExport', { throughVersion: Math.max(0, bundle.events.length - 1) }, actor);
  return { fileName: `${bundle.streamId.replace(/[^A-Za-z0-9_.-]/g, '_')}.jsonl`, body: streamLines(bundle, exportedAt, actor.id).join('') };
}

/** One header line, one line per event (as stored, hashes included), one line with the signed checkpoint. */
export function streamLines(bundle: AuditBundle, exportedAt: string, by: string): string[] {
  const line = (value: unknown) => `${JSON.stringify(value)}\n`;
  return [
    line({ kind: 'header', format: STREAM_EXPORT_FORMAT, stream: bundle.streamId, sessionId: bundle.sessionId, events: bundle.events.length, exportedAt, exportedBy: by, publicKey: bundle.publicKey, keyId: bundle.keyId }),
    ...bundle.events.map((e) => line({
      kind: 'event', streamId: e.streamId, streamVersion: e.streamVersion, id: e.id, type: e.type, recordedAt: e.recordedAt.toISOString(),
      data: e.storedData !== undefined ? e.storedData : e.data, metadata: e.metadata, prevHash: e.prevHash, hash: e.hash,
    })),
    line(bundle.anchor ? { kind: 'checkpoint', version: bundle.anchor.version, hash: bundle.anchor.hash, ...bundle.anchor.checkpoint } : { kind: 'checkpoint', version: null }),
  ];
}
