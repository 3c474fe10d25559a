import type { ServerResponse } from 'node:http';
import { submitSettings } from '../../app/lti/deep-linking.js';
import type { LaunchOutcome, SettingsTicket } from '../../app/lti/launch.js';
import { CUSTOM } from '../../app/lti/link-settings.js';
import { ltiLaunchServices } from '../../app/lti/login.js';
import type { Core } from '../../app/core/core.js';
import type { Config } from '../../config.js';
import { ValidationError } from '../../domain/core/errors.js';
import type { LtiLinkSettings } from '../../domain/lti/link.js';
import { listTemplates } from '../../projections/templates/projection.js';
import type { TokenService } from '../auth/tokens.js';
import { autoPostForm, escapeHtml, readForm, sendPage, sendRefusal } from './lti-pages.js';
import type { RouteRequest } from './route.js';

/** How long an instructor may take to fill in the settings form. */
const TICKET_TTL_MS = 60 * 60_000;

/** The template choice: none, or one of the templates in use (its current version is what each session takes). */
async function templateField(core: Core, chosen: string | null | undefined): Promise<string> {
  const templates = await listTemplates(core.db);
  const option = (value: string, label: string) => `<option value="${escapeHtml(value)}"${value === (chosen ?? '') ? ' selected' : ''}>${escapeHtml(label)}</option>`;
  return `<label for="${CUSTOM.template}">Exam template (its stages, addons, rules and metrics; the fields here override it)</label>` +
    `<select id="${CUSTOM.template}" name="${CUSTOM.template}">${option('', 'No template')}${templates.map((t) => option(t.templateId, t.settings.name)).join('')}</select>`;
}

/** The exam settings form of a resource link (first launch) or of a deep linking request, with the ticket that allows it. */
export async function showSettingsForm(
  res: ServerResponse, core: Core, config: Config, ticket: SettingsTicket, values: LtiLinkSettings, error: string | null, headers: Record<string, string> = {}, status = 200,
): Promise<void> {
  const sealed = ltiLaunchServices(core, config.jwtSecret).tickets.seal(ticket, new Date(core.now().getTime() + TICKET_TTL_MS));
  const intro = ticket.kind === 'deep-link'
    ? 'Choose the settings of the proctored exam to add to your course.'
    : 'This exam is not configured yet. Choose its settings; your learners can start once you save them.';
  const field = (name: string, label: string, input: string) => `<label for="${name}">${escapeHtml(label)}</label>${input}`;
  const body = `<p>${escapeHtml(intro)}</p>${error ? `<p id="lti-error" role="alert">${escapeHtml(error)}</p>` : ''}` +
    `<form id="lti-settings" method="post" action="${escapeHtml(config.publicUrl)}/lti/settings">` +
    `<input type="hidden" name="ticket" value="${escapeHtml(sealed)}">` +
    await templateField(core, values.template) +
    field(CUSTOM.name, 'Exam name', `<input type="text" id="${CUSTOM.name}" name="${CUSTOM.name}" required maxlength="300" value="${escapeHtml(values.name)}">`) +
    field(CUSTOM.duration, 'Duration (minutes)', `<input type="number" id="${CUSTOM.duration}" name="${CUSTOM.duration}" required min="1" max="1440" value="${values.durationMinutes}">`) +
    field(CUSTOM.proctor, 'Proctor (username; empty: assigned later by an administrator)', `<input type="text" id="${CUSTOM.proctor}" name="${CUSTOM.proctor}" maxlength="100" value="${escapeHtml(values.proctor ?? '')}">`) +
    `<label><input type="checkbox" name="${CUSTOM.secondCamera}" value="true"${values.secondCamera ? ' checked' : ''}> A phone as second camera</label>` +
    `<button type="submit" id="lti-save">${ticket.kind === 'deep-link' ? 'Add to the course' : 'Save'}</button></form>`;
  sendPage(res, config, status, 'Exam settings', body, { headers });
}

/** POST /lti/settings: the settings form, posted; a wrong value shows the form again with the reason. */
export function ltiSettings(core: Core, config: Config, tokens: () => TokenService) {
  return async ({ req, res, url }: RouteRequest): Promise<void> => {
    let ticket: SettingsTicket | null = null;
    let form: Record<string, string> = {};
    try {
      form = await readForm(req, url);
      ticket = ltiLaunchServices(core, config.jwtSecret).tickets.open<SettingsTicket>(form.ticket, core.now());
      const outcome = await submitSettings(core, ticket, form, `${config.publicUrl}/lti/launch`);
      if (outcome.kind === 'monitor') return await monitorRedirect(res, config, tokens(), outcome);
      const post = autoPostForm(outcome.returnUrl, { JWT: outcome.jwt });
      return sendPage(res, config, 200, 'Returning to your course…', post.body, { script: post.script });
    } catch (error) {
      if (ticket && error instanceof ValidationError) {
        const values = {
          name: form[CUSTOM.name] ?? '', durationMinutes: Number(form[CUSTOM.duration]) || 60, proctor: form[CUSTOM.proctor] ?? null,
          secondCamera: form[CUSTOM.secondCamera] === 'true', template: form[CUSTOM.template] || null,
        };
        return await showSettingsForm(res, core, config, ticket, values, error.message, {}, 400);
      }
      sendRefusal(res, config, error, 'The settings could not be saved');
    }
  };
}

/** Signs staff in as a proctor and opens the monitor on the course's sessions. */
export async function monitorRedirect(
  res: ServerResponse, config: Config, tokens: TokenService, outcome: Extract<LaunchOutcome, { kind: 'monitor' }>, headers: Record<string, string> = {},
): Promise<void> {
  const issued = await tokens.issue({ id: outcome.staff.username, role: outcome.staff.role }, { version: outcome.staff.tokenVersion });
  const query = outcome.query ? `&q=${encodeURIComponent(outcome.query)}` : '';
  res.writeHead(303, { 'cache-control': 'no-store', ...headers, location: `${config.publicUrl}/#/monitor?token=${encodeURIComponent(issued.token)}${query}` });
  res.end();
}
