import type { VideoRoomHandle } from 'janode/plugins/videoroom';

/** What the participant publishes: the camera (with the microphone) and the screen, each its own Janus publisher. */
export type PublishedTrack = 'camera' | 'screen';
export const PUBLISHED_TRACKS: readonly PublishedTrack[] = ['camera', 'screen'];

/** One track a test-taker publishes into the session's room, and the recording Janus is writing of it. */
export interface Publisher {
  readonly sessionId: string;
  readonly track: PublishedTrack;
  readonly handle: VideoRoomHandle;
  /** The recording base being written now, or null between two. */
  base: string | null;
  closed: boolean;
  /** A cycle is under way (a slow Janus must not see the next one overlap it). */
  cycling?: boolean;
}
