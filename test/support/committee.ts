import type { TestApi } from './api.js';

/**
 * A session student1 took and proctor1 concluded, sent to an examination committee of `members` chaired by `chair`,
 * with proctor1 invited as witness and student1 to a hearing: who may then join its conference room.
 */
export async function sessionUnderReview(api: TestApi, id: string, committee: { members: readonly string[]; chair: string }, extra: Record<string, unknown> = {}): Promise<void> {
  await api.createSession(id, { student: 'student1', proctor: 'proctor1', ...extra });
  await api.as('student1', `mutation { checkIn(id: "${id}", userAgent: "ua") { id } }`);
  await api.as('student1', `mutation { startSession(id: "${id}") { id } }`);
  await api.as('proctor1', `mutation { finishSession(id: "${id}", conclusion: negative, comment: "a second voice") { id } }`);
  await api.as('admin', `mutation($s: ID!, $m: [String!]!, $c: String!) { appointCommittee(sessionId: $s, members: $m, chair: $c) { status } }`, { s: id, m: committee.members, c: committee.chair });
  await api.as('admin', `mutation($s: ID!) { inviteCommitteeWitness(sessionId: $s) { witness } inviteToHearing(sessionId: $s) { hearing } }`, { s: id });
}
