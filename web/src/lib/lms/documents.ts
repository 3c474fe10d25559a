/** The GraphQL documents of the LMS page, typed by `npm run web:types`. */
import type { Documents } from '../graphql.generated.js';

export const LTI_PLATFORM_FIELDS = `id name issuer clientId deploymentIds authUrl tokenUrl jwksUrl method removed registeredBy registeredAt`;
const TOOL_FIELDS = `toolUrl loginUrl launchUrl deepLinkingUrl jwksUrl registrationUrl scopes keys { kid createdAt retiredAt signing }`;

export const LTI_ADMIN: Documents['LTI_ADMIN'] = `query LtiAdmin { ltiPlatforms { ${LTI_PLATFORM_FIELDS} } ltiTool { ${TOOL_FIELDS} } }`;
export const REGISTER_LTI_PLATFORM: Documents['REGISTER_LTI_PLATFORM'] = `mutation RegisterLtiPlatform($input: RegisterLtiPlatformInput!) { registerLtiPlatform(input: $input) { ${LTI_PLATFORM_FIELDS} } }`;
export const UPDATE_LTI_PLATFORM: Documents['UPDATE_LTI_PLATFORM'] = `mutation UpdateLtiPlatform($id: ID!, $input: LtiPlatformSettingsInput!) { updateLtiPlatform(id: $id, input: $input) { ${LTI_PLATFORM_FIELDS} } }`;
export const REMOVE_LTI_PLATFORM: Documents['REMOVE_LTI_PLATFORM'] = `mutation RemoveLtiPlatform($id: ID!) { removeLtiPlatform(id: $id) { ${LTI_PLATFORM_FIELDS} } }`;
export const ROTATE_LTI_KEY: Documents['ROTATE_LTI_KEY'] = `mutation RotateLtiKey { rotateLtiKey { ${TOOL_FIELDS} } }`;
export const CREATE_LTI_REGISTRATION_LINK: Documents['CREATE_LTI_REGISTRATION_LINK'] = `mutation CreateLtiRegistrationLink { createLtiRegistrationLink { url expiresAt } }`;

const LTI_LINK_FIELDS = `platformId resourceLinkId contextId name durationMinutes proctor secondCamera template configuredBy configuredAt`;
export const LTI_LINKS: Documents['LTI_LINKS'] = `query LtiLinks($platformId: ID!) { ltiLinks(platformId: $platformId) { ${LTI_LINK_FIELDS} } templates { id name } }`;
export const UPDATE_LTI_LINK: Documents['UPDATE_LTI_LINK'] = `mutation UpdateLtiLink($platformId: ID!, $resourceLinkId: String!, $input: LtiLinkSettingsInput!) { updateLtiLink(platformId: $platformId, resourceLinkId: $resourceLinkId, input: $input) { ${LTI_LINK_FIELDS} } }`;
