/** The EBML id of a Cluster: the element that holds a WebM file's frames. */
const CLUSTER = [0x1f, 0x43, 0xb6, 0x75];

/** Whether a Cluster begins anywhere in `bytes`. */
export function beginsCluster(bytes: Uint8Array): boolean {
  for (let i = 0; i + CLUSTER.length <= bytes.length; i++) {
    if (bytes[i] === CLUSTER[0] && bytes[i + 1] === CLUSTER[1] && bytes[i + 2] === CLUSTER[2] && bytes[i + 3] === CLUSTER[3]) return true;
  }
  return false;
}

/**
 * Whether a recorded segment holds anything at all, video or sound: a Cluster begins in its first bytes (right after
 * the header in a recorder's live WebM). A recorder stopped before its encoder wrote a frame hands over a header alone (Chromium: 110
 * bytes, ending in zeros): nothing was recorded in that segment, so there is nothing to upload and nothing lost. The
 * server still checks every segment that is sent.
 */
export async function holdsFrames(blob: Blob, scanBytes = 65_536): Promise<boolean> {
  return beginsCluster(new Uint8Array(await blob.slice(0, scanBytes).arrayBuffer()));
}
