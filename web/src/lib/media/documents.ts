/** The live media's GraphQL documents: signalling, ICE servers, calls, Janus publishing and watching (typed as in ../documents.ts). */
import type { Documents } from '../graphql.generated.js';

export const SIGNAL: Documents['SIGNAL'] = `mutation Signal($s: ID!, $to: String!, $k: String!, $p: JSON) { signal(sessionId: $s, to: $to, kind: $k, payload: $p) }`;
export const SIGNALS: Documents['SIGNALS'] = `subscription Signals($s: ID!) { signals(sessionId: $s) { from to kind payload } }`;
export const START_CALL: Documents['START_CALL'] = `mutation StartCall($s: ID!, $v: Boolean!) { startCall(sessionId: $s, video: $v) { callId video } }`;
export const END_CALL: Documents['END_CALL'] = `mutation EndCall($s: ID!, $c: ID!) { endCall(sessionId: $s, callId: $c) }`;
export const PUBLISH_MEDIA: Documents['PUBLISH_MEDIA'] = `mutation Publish($s: ID!, $t: String!, $sdp: String!) { publishMedia(sessionId: $s, track: $t, sdp: $sdp) }`;
export const UNPUBLISH_MEDIA: Documents['UNPUBLISH_MEDIA'] = `mutation Unpublish($s: ID!, $t: String!) { unpublishMedia(sessionId: $s, track: $t) }`;
export const WATCH_MEDIA: Documents['WATCH_MEDIA'] = `mutation Watch($s: ID!, $a: Boolean!) { watchMedia(sessionId: $s, active: $a) { watchId sdp streams { mid feed kind } } }`;
export const START_WATCHING: Documents['START_WATCHING'] = `mutation StartWatching($s: ID!, $w: ID!, $sdp: String!) { startWatching(sessionId: $s, watchId: $w, sdp: $sdp) }`;
export const WATCH_QUALITY: Documents['WATCH_QUALITY'] = `mutation WatchQuality($s: ID!, $w: ID!, $a: Boolean!) { setWatchQuality(sessionId: $s, watchId: $w, active: $a) }`;
export const STOP_WATCHING: Documents['STOP_WATCHING'] = `mutation StopWatching($s: ID!, $w: ID!) { stopWatching(sessionId: $s, watchId: $w) }`;
export const ICE: Documents['ICE'] = `query Ice { iceServers { urls username credential } }`;
