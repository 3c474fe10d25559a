import { ACCOUNT_EVENT_TYPES } from './account/account.js';
import { CHAIN_EVENT_TYPES } from './chain/chain.js';
import { PROFILE_EVENT_TYPES } from './profile/profile.js';
import { SCHEDULE_EVENT_TYPES } from './schedule/schedule.js';
import { SESSION_EVENT_TYPES } from './session/events.js';
import { LTI_PLATFORM_EVENT_TYPES } from './lti/platform.js';
import { TOOL_KEY_EVENT_TYPES } from './lti/tool-keys.js';
import { DELIVERY_EVENT_TYPES } from './webhook/delivery.js';
import { ENDPOINT_EVENT_TYPES } from './webhook/endpoint.js';
import { LTI_LINK_EVENT_TYPES } from './lti/link.js';
import { TEMPLATE_EVENT_TYPES } from './template/template.js';
import { EXPORT_EVENT_TYPES } from './export/export.js';
import { COMMITTEE_EVENT_TYPES } from './committee/events.js';

/** Every event type the store accepts; anything else is refused at append time. */
export const ALL_EVENT_TYPES: ReadonlySet<string> = new Set<string>([
  ...SESSION_EVENT_TYPES, ...ACCOUNT_EVENT_TYPES, ...PROFILE_EVENT_TYPES, ...SCHEDULE_EVENT_TYPES, ...CHAIN_EVENT_TYPES,
  ...LTI_PLATFORM_EVENT_TYPES, ...TOOL_KEY_EVENT_TYPES, ...LTI_LINK_EVENT_TYPES, ...ENDPOINT_EVENT_TYPES, ...DELIVERY_EVENT_TYPES,
  ...TEMPLATE_EVENT_TYPES,
  ...EXPORT_EVENT_TYPES,
  ...COMMITTEE_EVENT_TYPES,
]);
