import { Field, InputType } from 'type-graphql';

@InputType({ description: 'A platform\'s name, deployments and endpoints. The domain checks every value and says which one is wrong.' })
export class LtiPlatformSettingsInput {
  @Field(() => String) name!: string;
  @Field(() => [String], { description: 'The deployment ids of us on the platform (at most 50).' }) deploymentIds!: string[];
  @Field(() => String, { description: 'OIDC authorization endpoint.' }) authUrl!: string;
  @Field(() => String, { description: 'OAuth2 token endpoint.' }) tokenUrl!: string;
  @Field(() => String, { description: 'The platform\'s JWKS URL.' }) jwksUrl!: string;
}

@InputType({ description: 'A platform registered by hand: who it is, and its settings.' })
export class RegisterLtiPlatformInput extends LtiPlatformSettingsInput {
  @Field(() => String, { description: 'The platform\'s issuer (an https URL, compared exactly with `iss`).' }) issuer!: string;
  @Field(() => String, { description: 'The client id the platform gave us.' }) clientId!: string;
}
