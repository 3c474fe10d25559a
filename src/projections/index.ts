import type { Projection } from './projection.js';
import { monitorProjection } from './monitor/projection.js';
import { protocolProjection } from './protocol/projection.js';
import { accountsProjection } from './accounts/projection.js';
import { filesProjection } from './files/projection.js';
import { facesProjection } from './faces/projection.js';
import { scheduleProjection } from './schedule/projection.js';
import { chainProjection } from './chain/projection.js';
import { ltiPlatformsProjection } from './lti/projection.js';
import { ltiSessionLinksProjection } from './lti/session-links.js';
import { ltiLinksProjection } from './lti/links.js';
import { webhooksProjection } from './webhooks/projection.js';
import { templatesProjection } from './templates/projection.js';
import { retentionProjection } from './retention/projection.js';
import { erasing, eraseFromFaces, eraseFromFiles, eraseFromMonitor, eraseFromProtocol, eraseFromWebhooks } from './erasure.js';
import { committeeProjection } from './committee/projection.js';

/** Every read model, in the order the runner applies them. */
export const ALL_PROJECTIONS: readonly Projection[] = [
  erasing(monitorProjection, eraseFromMonitor), erasing(protocolProjection, eraseFromProtocol), accountsProjection, erasing(filesProjection, eraseFromFiles),
  erasing(facesProjection, eraseFromFaces), scheduleProjection, chainProjection, ltiPlatformsProjection,
  ltiSessionLinksProjection, erasing(webhooksProjection, eraseFromWebhooks),
  templatesProjection,
  retentionProjection,
  committeeProjection,
  ltiLinksProjection,
];
