import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { editLink } from '../../app/lti/link-settings.js';
import { listLtiLinks } from '../../projections/lti/links.js';
import { authorize } from '../authorization.js';
import type { ApiContext } from '../context.js';
import { LtiLinkSettingsInput } from './lti-link.inputs.js';
import { LtiResourceLink } from './lti-link.type.js';

/** The exams an LMS's courses link to, and their settings changed later (administrators). */
@Resolver()
export class LtiLinkResolver {
  @Query(() => [LtiResourceLink], { description: 'A platform\'s resource links configured here, by course (administrators). Deep-linked items keep their settings in the LMS.' })
  async ltiLinks(@Arg('platformId', () => ID) platformId: string, @Ctx() ctx: ApiContext): Promise<LtiResourceLink[]> {
    authorize(ctx.actor, 'lti.manage');
    return listLtiLinks(ctx.core.db, platformId);
  }

  @Mutation(() => LtiResourceLink, { description: 'Changes a configured link\'s settings; sessions launched from then on take them (administrators).' })
  async updateLtiLink(
    @Arg('platformId', () => ID) platformId: string,
    @Arg('resourceLinkId', () => String) resourceLinkId: string,
    @Arg('input', () => LtiLinkSettingsInput) input: LtiLinkSettingsInput,
    @Ctx() ctx: ApiContext,
  ): Promise<LtiResourceLink> {
    const actor = authorize(ctx.actor, 'lti.manage');
    const settings = { name: input.name, durationMinutes: input.durationMinutes, proctor: input.proctor || null, secondCamera: input.secondCamera, template: input.template || null };
    return editLink(ctx.core, platformId, resourceLinkId, settings, actor);
  }
}
