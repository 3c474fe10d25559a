import type { Account } from '../../domain/account/account.js';
import { ForbiddenError, IllegalStateError, UnauthenticatedError } from '../../domain/core/errors.js';
import type { MetricCode } from '../../domain/session/metrics.js';
import { getMonitorRow } from '../../projections/monitor/queries.js';
import type { MonitorRow } from '../../projections/monitor/row.js';
import { NO_PASSWORD } from '../accounts/passwords.js';
import type { Core } from '../core/core.js';
import { createSession } from '../templates/create-session.js';
import { integrationOf, verifyIntegrationToken, type IntegrationClaims } from './integration-token.js';

/** What an LMS link opens: the session, and its test-taker's account (whose token version a sign-in carries). */
export interface OpenedSession {
  readonly row: MonitorRow;
  readonly student: Exclude<Account, { status: 'none' }>;
}

/**
 * An LMS opens a session with a token signed by its integration secret: the token is checked and used up (each
 * signed link opens once), the test-taker's account is registered if new, the session created if new. An integration
 * reaches only the test-takers it registered and the sessions it created.
 */
export async function openIntegrationSession(core: Core, token: string): Promise<OpenedSession> {
  const { integration, claims } = await claimsOf(core, token);
  const student = await studentFor(core, integration, claims);
  let row = await getMonitorRow(core.db, claims.identifier);
  if (!row) {
    await createSession(
      core,
      { id: integration, role: 'integrator' },
      {
        sessionId: claims.identifier, name: claims.subject, student: claims.username, studentName: claims.nickname, proctor: claims.proctor,
        durationMinutes: claims.timeout ?? (claims.template ? null : 60), metrics: (claims.metrics ?? undefined) as MetricCode[] | undefined,
        weights: (claims.weights ?? undefined) as Partial<Record<MetricCode, number>> | undefined, threshold: claims.threshold ?? undefined,
        url: claims.url, template: claims.template, integrationId: integration,
        selfScheduling: claims.selfScheduling, secondCamera: claims.secondCamera ?? (claims.template ? undefined : false),
      },
    );
    row = (await getMonitorRow(core.db, claims.identifier))!;
  }
  if (row.createdBy.toLowerCase() !== integration.toLowerCase()) {
    throw new ForbiddenError(`session ${claims.identifier} was not created by the integration ${integration}`);
  }
  if (row.student !== claims.username) throw new IllegalStateError(`session ${claims.identifier} belongs to another test-taker`);
  return { row, student };
}

/** The token's claims once its integration's secret verifies it and its `jti` is claimed; the integration as its account spells it. */
async function claimsOf(core: Core, token: string): Promise<{ integration: string; claims: IntegrationClaims }> {
  const named = integrationOf(token);
  const account = await core.loadAccount(named);
  if (account.status !== 'active' || account.role !== 'integrator' || !account.integrationSecret) {
    throw new UnauthenticatedError(`unknown integration ${named}`);
  }
  const claims = await verifyIntegrationToken(token, account.username, account.integrationSecret, core.now());
  // Each signed link opens once: a copied or replayed one is refused until it would have expired anyway.
  if (!(await core.claims.claim(`lms:${account.username.toLowerCase()}:${claims.jti}`, claims.expiresAt))) {
    throw new UnauthenticatedError('this integration token was used already (jti); sign a new one for each link');
  }
  return { integration: account.username, claims };
}

/** The test-taker the token names: registered by this integration now if new, refused if it is anyone else's. */
async function studentFor(core: Core, integration: string, claims: IntegrationClaims): Promise<OpenedSession['student']> {
  let student = await core.loadAccount(claims.username);
  if (student.status === 'none') {
    const data = { username: claims.username, role: 'student' as const, displayName: claims.nickname ?? claims.username, passwordHash: NO_PASSWORD };
    student = await core.account(claims.username, 'RegisterAccount', data, { id: integration, role: 'integrator' });
  } else if (student.role !== 'student') {
    throw new IllegalStateError(`${claims.username} is a ${student.role} account, not a test-taker`);
  } else if (student.registeredBy.toLowerCase() !== integration.toLowerCase()) {
    // Otherwise an integration could obtain a sign-in for anyone's test-taker account.
    throw new ForbiddenError(`the test-taker ${claims.username} was not registered by the integration ${integration}`);
  }
  if (student.status !== 'active') throw new UnauthenticatedError(`the account ${claims.username} is disabled`);
  return student;
}
