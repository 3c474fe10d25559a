/** The export dialog's GraphQL documents, typed by `npm run web:types`. */
import type { Documents } from '../graphql.generated.js';

export const EXPORT_FIELDS: Documents['EXPORT_FIELDS'] = `query ExportFields { exportFields { name type description } }`;
export const EXPORT_SESSIONS: Documents['EXPORT_SESSIONS'] = `mutation ExportSessions($fields: [String!]!, $query: String, $format: ExportFormat!, $bom: Boolean) {
  exportSessions(fields: $fields, query: $query, format: $format, bom: $bom) { exportId path expiresAt } }`;
