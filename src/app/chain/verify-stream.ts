import type { Core } from '../../core.js';
import { CHAIN_STREAM } from '../../domain/chain/chain.js';
import { sessionStreamId } from '../../domain/session/events.js';
import { anchorOf } from '../../projections/chain/projection.js';
import { verifyChain, type ChainVerdict } from '../../store/verify.js';

/** A session's stream checked link by link, seal by seal, and against its latest signed checkpoint. */
export async function verifySessionStream(core: Core, sessionId: string): Promise<ChainVerdict> {
  const streamId = sessionStreamId(sessionId);
  const events = await core.store.readStream(streamId);
  const keys = core.chainKeys;
  const anchor = keys ? await anchorOf(core.db, streamId) : null;
  const checkpoint = anchor ? (await core.store.readStream(CHAIN_STREAM, { fromVersion: anchor.checkpointVersion, limit: 1 }))[0] : undefined;
  if (anchor && !checkpoint) {
    // The read model names a checkpoint the store no longer has: the checkpoint stream was cut.
    const base = verifyChain(events, { sealKey: keys?.sealKey });
    return { ...base, ok: false, check: 'signature', brokenAt: anchor.version, reason: `checkpoint ${anchor.checkpointVersion}, which signed version ${anchor.version}, is missing from the store`, anchoredVersion: anchor.version, anchoredAt: anchor.signedAt };
  }
  return verifyChain(events, {
    sealKey: keys?.sealKey,
    anchor: anchor && checkpoint && keys ? { version: anchor.version, hash: anchor.hash, checkpoint, publicKey: keys.publicKey } : null,
  });
}
