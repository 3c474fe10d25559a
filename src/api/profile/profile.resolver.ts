import { Arg, Ctx, Field, FieldResolver, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { clearReference } from '../../app/profiles/reference.js';
import { getFaceReference } from '../../projections/faces/projection.js';
import { User } from '../auth/auth.resolver.js';
import { authorize } from '../authorization.js';
import type { ApiContext } from '../context.js';
import { DateTime } from '../scalars.js';

@ObjectType({ description: 'The face a profile\'s identity photos are compared with (1:1), set by a verified identity step or an administrator\'s upload.' })
export class FaceReference {
  @Field(() => String) username!: string;
  @Field(() => String, { description: 'The identity photo it came from, or upload:<sha-256> for an administrator\'s upload.' }) photoId!: string;
  @Field(() => DateTime) setAt!: Date;
}

async function referenceOf(ctx: ApiContext, username: string): Promise<FaceReference | null> {
  const ref = await getFaceReference(ctx.core.db, username);
  return ref ? { username: ref.username, photoId: ref.photoId, setAt: ref.setAt } : null;
}

@Resolver(() => User)
export class ProfileResolver {
  @Query(() => FaceReference, { name: 'faceReference', nullable: true, description: 'A profile\'s reference face (staff).' })
  async referenceQuery(@Arg('username', () => String) username: string, @Ctx() ctx: ApiContext): Promise<FaceReference | null> {
    authorize(ctx.actor, 'account.list');
    return referenceOf(ctx, username);
  }

  @FieldResolver(() => FaceReference, { nullable: true, description: 'The reference face of this profile (staff only).' })
  async faceReference(@Root() user: User, @Ctx() ctx: ApiContext): Promise<FaceReference | null> {
    authorize(ctx.actor, 'account.list');
    return referenceOf(ctx, user.username);
  }

  @Mutation(() => Boolean, { description: 'Clears a profile\'s reference face (administrators); the next verified identity photo sets a new one. False when none was set.' })
  async clearFaceReference(@Arg('username', () => String) username: string, @Arg('reason', () => String) reason: string, @Ctx() ctx: ApiContext): Promise<boolean> {
    return clearReference(ctx.core, authorize(ctx.actor, 'account.manage'), { username, reason });
  }
}
