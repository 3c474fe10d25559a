import { readFileSync } from 'node:fs';

/**
 * Real WebM segments (made by ffmpeg, test/fixtures/webm/README): 2 s each. `live` ones have an unknown-size Segment
 * and Clusters and no duration, as MediaRecorder writes them; `seekable` is what ffmpeg writes for the Janus path.
 */
export const WEBM = {
  seekable: readFileSync(new URL('../fixtures/webm/seekable-2s.webm', import.meta.url)),
  live: readFileSync(new URL('../fixtures/webm/live-2s.webm', import.meta.url)),
  liveVideoOnly: readFileSync(new URL('../fixtures/webm/live-video-only-2s.webm', import.meta.url)),
};
/** How long each fixture lasts, to declare in an upload. */
export const WEBM_DURATION_MS = 2000;
