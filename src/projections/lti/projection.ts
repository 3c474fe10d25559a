import { assertNever } from '../../domain/core/errors.js';
import { LTI_PLATFORM_EVENT_TYPES, platformIdOf, type LtiPlatformEvent, type LtiPlatformSettings, type LtiRegistrationMethod } from '../../domain/lti/platform.js';
import type { Sql } from '../../store/sql.js';
import type { Projection } from '../projection.js';

/** The registered LMS platforms: found by (issuer, client id) at each launch, listed on the administrator's LMS page. */
export const ltiPlatformsProjection: Projection<LtiPlatformEvent> = {
  name: 'lti_platforms',
  ddl: `
CREATE TABLE IF NOT EXISTS lti_platforms (
  platform_id    text PRIMARY KEY,
  name           text NOT NULL,
  issuer         text NOT NULL,
  client_id      text NOT NULL,
  deployment_ids text[] NOT NULL,
  auth_url       text NOT NULL,
  token_url      text NOT NULL,
  jwks_url       text NOT NULL,
  method         text NOT NULL,
  removed        boolean NOT NULL DEFAULT false,
  registered_by  text NOT NULL,
  registered_at  timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS lti_platforms_issuer ON lti_platforms (md5(issuer), md5(client_id));`,
  tables: ['lti_platforms'],
  handles: new Set(LTI_PLATFORM_EVENT_TYPES),
  async apply(tx, event) {
    const id = platformIdOf(event);
    switch (event.type) {
      case 'LtiPlatformRegistered': {
        const d = event.data;
        // A platform registered again after its removal starts afresh under the same id.
        await tx.query(
          `INSERT INTO lti_platforms (platform_id, name, issuer, client_id, deployment_ids, auth_url, token_url, jwks_url, method, registered_by, registered_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           ON CONFLICT (platform_id) DO UPDATE SET name = excluded.name, deployment_ids = excluded.deployment_ids, auth_url = excluded.auth_url,
             token_url = excluded.token_url, jwks_url = excluded.jwks_url, method = excluded.method, removed = false,
             registered_by = excluded.registered_by, registered_at = excluded.registered_at`,
          [id, d.name, d.issuer, d.clientId, d.deploymentIds, d.authUrl, d.tokenUrl, d.jwksUrl, d.method, d.by, d.at],
        );
        return;
      }
      case 'LtiPlatformUpdated': {
        const d = event.data;
        await tx.query(
          `UPDATE lti_platforms SET name = $2, deployment_ids = $3, auth_url = $4, token_url = $5, jwks_url = $6 WHERE platform_id = $1`,
          [id, d.name, d.deploymentIds, d.authUrl, d.tokenUrl, d.jwksUrl],
        );
        return;
      }
      case 'LtiPlatformRemoved':
        await tx.query(`UPDATE lti_platforms SET removed = true WHERE platform_id = $1`, [id]);
        return;
      default:
        return assertNever(event, 'LTI platform event');
    }
  },
};

/** A registered platform as the read model holds it. */
export interface LtiPlatformRow extends LtiPlatformSettings {
  readonly platformId: string;
  readonly method: LtiRegistrationMethod;
  readonly removed: boolean;
  readonly registeredBy: string;
  readonly registeredAt: Date;
}

type Raw = {
  platform_id: string; name: string; issuer: string; client_id: string; deployment_ids: string[]; auth_url: string; token_url: string;
  jwks_url: string; method: LtiRegistrationMethod; removed: boolean; registered_by: string; registered_at: Date | string;
};

const COLUMNS = 'platform_id, name, issuer, client_id, deployment_ids, auth_url, token_url, jwks_url, method, removed, registered_by, registered_at';

function rowOf(r: Raw): LtiPlatformRow {
  return {
    platformId: r.platform_id, name: r.name, issuer: r.issuer, clientId: r.client_id, deploymentIds: r.deployment_ids, authUrl: r.auth_url,
    tokenUrl: r.token_url, jwksUrl: r.jwks_url, method: r.method, removed: r.removed, registeredBy: r.registered_by, registeredAt: new Date(r.registered_at),
  };
}

/** Every platform ever registered (removed ones too, marked), newest first. */
export async function listLtiPlatforms(db: Sql): Promise<LtiPlatformRow[]> {
  return (await db.query<Raw>(`SELECT ${COLUMNS} FROM lti_platforms ORDER BY registered_at DESC, platform_id`)).map(rowOf);
}

export async function getLtiPlatform(db: Sql, platformId: string): Promise<LtiPlatformRow | null> {
  const [row] = await db.query<Raw>(`SELECT ${COLUMNS} FROM lti_platforms WHERE platform_id = $1`, [platformId]);
  return row ? rowOf(row) : null;
}

/**
 * The platform that may launch with this issuer and client id (not removed). Without a client id (an OIDC login
 * initiation may omit it), the one platform of that issuer; null when there are several, as the spec then asks for it.
 */
export async function findLtiPlatform(db: Sql, issuer: string, clientId: string | null): Promise<LtiPlatformRow | null> {
  const rows = await db.query<Raw>(
    `SELECT ${COLUMNS} FROM lti_platforms WHERE md5(issuer) = md5($1) AND issuer = $1 AND ($2::text IS NULL OR (md5(client_id) = md5($2) AND client_id = $2)) AND NOT removed LIMIT 2`,
    [issuer, clientId],
  );
  return rows.length === 1 ? rowOf(rows[0]) : null;
}
