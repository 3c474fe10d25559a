import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { openReplay } from '../../app/audit/stream.js';
import type { ApiContext } from '../context.js';
import { readable } from '../session/readable.js';
import { StreamReplay } from './audit.type.js';

@Resolver()
export class AuditResolver {
  @Mutation(() => StreamReplay, {
    description: 'Opens a session\'s event stream for replay (auditors and administrators): the events, their signed anchor and the public key. Recorded as a StreamReplayed event.',
  })
  async openReplay(@Arg('id', () => ID) id: string, @Ctx() ctx: ApiContext): Promise<StreamReplay> {
    await readable(ctx, id, 'session.replay');
    const bundle = await openReplay(ctx.core, ctx.actor!, id);
    return { ...bundle, events: [...bundle.events], openedAt: ctx.core.now() } as StreamReplay;
  }
}
