import { assertNever } from '../../domain/core/errors.js';
import { LTI_LINK_EVENT_TYPES, type LtiLinkEvent, type LtiLinkSettings } from '../../domain/lti/link.js';
import type { Sql } from '../../store/sql.js';
import type { Projection } from '../projection.js';

/**
 * The resource links configured in our form (at their first launch, or edited since on the LMS page), with who set
 * them last. Deep-linked items are not here: they carry their settings in the LMS's custom parameters.
 */
export const ltiLinksProjection: Projection<LtiLinkEvent> = {
  name: 'lti_links',
  ddl: `
CREATE TABLE IF NOT EXISTS lti_links (
  platform_id      text NOT NULL,
  resource_link_id text NOT NULL,
  context_id       text,
  name             text NOT NULL,
  duration_minutes integer NOT NULL,
  proctor          text,
  second_camera    boolean NOT NULL,
  template         text,
  configured_by    text NOT NULL,
  configured_at    timestamptz NOT NULL,
  PRIMARY KEY (platform_id, resource_link_id)
);`,
  tables: ['lti_links'],
  handles: new Set(LTI_LINK_EVENT_TYPES),
  async apply(tx, event) {
    switch (event.type) {
      case 'LtiLinkConfigured': {
        const d = event.data;
        await tx.query(
          `INSERT INTO lti_links (platform_id, resource_link_id, context_id, name, duration_minutes, proctor, second_camera, template, configured_by, configured_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT (platform_id, resource_link_id) DO UPDATE SET context_id = excluded.context_id, name = excluded.name,
             duration_minutes = excluded.duration_minutes, proctor = excluded.proctor, second_camera = excluded.second_camera,
             template = excluded.template, configured_by = excluded.configured_by, configured_at = excluded.configured_at`,
          [d.platformId, d.resourceLinkId, d.contextId, d.name, d.durationMinutes, d.proctor, d.secondCamera, d.template ?? null, d.by, d.at],
        );
        return;
      }
      default:
        return assertNever(event.type, 'LTI link event');
    }
  },
};

/** A configured resource link as the read model holds it. */
export interface LtiLinkRow extends LtiLinkSettings {
  readonly platformId: string;
  readonly resourceLinkId: string;
  readonly contextId: string | null;
  readonly template: string | null;
  readonly configuredBy: string;
  readonly configuredAt: Date;
}

type Raw = {
  platform_id: string; resource_link_id: string; context_id: string | null; name: string; duration_minutes: number; proctor: string | null;
  second_camera: boolean; template: string | null; configured_by: string; configured_at: Date | string;
};

const COLUMNS = 'platform_id, resource_link_id, context_id, name, duration_minutes, proctor, second_camera, template, configured_by, configured_at';

function rowOf(r: Raw): LtiLinkRow {
  return {
    platformId: r.platform_id, resourceLinkId: r.resource_link_id, contextId: r.context_id, name: r.name, durationMinutes: Number(r.duration_minutes),
    proctor: r.proctor, secondCamera: r.second_camera, template: r.template, configuredBy: r.configured_by, configuredAt: new Date(r.configured_at),
  };
}

/** A platform's configured links, by course and then name. */
export async function listLtiLinks(db: Sql, platformId: string): Promise<LtiLinkRow[]> {
  return (await db.query<Raw>(`SELECT ${COLUMNS} FROM lti_links WHERE platform_id = $1 ORDER BY context_id NULLS LAST, name, resource_link_id`, [platformId])).map(rowOf);
}

export async function getLtiLink(db: Sql, platformId: string, resourceLinkId: string): Promise<LtiLinkRow | null> {
  const [row] = await db.query<Raw>(`SELECT ${COLUMNS} FROM lti_links WHERE platform_id = $1 AND resource_link_id = $2`, [platformId, resourceLinkId]);
  return row ? rowOf(row) : null;
}
