import { assertNever } from '../../domain/core/errors.js';
import type { TemplateSettings } from '../../domain/template/settings.js';
import { settingsOf, TEMPLATE_EVENT_TYPES, type TemplateEvent } from '../../domain/template/template.js';
import type { Sql } from '../../store/sql.js';
import type { Projection } from '../projection.js';

/**
 * Exam templates: each one's current version (listed, found by id or name when a session is created) and every
 * version it had (a session names the version it came from; the protocol shows that one, not the current).
 */
export const templatesProjection: Projection<TemplateEvent> = {
  name: 'templates',
  ddl: `
CREATE TABLE IF NOT EXISTS templates (
  template_id text PRIMARY KEY,
  name        text NOT NULL,
  version     integer NOT NULL,
  settings    jsonb NOT NULL,
  archived    boolean NOT NULL DEFAULT false,
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL,
  updated_by  text NOT NULL,
  updated_at  timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS templates_name ON templates (lower(name));
CREATE TABLE IF NOT EXISTS template_versions (
  template_id text NOT NULL,
  version     integer NOT NULL,
  settings    jsonb NOT NULL,
  by_actor    text NOT NULL,
  at          timestamptz NOT NULL,
  PRIMARY KEY (template_id, version)
);`,
  tables: ['templates', 'template_versions'],
  handles: new Set(TEMPLATE_EVENT_TYPES),
  async apply(tx, event) {
    switch (event.type) {
      case 'TemplateCreated':
      case 'TemplateRevised': {
        const d = event.data;
        const settings = JSON.stringify(settingsOf(d));
        await tx.query(
          `INSERT INTO templates (template_id, name, version, settings, created_by, created_at, updated_by, updated_at) VALUES ($1, $2, $3, $4::jsonb, $5, $6, $5, $6)
           ON CONFLICT (template_id) DO UPDATE SET name = excluded.name, version = excluded.version, settings = excluded.settings, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
          [d.templateId, d.name, d.version, settings, d.by, d.at],
        );
        await tx.query(
          `INSERT INTO template_versions (template_id, version, settings, by_actor, at) VALUES ($1, $2, $3::jsonb, $4, $5) ON CONFLICT DO NOTHING`,
          [d.templateId, d.version, settings, d.by, d.at],
        );
        return;
      }
      case 'TemplateArchived':
        await tx.query(`UPDATE templates SET archived = true, updated_by = $2, updated_at = $3 WHERE template_id = $1`, [event.data.templateId, event.data.by, event.data.at]);
        return;
      default:
        return assertNever(event, 'template event');
    }
  },
};

/** A template's current version as the read model holds it. */
export interface TemplateRow {
  readonly templateId: string;
  readonly version: number;
  readonly settings: TemplateSettings;
  readonly archived: boolean;
  readonly createdBy: string;
  readonly createdAt: Date;
  readonly updatedBy: string;
  readonly updatedAt: Date;
}

type Raw = {
  template_id: string; version: number; settings: TemplateSettings | string; archived: boolean;
  created_by: string; created_at: Date | string; updated_by: string; updated_at: Date | string;
};

const COLUMNS = 'template_id, version, settings, archived, created_by, created_at, updated_by, updated_at';

function rowOf(r: Raw): TemplateRow {
  return {
    templateId: r.template_id, version: Number(r.version), settings: typeof r.settings === 'string' ? JSON.parse(r.settings) : r.settings, archived: r.archived,
    createdBy: r.created_by, createdAt: new Date(r.created_at), updatedBy: r.updated_by, updatedAt: new Date(r.updated_at),
  };
}

/** Templates by name; archived ones only when asked for. */
export async function listTemplates(db: Sql, options: { archived?: boolean } = {}): Promise<TemplateRow[]> {
  const rows = await db.query<Raw>(`SELECT ${COLUMNS} FROM templates WHERE ($1::boolean OR NOT archived) ORDER BY lower(name), template_id`, [options.archived ?? false]);
  return rows.map(rowOf);
}

export async function getTemplate(db: Sql, templateId: string): Promise<TemplateRow | null> {
  const [row] = await db.query<Raw>(`SELECT ${COLUMNS} FROM templates WHERE template_id = $1`, [templateId]);
  return row ? rowOf(row) : null;
}

/** Templates not archived whose name is `name` (case aside): more than one is possible, and the caller says so. */
export async function findTemplatesByName(db: Sql, name: string): Promise<TemplateRow[]> {
  const rows = await db.query<Raw>(`SELECT ${COLUMNS} FROM templates WHERE lower(name) = lower($1) AND NOT archived ORDER BY template_id LIMIT 2`, [name.trim()]);
  return rows.map(rowOf);
}

/** One version of a template as it was (the one a session was made from). */
export async function getTemplateVersion(db: Sql, templateId: string, version: number): Promise<TemplateSettings | null> {
  const [row] = await db.query<{ settings: TemplateSettings | string }>(`SELECT settings FROM template_versions WHERE template_id = $1 AND version = $2`, [templateId, version]);
  return row ? (typeof row.settings === 'string' ? JSON.parse(row.settings) : row.settings) : null;
}
