/**
 * The GraphQL documents the client sends, each typed by `npm run web:types` from schema.graphql (graphql.generated.ts,
 * checked by web/src/lib/graphql.test.ts). The protocol page's documents are not annotated yet: that page is being
 * rewritten elsewhere; their types are generated all the same.
 */
import type { Documents } from './graphql.generated.js';

export const SESSION_FIELDS = `id name student studentName proctor status date startedAt stoppedAt duration score conclusion comment messageToStudent url blocked awaitingApproval finishedBy recentCodes tags metrics secondCamera selfScheduling booked checkInOpensAt checkInClosesAt version`;
export const MESSAGE_FIELDS = `id from role text incident at attachment { id name contentType size }`;

export const LOGIN: Documents['LOGIN'] = `mutation Login($u: String!, $p: String!) { login(username: $u, password: $p) { token user { username role displayName } } }`;
export const ME: Documents['ME'] = `query Me { me { username role displayName } }`;
export const SESSIONS: Documents['SESSIONS'] = `query Sessions($q: String, $first: Int) { sessions(query: $q, first: $first) { totalCount edges { node { ${SESSION_FIELDS} } } } }`;
export const SESSION: Documents['SESSION'] = `query Session($id: ID!) { session(id: $id) { ${SESSION_FIELDS} } }`;
export const CHAT: Documents['CHAT'] = `query Chat($id: ID!) { session(id: $id) { id messages { ${MESSAGE_FIELDS} } } }`;
export const CHAT_FILES: Documents['CHAT_FILES'] = `query ChatFiles($id: ID!) { session(id: $id) { id files { id name contentType size } } }`;
export const FACES: Documents['FACES'] = `query Faces($id: ID!) { session(id: $id) { id faces { photoId result reason faceCount distance similarProfiles at } files { id kind name contentType } } }`;
/** The server's checks of the recording (segments analysed, t1 raised), for the Faces tab. */
export const RECORDING_CHECKS: Documents['RECORDING_CHECKS'] = `query RecordingChecks($id: ID!) { session(id: $id) { id timeline { type at data } } }`;
export const PROTOCOL = `query Protocol($id: ID!) { session(id: $id) { ${SESSION_FIELDS} createdAt scheduledAt template averages { code value }
  messages { ${MESSAGE_FIELDS} } notes { id author text at } faces { photoId result reason faceCount distance similarProfiles at } minutes { minute total values { code value } }
  timeline { seq kind type at actor data } scoreBreakdown { score minutes terms { code share weight contribution } } recordings { track seq start durationMs } } }`;
export const LMS_LINK: Documents['LMS_LINK'] = `query LmsLink($id: ID!) { session(id: $id) { id fromLms } }`;
export const COURSE_MEMBERS: Documents['COURSE_MEMBERS'] = `query CourseMembers($id: ID!) { ltiCourseMembers(sessionId: $id) { userId name email roles status } }`;
export const COMPLETE: Documents['COMPLETE'] = `query Complete($t: String!, $o: Int!) { searchCompletion(text: $t, offset: $o) { fields tokens values start } }`;

export const SESSIONS_CHANGED: Documents['SESSIONS_CHANGED'] = `subscription Changed($q: String) { sessionsChanged(query: $q) { event matches session { ${SESSION_FIELDS} } } }`;
export const MOBILE_LINK: Documents['MOBILE_LINK'] = `mutation MobileLink($s: ID!) { mobileCameraLink(sessionId: $s) { url expiresAt } }`;
export const CONNECT_MOBILE: Documents['CONNECT_MOBILE'] = `mutation ConnectMobile($s: ID!, $ua: String!) { connectMobileCamera(sessionId: $s, userAgent: $ua) { sessionId student token expiresAt } }`;
export const ACTIVITY: Documents['ACTIVITY'] = `subscription Activity($id: ID!) { sessionActivity(id: $id) { sessionId seq type at actor data } }`;

export const CHECK_IN: Documents['CHECK_IN'] = `mutation CheckIn($id: ID!, $ua: String!, $ok: Boolean!) { checkIn(id: $id, userAgent: $ua, browserSupported: $ok) { ${SESSION_FIELDS} } }`;
export const SUBMIT_PHOTO: Documents['SUBMIT_PHOTO'] = `mutation Photo($id: ID!, $p: String!, $k: String!) { submitIdentityPhoto(id: $id, photoId: $p, kind: $k) { id } }`;
export const START: Documents['START'] = `mutation Start($id: ID!) { startSession(id: $id) { ${SESSION_FIELDS} } }`;
export const SEND: Documents['SEND'] = `mutation Send($id: ID!, $text: String!, $incident: Boolean!, $file: String) { sendMessage(sessionId: $id, text: $text, incident: $incident, attachmentId: $file) { ${MESSAGE_FIELDS} } }`;
export const FINISH: Documents['FINISH'] = `mutation Finish($id: ID!, $c: Conclusion, $comment: String, $m: String) { finishSession(id: $id, conclusion: $c, comment: $comment, messageToStudent: $m) { ${SESSION_FIELDS} } }`;
export const CONCLUDE = `mutation Conclude($id: ID!, $c: Conclusion!, $comment: String, $m: String) { concludeSession(id: $id, conclusion: $c, comment: $comment, messageToStudent: $m) { ${SESSION_FIELDS} } }`;
export const JOIN: Documents['JOIN'] = `mutation Join($id: ID!) { joinSession(id: $id) { id } }`;
export const ADD_NOTE = `mutation Note($id: ID!, $text: String!) { addNote(sessionId: $id, text: $text) { id } }`;

