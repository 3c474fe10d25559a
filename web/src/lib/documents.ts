/** The GraphQL documents the client sends (checked against schema.graphql by the browser tests). */
export const SESSION_FIELDS = `id name student studentName proctor status date startedAt stoppedAt duration score conclusion comment messageToStudent url blocked finishedBy recentCodes tags metrics secondCamera selfScheduling booked checkInOpensAt checkInClosesAt version`;
export const MESSAGE_FIELDS = `id from role text incident at attachment { id name contentType size }`;

export const LOGIN = `mutation Login($u: String!, $p: String!) { login(username: $u, password: $p) { token user { username role displayName } } }`;
export const ME = `query Me { me { username role displayName } }`;
export const SESSIONS = `query Sessions($q: String, $first: Int) { sessions(query: $q, first: $first) { totalCount edges { node { ${SESSION_FIELDS} } } } }`;
export const SESSION = `query Session($id: ID!) { session(id: $id) { ${SESSION_FIELDS} } }`;
export const CHAT = `query Chat($id: ID!) { session(id: $id) { id messages { ${MESSAGE_FIELDS} } } }`;
export const CHAT_FILES = `query ChatFiles($id: ID!) { session(id: $id) { id files { id name contentType size } } }`;
export const FACES = `query Faces($id: ID!) { session(id: $id) { id faces { photoId result reason faceCount distance similarProfiles at } files { id kind name contentType } } }`;
export const PROTOCOL = `query Protocol($id: ID!) { session(id: $id) { ${SESSION_FIELDS} createdAt scheduledAt template averages { code value }
  messages { ${MESSAGE_FIELDS} } notes { id author text at } faces { photoId result reason faceCount distance similarProfiles at } minutes { minute total values { code value } }
  timeline { seq kind type at actor data } scoreBreakdown { score minutes terms { code share weight contribution } } recordings { track seq start durationMs } } }`;
export const COMPLETE = `query Complete($t: String!, $o: Int!) { searchCompletion(text: $t, offset: $o) { fields tokens values start } }`;

export const SESSIONS_CHANGED = `subscription Changed($q: String) { sessionsChanged(query: $q) { event matches session { ${SESSION_FIELDS} } } }`;
export const MOBILE_LINK = `mutation MobileLink($s: ID!) { mobileCameraLink(sessionId: $s) { url expiresAt } }`;
export const CONNECT_MOBILE = `mutation ConnectMobile($s: ID!, $ua: String!) { connectMobileCamera(sessionId: $s, userAgent: $ua) { sessionId student token expiresAt } }`;
export const ACTIVITY = `subscription Activity($id: ID!) { sessionActivity(id: $id) { sessionId seq type at actor data } }`;

export const CHECK_IN = `mutation CheckIn($id: ID!, $ua: String!, $ok: Boolean!) { checkIn(id: $id, userAgent: $ua, browserSupported: $ok) { ${SESSION_FIELDS} } }`;
export const SUBMIT_PHOTO = `mutation Photo($id: ID!, $p: String!, $k: String!) { submitIdentityPhoto(id: $id, photoId: $p, kind: $k) { id } }`;
export const START = `mutation Start($id: ID!) { startSession(id: $id) { ${SESSION_FIELDS} } }`;
export const SEND = `mutation Send($id: ID!, $text: String!, $incident: Boolean!, $file: String) { sendMessage(sessionId: $id, text: $text, incident: $incident, attachmentId: $file) { ${MESSAGE_FIELDS} } }`;
export const FINISH = `mutation Finish($id: ID!, $c: Conclusion, $comment: String, $m: String) { finishSession(id: $id, conclusion: $c, comment: $comment, messageToStudent: $m) { ${SESSION_FIELDS} } }`;
export const CONCLUDE = `mutation Conclude($id: ID!, $c: Conclusion!, $comment: String, $m: String) { concludeSession(id: $id, conclusion: $c, comment: $comment, messageToStudent: $m) { ${SESSION_FIELDS} } }`;
export const JOIN = `mutation Join($id: ID!) { joinSession(id: $id) { id } }`;
export const ADD_NOTE = `mutation Note($id: ID!, $text: String!) { addNote(sessionId: $id, text: $text) { id } }`;
