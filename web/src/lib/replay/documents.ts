/** The replay screen's GraphQL documents, typed by `npm run web:types`. */
import type { Documents } from '../graphql.generated.js';

export const OPEN_REPLAY: Documents['OPEN_REPLAY'] = `mutation OpenReplay($id: ID!) { openReplay(id: $id) { sessionId streamId publicKey keyId
  events { id streamVersion type data storedData metadata recordedAt prevHash hash }
  anchor { version hash checkpoint { keyId at through previous signature heads { stream version hash } } } } }`;
export const REPLAY_SESSION: Documents['REPLAY_SESSION'] = `query ReplaySession($id: ID!) { session(id: $id) { id name student studentName startedAt createdAt
  recordings { track seq start durationMs } } }`;
