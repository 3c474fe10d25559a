import { join } from 'node:path';
import type { Config } from '../config.js';
import type { Core } from '../app/core/core.js';
import type { BlobStore } from './blob-store.js';
import type { JanusEngine, JanusEngineOptions } from './janus/engine.js';

/**
 * The media engine chosen by MEDIA: `p2p` needs nothing on the server beyond the signalling hub (answers null);
 * `janus` starts Janus (or connects to the instances of JANUS_URL) with recordings under DATA_DIR/janus.
 */
export async function startMediaEngine(config: Config, core: Core, blobs: BlobStore, log?: JanusEngineOptions['log']): Promise<JanusEngine | null> {
  if (config.media !== 'janus') return null;
  const janus = config.janus;
  // janode (≈10 MB loaded) only where MEDIA=janus.
  const { JanusEngine } = await import('./janus/engine.js');
  return JanusEngine.start({
    core,
    blobs,
    log,
    dir: join(config.dataDir, 'janus'),
    urls: janus?.urls ?? [],
    binary: janus?.binary,
    port: janus?.port,
    publicIp: janus?.publicIp,
    rtpPortRange: janus?.rtpPortRange,
    segmentMs: janus?.segmentMs,
  });
}
