import type { ApolloServer } from '@apollo/server';
import type { Config } from '../../config.js';
import type { Core } from '../../app/core/core.js';
import type { BlobStore } from '../../media/blob-store.js';
import type { ApiContext } from '../context.js';
import { handleDownload, handleUpload } from './files.js';
import { clientAddress } from './client-address.js';
import { graphqlOverHttp } from './graphql.js';
import { downloadExport } from './exports.js';
import { downloadStream } from './stream-export.js';
import { downloadPersonData } from '../privacy/person-data.route.js';
import { health } from './healthz.js';
import { jwks } from './jwks.js';
import { ltiLaunch } from './lti-launch.js';
import { ltiLogin } from './lti-login.js';
import { ltiSettings } from './lti-settings.js';
import { ltiRegister } from './lti-register.js';
import { ltiFrameAncestors, type LtiFrameAncestors } from '../../app/lti/frame-ancestors.js';
import { handleSegmentDownload, handleSegmentUpload } from './recordings.js';
import { handleOpenView, handleViewedSegment } from './playback.js';
import { handleReferenceUpload } from './reference-upload.js';
import type { Route } from './route.js';
import { speedTest } from './speedtest.js';
import { startAssessmentPage } from './start-assessment.js';
import { serveVendorAsset, serveWebClient } from './static.js';

/** What the routes answer with. */
export interface RouteDeps {
  readonly core: Core;
  readonly config: Config;
  readonly blobs: BlobStore;
  readonly apollo: ApolloServer<ApiContext>;
  readonly actorFrom: (token: string | undefined) => Promise<ApiContext['actor']>;
  readonly context: (actor: ApiContext['actor'], ip: string) => ApiContext;
  /** The built web client, served for every GET the routes above it do not take; none, none served. */
  readonly webDir?: string;
}

/**
 * The HTTP routes, in the order they are tried (the first that takes the method and path answers). Paths are matched
 * as sent, still percent-encoded; a route decodes what it takes from them.
 */
export function httpRoutes({ core, config, blobs, apollo, actorFrom, context, webDir }: RouteDeps): Route[] {
  const lti = framedByPlatforms(config, ltiFrameAncestors(core));
  return [
    { methods: '*', path: '/graphql', handle: graphqlOverHttp(apollo, actorFrom, context, clientAddress(config.trustedProxies ?? [])) },
    { methods: '*', path: '/healthz', handle: health(core) },
    { methods: ['GET'], path: '/.well-known/jwks.json', handle: jwks(core) },
    { methods: ['GET'], path: /^\/lti\/start-assessment\/([^/]+)$/, handle: startAssessmentPage(core, lti) },
    { methods: ['GET', 'POST'], path: '/lti/login', handle: ltiLogin(core, lti) },
    { methods: ['POST'], path: '/lti/launch', handle: ltiLaunch(core, lti, () => context(null, '').tokens, { fromStorage: false }) },
    { methods: ['POST'], path: '/lti/launch/complete', handle: ltiLaunch(core, lti, () => context(null, '').tokens, { fromStorage: true }) },
    { methods: ['POST'], path: '/lti/settings', handle: ltiSettings(core, lti, () => context(null, '').tokens) },
    { methods: ['GET'], path: '/lti/register', handle: ltiRegister(core, lti) },
    { methods: ['POST'], path: '/files', handle: async ({ req, res, url, actor }) => handleUpload(req, res, url, await actor(), core, blobs, config.limits) },
    { methods: ['GET'], path: /^\/files\/([0-9a-f-]{36})$/, handle: async ({ res, params, actor }) => handleDownload(res, params[0], await actor(), core, blobs) },
    { methods: ['POST'], path: '/profiles/reference', handle: async ({ req, res, url, actor }) => handleReferenceUpload(req, res, url, await actor(), core, blobs) },
    { methods: ['GET'], path: /^\/exports\/([0-9a-f-]{36})$/, handle: downloadExport(core, config.jwtSecret) },
    { methods: ['GET'], path: /^\/audit\/sessions\/([^/]+)\/stream\.jsonl$/, handle: downloadStream(core) },
    { methods: ['GET'], path: /^\/privacy\/people\/([^/]+)\/data\.zip$/, handle: downloadPersonData(core, blobs) },
    { methods: '*', path: '/speedtest', handle: speedTest(config) },
    { methods: ['GET'], path: /^\/(models|wasm)\/([A-Za-z0-9_.-]+)$/, handle: serveVendorAsset },
    { methods: ['POST'], path: '/recordings', handle: async ({ req, res, url, actor }) => handleSegmentUpload(req, res, url, await actor(), core, blobs, config.limits) },
    {
      methods: ['GET'],
      path: /^\/recordings\/([^/]+)\/(camera|screen|mobile)\/(\d+)$/,
      handle: async ({ res, params: [session, track, seq], actor }) => handleSegmentDownload(res, decodeURIComponent(session), track, Number(seq), await actor(), core, blobs),
    },
    {
      methods: ['POST'],
      path: /^\/playback\/([^/]+)\/views$/,
      handle: async ({ res, params: [session], actor }) => handleOpenView(res, decodeURIComponent(session), await actor(), core, config.jwtSecret),
    },
    {
      methods: ['GET'],
      path: /^\/playback\/([^/]+)\/(camera|screen|mobile)\/(\d+)$/,
      handle: async ({ req, res, params: [session, track, seq], actor }) =>
        handleViewedSegment(req, res, { sessionId: decodeURIComponent(session), track, seq: Number(seq) }, await actor(), core, blobs, config.jwtSecret),
    },
    ...(webDir ? [{ methods: ['GET', 'HEAD'], path: /^\//, handle: serveWebClient(webDir, config, ltiFrameAncestors(core)) }] : []),
  ];
}

/**
 * The configuration as the LTI pages see it: the registered platforms may frame them (a launch, the settings form, a
 * refusal all show inside the LMS), as they may the web client.
 */
function framedByPlatforms(config: Config, platforms: LtiFrameAncestors): Config {
  return Object.create(config, { frameAncestors: { get: () => [...new Set([...config.frameAncestors, ...platforms.origins()])], enumerable: true } }) as Config;
}
