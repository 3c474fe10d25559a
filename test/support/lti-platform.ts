/**
 * A spec-exact LTI 1.3 platform for tests (LTI 1.3 Core, 1EdTech Security Framework 1.0, Dynamic Registration 1.0,
 * AGS 2.0, NRPS 2.0, Deep Linking 2.0, LTI Proctoring Services 1.0), a real HTTP server on 127.0.0.1.
 *
 * @example
 * ```ts
 * const lms = await startLtiPlatform();
 * // By hand …
 * lms.register({ loginUrl: `${app}/lti/login`, redirectUris: [`${app}/lti/launch`], jwksUrl: `${app}/.well-known/jwks.json`, targetLinkUri: `${app}/lti/launch` });
 * // … or dynamically: open this URL in the browser, the tool fetches lms.endpoints.openidConfiguration and POSTs /register.
 * await page.goto(lms.startDynamicRegistration(`${app}/lti/register`));
 * expect(lms.dynamicRegistrations[0].request.client_name).toBe('Proctor');
 *
 * // A launch: opening the page auto-posts the login initiation; /auth answers the id_token form post.
 * await page.goto(lms.launchPage({ messageType: 'LtiStartProctoring', proctoring: { acs: true }, iframe: true }));
 * await expect.poll(() => lms.startAssessments.length).toBe(1);
 * expect(lms.startAssessments[0]).toMatchObject({ valid: true });
 *
 * // Negative launches: one defect each.
 * for (const tamper of TOKEN_TAMPERS) await page.goto(lms.launchPage({ tamper }));
 *
 * // Services: the tool gets tokens from lms.endpoints.token; the platform keeps what it received.
 * lms.setMembers([{ user_id: 'learner-1', roles: [ROLE.learner], name: 'Lea Learner' }]);
 * lms.failNextScores(2);
 * expect(lms.scores.at(-1)?.score).toMatchObject({ scoreGiven: 80 });
 * expect(lms.acsRequests[0].status).toBe('paused');
 * expect(lms.requests.filter((r) => r.path === '/token')).toHaveLength(1);
 * await lms.close();
 * ```
 */
export { LtiPlatform, startLtiPlatform } from './lti-platform/platform.js';
export { DEFAULT_CONTEXT, DEFAULT_RESOURCE_LINK, DEFAULT_USER } from './lti-platform/id-token.js';
export {
  ACS_ACTIONS, ALL_SCOPES, CLAIM, FLOW_TAMPERS, LTI_TAMPERS, MEDIA_TYPE, PLATFORM_MESSAGE_TYPES, PROCTORING_TAMPERS, ROLE, SCOPE, TOKEN_TAMPERS,
  type AcsAction, type LtiMessageType, type LtiTamper,
} from './lti-platform/vocabulary.js';
export type {
  AcsRecord, DeepLinkingOptions, DynamicRegistrationRecord, LaunchOptions, LineItem, LtiContext, LtiUser, NrpsMember, PreparedLaunch,
  ProctoringLaunchOptions, RecordedRequest, RegisterToolInput, ScoreRecord, ToolMessageRecord, ToolRegistration,
} from './lti-platform/types.js';
