import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { registerLtiPlatform, removeLtiPlatform, updateLtiPlatform } from '../../app/lti/platforms.js';
import { createRegistrationLink } from '../../app/lti/registration-links.js';
import { ltiTool, rotateLtiKey } from '../../app/lti/tool-info.js';
import { listLtiPlatforms, type LtiPlatformRow } from '../../projections/lti/projection.js';
import { authorize } from '../authorization.js';
import type { ApiContext } from '../context.js';
import { LtiPlatformSettingsInput, RegisterLtiPlatformInput } from './lti.inputs.js';
import { LtiPlatform, LtiRegistrationLink, LtiTool } from './lti.type.js';

const asPlatform = ({ platformId, deploymentIds, ...row }: LtiPlatformRow): LtiPlatform => ({ id: platformId, deploymentIds: [...deploymentIds], ...row });
const settingsOf = (i: LtiPlatformSettingsInput) => ({ name: i.name, deploymentIds: i.deploymentIds, authUrl: i.authUrl, tokenUrl: i.tokenUrl, jwksUrl: i.jwksUrl });

/** The LMS page: registered platforms, our tool's URLs and keys, dynamic-registration links (administrators). */
@Resolver()
export class LtiResolver {
  @Query(() => [LtiPlatform], { description: 'Every LMS platform ever registered, newest first; removed ones marked (administrators).' })
  async ltiPlatforms(@Ctx() ctx: ApiContext): Promise<LtiPlatform[]> {
    authorize(ctx.actor, 'lti.manage');
    return (await listLtiPlatforms(ctx.core.db)).map(asPlatform);
  }

  @Mutation(() => LtiPlatform, { description: 'Registers an LMS platform by hand (administrators).' })
  async registerLtiPlatform(@Arg('input', () => RegisterLtiPlatformInput) input: RegisterLtiPlatformInput, @Ctx() ctx: ApiContext): Promise<LtiPlatform> {
    const actor = authorize(ctx.actor, 'lti.manage');
    return asPlatform(await registerLtiPlatform(ctx.core, { ...settingsOf(input), issuer: input.issuer, clientId: input.clientId }, 'manual', actor));
  }

  @Mutation(() => LtiPlatform, { description: 'Changes a platform\'s name, deployments and endpoints; its issuer and client id stay (administrators).' })
  async updateLtiPlatform(@Arg('id', () => ID) id: string, @Arg('input', () => LtiPlatformSettingsInput) input: LtiPlatformSettingsInput, @Ctx() ctx: ApiContext): Promise<LtiPlatform> {
    const actor = authorize(ctx.actor, 'lti.manage');
    return asPlatform(await updateLtiPlatform(ctx.core, id, settingsOf(input), actor));
  }

  @Mutation(() => LtiPlatform, { description: 'Refuses launches from a platform from now on; what it launched stays (administrators).' })
  async removeLtiPlatform(@Arg('id', () => ID) id: string, @Ctx() ctx: ApiContext): Promise<LtiPlatform> {
    const actor = authorize(ctx.actor, 'lti.manage');
    return asPlatform(await removeLtiPlatform(ctx.core, id, actor));
  }

  @Query(() => LtiTool, { description: 'What an LMS administrator needs to register us by hand, and our signing keys (administrators).' })
  async ltiTool(@Ctx() ctx: ApiContext): Promise<LtiTool> {
    authorize(ctx.actor, 'lti.manage');
    return ltiTool(ctx.core, ctx.config.publicUrl);
  }

  @Mutation(() => LtiTool, { description: 'Publishes a new signing key beside the current one, which stays in the JWKS for a week (administrators).' })
  async rotateLtiKey(@Ctx() ctx: ApiContext): Promise<LtiTool> {
    const actor = authorize(ctx.actor, 'lti.manage');
    return rotateLtiKey(ctx.core, ctx.config.publicUrl, actor);
  }

  @Mutation(() => LtiRegistrationLink, { description: 'A dynamic-registration URL to paste into an LMS: single use, valid 24 hours (administrators).' })
  async createLtiRegistrationLink(@Ctx() ctx: ApiContext): Promise<LtiRegistrationLink> {
    const actor = authorize(ctx.actor, 'lti.manage');
    return createRegistrationLink(ctx.config, actor.id, ctx.core.now());
  }
}
