/** The conference room's GraphQL documents: its signals, and in janus mode publishing and watching (typed as in ../documents.ts). */
import type { Documents } from '../graphql.generated.js';

export const CONFERENCE_SIGNALS: Documents['CONFERENCE_SIGNALS'] = `subscription ConferenceSignals($s: ID!, $m: String!) { conferenceSignals(sessionId: $s, memberId: $m) { from username kind payload } }`;
export const CONFERENCE_SIGNAL: Documents['CONFERENCE_SIGNAL'] = `mutation ConferenceSignal($s: ID!, $m: String!, $to: String!, $k: String!, $p: JSON) { conferenceSignal(sessionId: $s, memberId: $m, to: $to, kind: $k, payload: $p) }`;
export const PUBLISH_CONFERENCE: Documents['PUBLISH_CONFERENCE'] = `mutation PublishConference($s: ID!, $m: String!, $sdp: String!) { publishConference(sessionId: $s, memberId: $m, sdp: $sdp) }`;
export const WATCH_CONFERENCE: Documents['WATCH_CONFERENCE'] = `mutation WatchConference($s: ID!, $m: String!, $member: String!) { watchConference(sessionId: $s, memberId: $m, member: $member) { watchId sdp } }`;
export const START_CONFERENCE_WATCH: Documents['START_CONFERENCE_WATCH'] = `mutation StartConferenceWatch($s: ID!, $m: String!, $w: ID!, $sdp: String!) { startConferenceWatch(sessionId: $s, memberId: $m, watchId: $w, sdp: $sdp) }`;
export const STOP_CONFERENCE_WATCH: Documents['STOP_CONFERENCE_WATCH'] = `mutation StopConferenceWatch($s: ID!, $m: String!, $w: ID!) { stopConferenceWatch(sessionId: $s, memberId: $m, watchId: $w) }`;
