/**
 * The live media the pages use, whichever engine carries it: `p2p` (browser to browser, the test-taker's browser
 * records) or `janus` (through the media server, which records). Pages and components import these interfaces only;
 * `engine.ts` picks the adapter for this deployment.
 */

/** Where a watcher's picture stands: nothing asked for yet or nothing published, being connected, playing, lost. */
export type LiveState = 'waiting' | 'connecting' | 'live' | 'lost';

/** A proctor's call as the test-taker receives it: the proctor's sound (and picture, in a video call). */
export interface ReceivedCall {
  readonly stream: MediaStream | null;
  readonly video: boolean;
  /** The proctor's username. */
  readonly from: string;
}

/** A call the proctor placed from a tile: its id (for `endCall`) and the proctor's own microphone (and camera). */
export interface PlacedCall {
  readonly callId: string;
  readonly video: boolean;
  readonly local: MediaStream;
}

/** A watcher's side of one session's live media (a tile, the large view, the phone's camera). */
export interface ViewerMedia {
  readonly sessionId: string;
  /** The test-taker's camera and microphone, once they arrive. */
  readonly camera: MediaStream | null;
  /** The test-taker's shared screen, once it arrives (the phone has none). */
  readonly screen: MediaStream | null;
  readonly state: LiveState;
  /** Camera frames decoded so far, refreshed every second: the tile's "live" sign (the browser tests read it). */
  readonly frames: number;
  /** The call in progress from this tile. */
  readonly call: PlacedCall | null;
  /** Why the last call could not start (no microphone, refused by the server …). */
  readonly callError: string | null;
  /** Starts watching, at full quality when `active`; keeps asking until the picture comes, and again when it is lost. */
  open(active: boolean): void;
  /** Full quality (with sound and screen) while active, tile quality otherwise. */
  setActive(active: boolean): void;
  /** Calls the test-taker: microphone only, or camera and microphone. Failures land in `callError`. */
  startCall(video: boolean): Promise<void>;
  hangUp(): Promise<void>;
  /** Stops watching for good (the tile went, or the session ended). */
  close(): void;
  /** Frames decoded so far on one of this session's streams (0 while it has none): the large view shows it moving. */
  framesDecodedOf(stream: MediaStream | null): Promise<number>;
}

/** The publishing side: the test-taker's computer (camera, microphone, screen) or the phone of the second camera. */
export interface ParticipantMedia {
  readonly sessionId: string;
  readonly camera: MediaStream | null;
  readonly screen: MediaStream | null;
  /** Why capturing failed (camera or screen refused); the exam page shows it. */
  readonly error: string | null;
  /** Who watches now (p2p only: with Janus this browser does not know, and the list stays empty). */
  readonly watchers: readonly string[];
  /** When the phone of the second camera last said it is alive (ms since epoch; 0: never). */
  readonly mobileSeenAt: number;
  /** The proctor's call, while one is in progress. */
  readonly call: ReceivedCall | null;
  /** Asks for camera, microphone and screen, then publishes (and in p2p mode records) them. */
  start(): Promise<void>;
  /** Tells `to` (the test-taker's computer) that this device is still there: the computer reports n2 when it stops. */
  heartbeat(to: string): Promise<void>;
  /** The test-taker hangs up; `endCall` records the end on the server. */
  hangUp(endCall: () => Promise<void>): Promise<void>;
  /** Stops capturing and publishing at once; what was recorded is still delivered. */
  stop(): Promise<void>;
}
