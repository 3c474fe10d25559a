import { Field, InputType, Int } from 'type-graphql';

@InputType({ description: 'A resource link\'s exam settings. The domain checks every value and says which one is wrong.' })
export class LtiLinkSettingsInput {
  @Field(() => String) name!: string;
  @Field(() => Int, { description: '1 to 1440.' }) durationMinutes!: number;
  @Field(() => String, { nullable: true, description: 'A proctor\'s username; null or empty: none.' }) proctor?: string | null;
  @Field(() => Boolean) secondCamera!: boolean;
  @Field(() => String, { nullable: true, description: 'A template in use, by id or name; null or empty: none.' }) template?: string | null;
}
