import { Arg, Ctx, Field, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { generateIntegrationSecret, listIntegrations, revokeIntegrationSecret } from '../../app/integrations/secrets.js';
import { authorize } from '../authorization.js';
import type { ApiContext } from '../context.js';

@ObjectType({ description: 'A JWT-link integration (an integrator account): whether it has a secret, never the secret.' })
export class Integration {
  @Field(() => String) username!: string;
  @Field(() => String) displayName!: string;
  @Field(() => Boolean) disabled!: boolean;
  @Field(() => Date, { nullable: true, description: 'When its current secret was set; null: it has none, and its links are refused.' }) secretSetAt!: Date | null;
}

@Resolver()
export class IntegrationsResolver {
  @Query(() => [Integration], { description: 'JWT-link integrations and the state of their secrets (administrators).' })
  async integrations(@Ctx() ctx: ApiContext): Promise<Integration[]> {
    authorize(ctx.actor, 'account.manage');
    return listIntegrations(ctx.core);
  }

  @Mutation(() => String, {
    description: 'Gives an integration a new secret made by the server and answers it, the only time it is shown; links signed with an earlier one are refused (administrators).',
  })
  async generateIntegrationSecret(@Arg('username', () => String) username: string, @Ctx() ctx: ApiContext): Promise<string> {
    const actor = authorize(ctx.actor, 'account.manage');
    return generateIntegrationSecret(ctx.core, actor, username);
  }

  @Mutation(() => Boolean, { description: 'Takes an integration\'s secret away: its links are refused and its webhooks not sent until it has a new one (administrators).' })
  async revokeIntegrationSecret(@Arg('username', () => String) username: string, @Ctx() ctx: ApiContext): Promise<boolean> {
    const actor = authorize(ctx.actor, 'account.manage');
    await revokeIntegrationSecret(ctx.core, actor, username);
    return true;
  }
}
