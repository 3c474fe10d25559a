/** The supervisor's GraphQL documents: metrics, violations, identity snapshots (typed as in ../documents.ts). */
import type { Documents } from '../graphql.generated.js';

export const RECORD_METRICS: Documents['RECORD_METRICS'] = `mutation Metrics($s: ID!, $m: Int!, $v: [MetricValueInput!]!) { recordMetrics(sessionId: $s, minute: $m, values: $v) { id } }`;
export const RECORD_VIOLATION: Documents['RECORD_VIOLATION'] = `mutation Violation($s: ID!, $c: String!, $d: String) { recordViolation(sessionId: $s, code: $c, detail: $d) { id } }`;
export const SUBMIT_SNAPSHOT: Documents['SUBMIT_SNAPSHOT'] = `mutation Snapshot($id: ID!, $p: String!) { submitIdentityPhoto(id: $id, photoId: $p, kind: "face") { id } }`;