// Accounts
export const ACCOUNTS: Documents['ACCOUNTS'] = `query Accounts($d: Boolean) { accounts(includeDisabled: $d) { username role displayName disabled faceReference { photoId setAt } } }`;
export const CLEAR_FACE_REFERENCE: Documents['CLEAR_FACE_REFERENCE'] = `mutation Clear($u: String!, $r: String!) { clearFaceReference(username: $u, reason: $r) }`;
export const REGISTER_ACCOUNT: Documents['REGISTER_ACCOUNT'] = `mutation Register($u: String!, $n: String, $r: String!, $p: String!) { registerAccount(username: $u, displayName: $n, role: $r, password: $p) { username } }`;
export const RESET_PASSWORD: Documents['RESET_PASSWORD'] = `mutation Reset($u: String!, $p: String!) { resetPassword(username: $u, password: $p) { username } }`;
export const DISABLE_ACCOUNT: Documents['DISABLE_ACCOUNT'] = `mutation Disable($u: String!, $r: String!) { disableAccount(username: $u, reason: $r) { username } }`;
export const ENABLE_ACCOUNT: Documents['ENABLE_ACCOUNT'] = `mutation Enable($u: String!) { enableAccount(username: $u) { username } }`;
export const ERASE_PERSON: Documents['ERASE_PERSON'] = `mutation ErasePerson($u: String!, $r: String!) { erasePerson(username: $u, reason: $r) { username sessions objectsRemoved } }`;

// Password
export const CHANGE_PASSWORD: Documents['CHANGE_PASSWORD'] = `mutation ChangePassword($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { token user { username role displayName } } }`;

// A new session on screen
export const PEOPLE: Documents['PEOPLE'] = `query People { students: accounts(role: "student") { username displayName } proctors: accounts(role: "proctor") { username displayName } }`;
export const CREATE_SESSION: Documents['CREATE_SESSION'] = `mutation Create($input: CreateSessionInput!) { createSession(input: $input) { id } }`;

// The calendar of open slots
export const SLOTS: Documents['SLOTS'] = `query Slots($f: DateTimeISO!, $t: DateTimeISO!, $p: String) { slots(from: $f, to: $t, proctor: $p) { proctor start end seats booked closed sessions } }`;
export const OPEN_SLOTS: Documents['OPEN_SLOTS'] = `mutation Open($s: [SlotInput!]!, $n: Int!, $p: String) { openSlots(slots: $s, seats: $n, proctor: $p) { start } }`;
export const CLOSE_SLOT: Documents['CLOSE_SLOT'] = `mutation Close($t: DateTimeISO!, $p: String) { closeSlot(start: $t, proctor: $p) }`;
export const PROCTORS: Documents['PROCTORS'] = `query Proctors { accounts(role: "proctor") { username displayName } }`;

// Booking a slot
export const AVAILABLE_SLOTS: Documents['AVAILABLE_SLOTS'] = `query Available($s: ID!) { availableSlots(sessionId: $s) { proctor start end } }`;
export const BOOK_SLOT: Documents['BOOK_SLOT'] = `mutation Book($s: ID!, $p: String!, $t: DateTimeISO!) { bookSlot(sessionId: $s, proctor: $p, start: $t) { ${SESSION_FIELDS} } }`;

// An integration's result webhook
const WEBHOOK_FIELDS = `integration url deliveries { sessionId deliveryId status attempts lastStatus lastError lastAttemptAt nextAttemptAt concludedAt }`;
export const INTEGRATION_WEBHOOK: Documents['INTEGRATION_WEBHOOK'] = `query IntegrationWebhook($u: String!) { integrationWebhook(username: $u) { ${WEBHOOK_FIELDS} } }`;
export const SET_WEBHOOK_URL: Documents['SET_WEBHOOK_URL'] = `mutation SetWebhookUrl($u: String!, $url: String) { setWebhookUrl(username: $u, url: $url) { ${WEBHOOK_FIELDS} } }`;

// The LMS a session came from (LTI 1.3), and the page that opens its assessment (LtiStartAssessment).
export const SESSION_LMS: Documents['SESSION_LMS'] = `query SessionLms($id: ID!) { session(id: $id) { id lms { proctored returnUrl assessmentEnded } } }`;
export const START_LMS_ASSESSMENT: Documents['START_LMS_ASSESSMENT'] = `mutation StartLmsAssessment($s: ID!) { startLmsAssessment(sessionId: $s) { url expiresAt } }`;
