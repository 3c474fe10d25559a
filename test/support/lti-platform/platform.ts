import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GradesAndRoster } from './grades-and-roster.js';
import { htmlPage, json, oauthError, parseJsonObject, bearer, escapeHtml, readRequest, type Reply, type Request } from './http.js';
import type { IdTokenContext } from './id-token.js';
import { KeyRing } from './keys.js';
import { authorize, launchPage, replayPage } from './launch-flow.js';
import { AssessmentControl, assessmentPage } from './proctoring.js';
import { checkToolRegistration, openidConfiguration, registrationResponse } from './registration.js';
import { TokenEndpoint } from './token.js';
import { ToolKeys, verifyDeepLinkingResponse, verifyStartAssessment } from './tool-jwt.js';
import type { AcsRecord, DynamicRegistrationRecord, LaunchOptions, LineItem, NrpsMember, PreparedLaunch, RecordedRequest, RegisterToolInput, ScoreRecord, ToolMessageRecord, ToolRegistration } from './types.js';
import { ALL_SCOPES, CLAIM, PROCTORING_TAMPERS } from './vocabulary.js';

/**
 * A spec-exact LTI 1.3 platform on 127.0.0.1 for tests: OIDC login and authorization, JWKS, dynamic registration,
 * token endpoint, AGS, NRPS, Deep Linking return and LTI Proctoring Services. Start it with {@link startLtiPlatform}.
 */
export class LtiPlatform {
  /** Every request received, in order, with what the platform decided. */
  readonly requests: RecordedRequest[] = [];
  readonly registrations: ToolRegistration[] = [];
  readonly dynamicRegistrations: DynamicRegistrationRecord[] = [];
  readonly launches: PreparedLaunch[] = [];
  /** LtiStartAssessment messages received, valid or with the reason they were refused. */
  readonly startAssessments: ToolMessageRecord[] = [];
  /** LtiDeepLinkingResponse messages received. */
  readonly deepLinkingResponses: ToolMessageRecord[] = [];
  private readonly pendingRegistrationTokens = new Set<string>();
  private readonly toolNonces = new Set<string>();
  private readonly tokenEndpoint: TokenEndpoint;
  private readonly services: GradesAndRoster;
  private readonly acs: AssessmentControl;
  private readonly toolKeys: ToolKeys;

  private constructor(
    private readonly server: Server,
    /** The platform's issuer (`iss`), also its base URL: `http://127.0.0.1:<port>`. */
    readonly issuer: string,
    private readonly keys: KeyRing,
  ) {
    const toolKeys = new ToolKeys();
    this.tokenEndpoint = new TokenEndpoint(this.endpoints.token, toolKeys, () => this.registrations);
    this.services = new GradesAndRoster(issuer, this.tokenEndpoint);
    this.acs = new AssessmentControl(issuer, this.tokenEndpoint, () => this.launches);
    this.toolKeys = toolKeys;
  }

