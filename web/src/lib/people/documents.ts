/** The GraphQL documents of the people import, the integrations page and the set-password page, typed by `npm run web:types`. */
import type { Documents } from '../graphql.generated.js';

export const IMPORT_ACCOUNTS: Documents['IMPORT_ACCOUNTS'] =
  `mutation ImportAccounts($csv: String!, $dry: Boolean!) { importAccounts(csv: $csv, dryRun: $dry) { created rows { line username name email role status problem } links { username url expiresAt } } }`;
export const SET_PASSWORD_WITH_LINK: Documents['SET_PASSWORD_WITH_LINK'] =
  `mutation SetPasswordWithLink($u: String!, $k: String!, $p: String!) { setPasswordWithLink(username: $u, key: $k, password: $p) }`;
export const INTEGRATIONS: Documents['INTEGRATIONS'] = `query Integrations { integrations { username displayName disabled secretSetAt } }`;
export const GENERATE_INTEGRATION_SECRET: Documents['GENERATE_INTEGRATION_SECRET'] = `mutation GenerateIntegrationSecret($u: String!) { generateIntegrationSecret(username: $u) }`;
export const REVOKE_INTEGRATION_SECRET: Documents['REVOKE_INTEGRATION_SECRET'] = `mutation RevokeIntegrationSecret($u: String!) { revokeIntegrationSecret(username: $u) }`;
