/** The committee page's GraphQL documents, typed by `npm run web:types`. */
import type { Documents } from '../graphql.generated.js';

const REVIEW_FIELDS = `sessionId status members chair witness hearing presenter proctorConclusion inRoom { username as }
  votes { member vote comment at } messages { id from text at } decision conclusion tieBrokenByChair closedAt`;

export const COMMITTEE_REVIEW: Documents['COMMITTEE_REVIEW'] = `query CommitteeReview($s: ID!) { committeeReview(sessionId: $s) { ${REVIEW_FIELDS} } myCommitteeVote(sessionId: $s) { vote comment } }`;
export const MY_COMMITTEE_REVIEWS: Documents['MY_COMMITTEE_REVIEWS'] = `query MyCommitteeReviews { myCommitteeReviews { sessionId name status chair appointedAt } }`;
export const COMMITTEE_CHANGED: Documents['COMMITTEE_CHANGED'] = `subscription CommitteeChanged($s: ID!) { committeeChanged(sessionId: $s) {
  review { ${REVIEW_FIELDS} } position { presenter time minute playing at } } }`;
export const JOIN_COMMITTEE: Documents['JOIN_COMMITTEE'] = `mutation JoinCommittee($s: ID!) { joinCommitteeRoom(sessionId: $s) { ${REVIEW_FIELDS} } }`;
export const LEAVE_COMMITTEE: Documents['LEAVE_COMMITTEE'] = `mutation LeaveCommittee($s: ID!) { leaveCommitteeRoom(sessionId: $s) { ${REVIEW_FIELDS} } }`;
export const TAKE_PRESENTING: Documents['TAKE_PRESENTING'] = `mutation TakePresenting($s: ID!) { takePresenting(sessionId: $s) { ${REVIEW_FIELDS} } }`;
export const MOVE_POSITION: Documents['MOVE_POSITION'] = `mutation MovePosition($s: ID!, $t: Float!, $m: Int, $p: Boolean) { moveCommitteePosition(sessionId: $s, time: $t, minute: $m, playing: $p) { time } }`;
export const POST_COMMITTEE_MESSAGE: Documents['POST_COMMITTEE_MESSAGE'] = `mutation PostCommitteeMessage($s: ID!, $t: String!) { postCommitteeMessage(sessionId: $s, text: $t) { ${REVIEW_FIELDS} } }`;
export const CAST_VOTE: Documents['CAST_VOTE'] = `mutation CastVote($s: ID!, $v: CommitteeVoteChoice!, $c: String!) { castCommitteeVote(sessionId: $s, vote: $v, comment: $c) { ${REVIEW_FIELDS} } }`;
export const CLOSE_REVIEW: Documents['CLOSE_REVIEW'] = `mutation CloseReview($s: ID!) { closeCommitteeReview(sessionId: $s) { ${REVIEW_FIELDS} } }`;
export const APPOINT_COMMITTEE: Documents['APPOINT_COMMITTEE'] = `mutation AppointCommittee($s: ID!, $m: [String!]!, $c: String!) { appointCommittee(sessionId: $s, members: $m, chair: $c) { sessionId } }`;
export const INVITE_WITNESS: Documents['INVITE_WITNESS'] = `mutation InviteWitness($s: ID!) { inviteCommitteeWitness(sessionId: $s) { sessionId } }`;
export const INVITE_HEARING: Documents['INVITE_HEARING'] = `mutation InviteHearing($s: ID!) { inviteToHearing(sessionId: $s) { sessionId } }`;
export const COMMITTEE_CANDIDATES: Documents['COMMITTEE_CANDIDATES'] = `query CommitteeCandidates { committee: accounts(role: "committee") { username displayName } proctors: accounts(role: "proctor") { username displayName } }`;