  /** @internal use {@link startLtiPlatform}. */
  static async start(): Promise<LtiPlatform> {
    const keys = await KeyRing.create();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const platform = new LtiPlatform(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, keys);
    server.on('request', (req, res) => {
      void (async () => {
        let reply: Reply;
        let request: Request | undefined;
        try {
          request = await readRequest(req, platform.issuer);
          reply = await platform.route(request);
        } catch (e) {
          reply = oauthError(400, 'invalid_request', e instanceof Error ? e.message : String(e));
        }
        const url = request?.url ?? new URL(req.url ?? '/', platform.issuer);
        platform.requests.push({ method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), status: reply.status, decision: reply.decision });
        res.writeHead(reply.status, reply.headers ?? {});
        res.end(reply.body);
      })();
    });
    return platform;
  }

  /** The platform's endpoint URLs, for registering it in the tool by hand. */
  get endpoints() {
    const base = this.issuer;
    return {
      openidConfiguration: `${base}/.well-known/openid-configuration`,
      jwks: `${base}/jwks`,
      authorization: `${base}/auth`,
      token: `${base}/token`,
      registration: `${base}/register`,
      assessmentControl: `${base}/acs`,
      lineItems: (contextId: string) => this.services.lineItemsUrl(contextId),
      memberships: (contextId: string) => this.services.membershipsUrl(contextId),
    };
  }

  /** The kid the platform signs with now. */
  get currentKid(): string {
    return this.keys.current.kid;
  }

  /** AGS line items the tool created. */
  get lineItems(): readonly LineItem[] {
    return this.services.lineItems;
  }

  /** AGS scores the tool posted (the failed ones are not kept). */
  get scores(): readonly ScoreRecord[] {
    return this.services.scores;
  }

  /** ACS requests the tool sent. */
  get acsRequests(): readonly AcsRecord[] {
    return this.acs.requests;
  }

  /** Sets the course roster the NRPS endpoint answers (every context gets the same one). */
  setMembers(members: readonly NrpsMember[]): void {
    this.services.members = [...members];
  }

  /** The next `n` score posts answer 500, so the tool's retries can be tested. */
  failNextScores(n: number): void {
    this.services.failScores = n;
  }

  /**
   * Signs with a new key from now on. The old key stays in the JWKS unless `retireOld`, as platforms publish both
   * while tokens signed with the old one may still be in flight. Answers the new kid.
   */
  async rotateKey(options: { retireOld?: boolean } = {}): Promise<string> {
    return (await this.keys.rotate(options.retireOld ?? false)).kid;
  }

  /** Registers a tool by hand (what an LMS administrator types in). */
  register(input: RegisterToolInput): ToolRegistration {
    const registration: ToolRegistration = {
      clientId: input.clientId ?? `client-${randomUUID()}`,
      deploymentId: input.deploymentId ?? `deployment-${randomUUID()}`,
      loginUrl: input.loginUrl,
      redirectUris: [...input.redirectUris],
      jwksUrl: input.jwksUrl,
      targetLinkUri: input.targetLinkUri,
      scopes: [...(input.scopes ?? ALL_SCOPES)],
    };
    this.registrations.push(registration);
    return registration;
  }

  /**
   * Starts LTI Dynamic Registration: the URL the administrator's browser opens, the tool's registration URL with
   * `openid_configuration` and a single-use `registration_token`.
   */
  startDynamicRegistration(toolRegistrationUrl: string): string {
    const token = randomUUID();
    this.pendingRegistrationTokens.add(token);
    const url = new URL(toolRegistrationUrl);
    url.searchParams.set('openid_configuration', this.endpoints.openidConfiguration);
    url.searchParams.set('registration_token', token);
    return url.toString();
  }

  /**
   * Prepares a launch and answers the platform page that starts it: open `pageUrl` in the browser. Throws when no
   * tool is registered or a proctoring defect is asked of another message type.
   */
  launchPage(options: LaunchOptions = {}): string {
    return this.prepareLaunch(options).pageUrl;
  }

  /** Like {@link launchPage}, answering the whole prepared launch (its id_token appears in `issued` once sent). */
  prepareLaunch(options: LaunchOptions = {}): PreparedLaunch {
    const registration = options.clientId ? this.registrations.find((r) => r.clientId === options.clientId) : this.registrations.at(-1);
    if (!registration) throw new Error(`no tool registered${options.clientId ? ` with client_id ${options.clientId}` : ''}`);
    const messageType = options.messageType ?? 'LtiResourceLinkRequest';
    if (options.tamper && (PROCTORING_TAMPERS as readonly string[]).includes(options.tamper) && messageType !== 'LtiStartProctoring') {
      throw new Error(`${options.tamper} needs an LtiStartProctoring launch`);
    }
    const id = randomUUID();
    const p = options.proctoring;
    const launch: PreparedLaunch = {
      id,
      pageUrl: `${this.issuer}/launch/${id}`,
      registration,
      deploymentId: options.deploymentId ?? registration.deploymentId,
      messageType,
      loginHint: `hint-${randomUUID()}`,
      options,
      proctoring: messageType === 'LtiStartProctoring'
        ? { attemptNumber: p?.attemptNumber ?? 1, sessionData: p?.sessionData ?? `session-${randomUUID()}`, startAssessmentUrl: p?.startAssessmentUrl ?? `${this.issuer}/start-assessment/${id}` }
        : undefined,
      deepLinkData: messageType === 'LtiDeepLinkingRequest' ? (options.deepLinking?.data ?? `dl-${randomUUID()}`) : undefined,
    };
    this.launches.push(launch);
    return launch;
  }

  /** A page that posts the id_token and state of a completed launch again (a replay). */
  replayPageUrl(launchId: string): string {
    return `${this.issuer}/launch/${launchId}/replay`;
  }

  /** Stops the server. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private idTokenContext(): IdTokenContext {
    return {
      issuer: this.issuer,
      now: Math.floor(Date.now() / 1000),
      lineItemsUrl: (c) => this.services.lineItemsUrl(c),
      membershipsUrl: (c) => this.services.membershipsUrl(c),
      acsUrl: this.endpoints.assessmentControl,
      deepLinkReturnUrl: (id) => `${this.issuer}/deep-link-return/${id}`,
    };
  }

  private async route(req: Request): Promise<Reply> {
    const parts = req.url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const launch = (id: string | undefined) => this.launches.find((l) => l.id === id);
    const flow = { issuer: this.issuer, keys: this.keys, launches: this.launches, idTokenContext: () => this.idTokenContext() };
    switch (parts[0]) {
      case '.well-known':
        return parts[1] === 'openid-configuration' ? json(200, openidConfiguration(this.issuer, this.endpoints), 'ok: openid-configuration') : notFound();
      case 'jwks':
        return json(200, this.keys.jwks(), 'ok: jwks', 'application/jwk-set+json');
      case 'auth':
        return authorize(flow, req);
      case 'token':
        return this.tokenEndpoint.handle(req);
      case 'register':
        return this.registerTool(req);
      case 'acs':
        return this.acs.handle(req);
      case 'contexts':
        return (parts[1] && this.services.handle(req, parts[1], parts.slice(2))) || notFound();
      case 'launch': {
        const l = launch(parts[1]);
        if (!l) return notFound();
        return parts[2] === 'replay' ? replayPage(l) : launchPage(l);
      }
      case 'start-assessment':
        return this.receiveStartAssessment(req, launch(parts[1]));
      case 'deep-link-return':
        return this.receiveDeepLinkingResponse(req, launch(parts[1]));
      default:
        return notFound();
    }
  }

  private registerTool(req: Request): Reply {
    if (req.method !== 'POST') return oauthError(405, 'invalid_request', 'registration takes POST');
    const token = bearer(req.headers);
    if (!token || !this.pendingRegistrationTokens.has(token)) return oauthError(401, 'invalid_token', token ? 'registration token unknown or already used' : 'no Bearer registration token');
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return oauthError(400, 'invalid_client_metadata', 'Content-Type must be application/json');
    const body = parseJsonObject(req.text);
    if (typeof body === 'string') return oauthError(400, 'invalid_client_metadata', body);
    const checked = checkToolRegistration(body);
    if ('error' in checked) return oauthError(400, checked.error, checked.description);
    this.pendingRegistrationTokens.delete(token);
    const registration = this.register({ ...checked });
    const response = registrationResponse(body, registration.clientId, registration.deploymentId, checked.scopes);
    this.dynamicRegistrations.push({ request: body, response, registration });
    return json(200, response, `ok: registered ${registration.clientId}`);
  }

  private async receiveStartAssessment(req: Request, launch: PreparedLaunch | undefined): Promise<Reply> {
    if (!launch || launch.messageType !== 'LtiStartProctoring') return notFound();
    const jwt = req.method === 'POST' ? req.params.get('JWT') : null;
    const record = jwt
      ? await verifyStartAssessment(this.toolKeys, this.issuer, launch, jwt, this.toolNonces)
      : { launchId: launch.id, valid: false, reason: 'no JWT form field in a POST' };
    this.startAssessments.push(record);
    if (!record.valid) return htmlPage(400, 'Assessment refused', `<p id="error">${escapeHtml(record.reason ?? '')}</p>`, `refused: ${record.reason}`);
    const endUrl = record.claims?.[CLAIM.endAssessmentReturn] === true
      ? this.launchPage({ ...launch.options, tamper: undefined, messageType: 'LtiEndAssessment', proctoring: { attemptNumber: launch.proctoring?.attemptNumber } })
      : undefined;
    return assessmentPage(launch, endUrl);
  }

  private async receiveDeepLinkingResponse(req: Request, launch: PreparedLaunch | undefined): Promise<Reply> {
    if (!launch || launch.messageType !== 'LtiDeepLinkingRequest') return notFound();
    const jwt = req.method === 'POST' ? req.params.get('JWT') : null;
    const record = jwt
      ? await verifyDeepLinkingResponse(this.toolKeys, this.issuer, launch, jwt, this.toolNonces)
      : { launchId: launch.id, valid: false, reason: 'no JWT form field in a POST' };
    this.deepLinkingResponses.push(record);
    if (!record.valid) return htmlPage(400, 'Deep linking refused', `<p id="error">${escapeHtml(record.reason ?? '')}</p>`, `refused: ${record.reason}`);
    return htmlPage(200, 'Content added', '<h1 id="deep-linked">Content added</h1>', `ok: LtiDeepLinkingResponse for launch ${launch.id}`);
  }
}

function notFound(): Reply {
  return htmlPage(404, 'Not found', '<p>Not found</p>', 'refused: no such path');
}

/** Starts a platform on a random loopback port. Call `close()` when done. */
export function startLtiPlatform(): Promise<LtiPlatform> {
  return LtiPlatform.start();
}
