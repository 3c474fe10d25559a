import 'reflect-metadata';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { createPubSub } from '@graphql-yoga/subscription';
import { buildSchema } from 'type-graphql';
import { AccountResolver } from './account/account.resolver.js';
import { AuthResolver } from './auth/auth.resolver.js';
import { SessionResolver } from './session/session.resolver.js';
import { BulkSessionResolver } from './session/bulk.resolver.js';
import { SessionImportResolver } from './session/import.resolver.js';
import { SessionProtocolResolver } from './session/session-protocol.resolver.js';
import { SystemResolver } from './system/system.resolver.js';
import { MediaResolver } from './media/media.resolver.js';
import { JanusResolver } from './media/janus.resolver.js';
import { MobileCameraResolver } from './media/mobile.resolver.js';
import { ConferenceResolver } from './media/conference.resolver.js';
import { ProfileResolver } from './profile/profile.resolver.js';
import { ScheduleResolver } from './schedule/schedule.resolver.js';
import { WebhookResolver } from './webhook/webhook.resolver.js';
import { LtiResolver } from './lti/lti.resolver.js';
import { LtiLinkResolver } from './lti/lti-link.resolver.js';
import { ExportResolver } from './export/export.resolver.js';
import { AuditResolver } from './audit/audit.resolver.js';
import { withCommandIds } from './idempotency.js';
import { TemplateResolver } from './template/template.resolver.js';
import { SessionTemplateResolver } from './template/session-template.resolver.js';
import { StartAssessmentResolver } from './lti/start-assessment.resolver.js';
import { CourseMembersResolver, SessionLmsResolver } from './lti/course-members.resolver.js';
import { PeopleResolver } from './account/people.resolver.js';
import { IntegrationsResolver } from './integrations/integrations.resolver.js';
import { PrivacyResolver } from './privacy/privacy.resolver.js';
import { CommitteeResolver } from './committee/committee.resolver.js';

let built: Promise<GraphQLSchema> | null = null;

/**
 * The GraphQL schema, built once from the resolvers. Argument validation is the domain's job (it says which value is
 * wrong and why), so class-validator is off. Subscriptions bring their own sources (fed by the projection runner);
 * type-graphql insists on a pubSub all the same, so it gets an idle one.
 */
export function buildApiSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({
    resolvers: [
      AuthResolver, AccountResolver, SessionResolver, SessionProtocolResolver, SystemResolver, MediaResolver, JanusResolver, MobileCameraResolver, ProfileResolver, ScheduleResolver,
      WebhookResolver, StartAssessmentResolver, CourseMembersResolver, SessionLmsResolver, LtiResolver, LtiLinkResolver, BulkSessionResolver,
      TemplateResolver, SessionTemplateResolver, PeopleResolver, IntegrationsResolver, ExportResolver,
      SessionImportResolver, AuditResolver, PrivacyResolver,
      ConferenceResolver, CommitteeResolver,
    ],
    validate: false,
    pubSub: createPubSub(),
  }).then(withCommandIds);
  return built;
}

/** The SDL committed as schema.graphql: sorted, so it only changes when the API does. */
export async function schemaSdl(): Promise<string> {
  return `${printSchema(lexicographicSortSchema(await buildApiSchema()))}\n`;
}
