/** The console's GraphQL documents, typed by `npm run web:types` (graphql.generated.ts). */
import type { Documents } from '../graphql.generated.js';

const ROW = 'id name student studentName proctor status date scheduledAt score';
const RESULT = 'id ok code message';

export const CONSOLE_SESSIONS: Documents['CONSOLE_SESSIONS'] = `query ConsoleSessions($q: String, $first: Int, $after: String, $orderBy: SessionOrder, $descending: Boolean) {
  sessions(query: $q, first: $first, after: $after, orderBy: $orderBy, descending: $descending) { totalCount edges { node { ${ROW} } } pageInfo { hasNextPage endCursor } } }`;
export const CONSOLE_IDS: Documents['CONSOLE_IDS'] = `query ConsoleIds($q: String, $after: String) {
  sessions(query: $q, first: 500, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }`;
export const CONSOLE_PROCTORS: Documents['CONSOLE_PROCTORS'] = `query ConsoleProctors { accounts { username role displayName } }`;
export const BULK_ASSIGN: Documents['BULK_ASSIGN'] = `mutation BulkAssign($ids: [ID!]!, $proctor: String) { assignProctorToSessions(ids: $ids, proctor: $proctor) { ${RESULT} } }`;
export const BULK_RESCHEDULE: Documents['BULK_RESCHEDULE'] = `mutation BulkReschedule($ids: [ID!]!, $at: DateTimeISO!) { rescheduleSessions(ids: $ids, scheduledAt: $at) { ${RESULT} } }`;
export const BULK_CANCEL: Documents['BULK_CANCEL'] = `mutation BulkCancel($ids: [ID!]!, $reason: String!) { cancelSessions(ids: $ids, reason: $reason) { ${RESULT} } }`;
export const BULK_PAUSE: Documents['BULK_PAUSE'] = `mutation BulkPause($ids: [ID!]!) { pauseSessions(ids: $ids) { ${RESULT} } }`;
export const BULK_RESUME: Documents['BULK_RESUME'] = `mutation BulkResume($ids: [ID!]!) { resumeSessions(ids: $ids) { ${RESULT} } }`;
export const IMPORT_SESSIONS: Documents['IMPORT_SESSIONS'] =
  `mutation ImportSessions($csv: String!, $template: String!, $dry: Boolean!) { importSessions(csv: $csv, template: $template, dryRun: $dry) { created rows { line id name student proctor scheduledAt status problem } } }`;
