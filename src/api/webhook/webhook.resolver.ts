import { Arg, Ctx, Field, Int, Mutation, ObjectType, Query, registerEnumType, Resolver } from 'type-graphql';
import { setWebhookUrl, webhookOf, type IntegrationWebhook as Webhook } from '../../app/webhooks/settings.js';
import { authorize } from '../authorization.js';
import type { ApiContext } from '../context.js';
import { DateTime } from '../scalars.js';

export enum WebhookDeliveryStatus {
  pending = 'pending',
  delivered = 'delivered',
  failed = 'failed',
}
registerEnumType(WebhookDeliveryStatus, { name: 'WebhookDeliveryStatus', description: 'pending: being tried (for 24 h); delivered: a 2xx came back; failed: given up after 24 h.' });

@ObjectType({ description: 'The result of one session conclusion on its way to the integration\'s webhook.' })
export class WebhookDelivery {
  @Field(() => String) sessionId!: string;
  @Field(() => String, { nullable: true, description: 'Sent as X-Delivery-Id, the same on every retry (null until the first attempt is scheduled).' }) deliveryId!: string | null;
  @Field(() => WebhookDeliveryStatus) status!: WebhookDeliveryStatus;
  @Field(() => Int) attempts!: number;
  @Field(() => Int, { nullable: true, description: 'The HTTP status of the last attempt; null when none came back.' }) lastStatus!: number | null;
  @Field(() => String, { nullable: true, description: 'Why the last attempt got no answer (a network error, a time-out).' }) lastError!: string | null;
  @Field(() => DateTime, { nullable: true }) lastAttemptAt!: Date | null;
  @Field(() => DateTime, { nullable: true, description: 'When the next attempt is due, while pending.' }) nextAttemptAt!: Date | null;
  @Field(() => DateTime) concludedAt!: Date;
}

@ObjectType({ description: 'Where an integration\'s session results are posted, and the most recent deliveries (50).' })
export class IntegrationWebhook {
  @Field(() => String) integration!: string;
  @Field(() => String, { nullable: true }) url!: string | null;
  @Field(() => [WebhookDelivery]) deliveries!: WebhookDelivery[];
}

const toType = (w: Webhook): IntegrationWebhook => ({ ...w, deliveries: w.deliveries.map((d) => ({ ...d, status: d.status as WebhookDeliveryStatus })) });

@Resolver()
export class WebhookResolver {
  @Query(() => IntegrationWebhook, { description: 'An integration\'s result webhook and its recent deliveries (administrators; an integration its own).' })
  async integrationWebhook(@Arg('username', () => String) username: string, @Ctx() ctx: ApiContext): Promise<IntegrationWebhook> {
    return toType(await webhookOf(ctx.core, authorize(ctx.actor, 'integration.webhook'), username));
  }

  @Mutation(() => IntegrationWebhook, {
    description: 'Sets the http(s) URL the results of the integration\'s sessions are posted to when they conclude; null or blank clears it (administrators; an integration its own).',
  })
  async setWebhookUrl(@Arg('username', () => String) username: string, @Arg('url', () => String, { nullable: true }) url: string | null, @Ctx() ctx: ApiContext): Promise<IntegrationWebhook> {
    return toType(await setWebhookUrl(ctx.core, authorize(ctx.actor, 'integration.webhook'), username, url ?? null));
  }
}
