import { Arg, Ctx, Field, Int, Mutation, ObjectType, Resolver } from 'type-graphql';
import { erasePerson } from '../../app/privacy/erase-person.js';
import { authorize } from '../authorization.js';
import type { ApiContext } from '../context.js';

@ObjectType({ description: 'What erasing a person did.' })
export class Erasure {
  @Field(() => String) username!: string;
  @Field(() => [String], { description: 'Their sessions as a test-taker: media keys shredded, personal fields erased; score and conclusion kept.' })
  sessions!: string[];
  @Field(() => Int, { description: 'Stored media objects removed.' }) objectsRemoved!: number;
  @Field(() => Boolean, { description: 'False when the person had been erased before.' }) erased!: boolean;
}

@Resolver()
export class PrivacyResolver {
  @Mutation(() => Erasure, {
    description: 'Erases a person (GDPR Art. 17): their media, photos, reference face, name and free text become unreadable everywhere, '
      + 'their account is disabled for good; the hash chains still verify (administrators; not your own account).',
  })
  async erasePerson(@Arg('username', () => String) username: string, @Arg('reason', () => String) reason: string, @Ctx() ctx: ApiContext): Promise<Erasure> {
    const actor = authorize(ctx.actor, 'account.manage');
    const done = await erasePerson(ctx.core, ctx.media.blobs, actor, username, reason);
    return { ...done, sessions: [...done.sessions] };
  }
}
