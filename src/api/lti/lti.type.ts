import { Field, ID, ObjectType } from 'type-graphql';
import { DateTime } from '../scalars.js';

@ObjectType({ description: 'An LMS registered as an LTI 1.3 platform (removed ones stay listed, marked).' })
export class LtiPlatform {
  @Field(() => ID, { description: 'Derived from the issuer and the client id.' }) id!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { description: 'The platform\'s issuer (`iss` of its id_tokens).' }) issuer!: string;
  @Field(() => String, { description: 'The client id the platform gave us.' }) clientId!: string;
  @Field(() => [String]) deploymentIds!: string[];
  @Field(() => String, { description: 'Its OIDC authorization endpoint.' }) authUrl!: string;
  @Field(() => String, { description: 'Its OAuth2 token endpoint.' }) tokenUrl!: string;
  @Field(() => String, { description: 'Where its public keys are.' }) jwksUrl!: string;
  @Field(() => String, { description: 'manual (typed in) or dynamic (LTI Dynamic Registration).' }) method!: string;
  @Field(() => Boolean, { description: 'Launches from it are refused.' }) removed!: boolean;
  @Field(() => String) registeredBy!: string;
  @Field(() => DateTime) registeredAt!: Date;
}

@ObjectType({ description: 'One of our signing keys, as published in our JWKS until it is retired.' })
export class LtiKey {
  @Field(() => ID) kid!: string;
  @Field(() => DateTime) createdAt!: Date;
  @Field(() => DateTime, { nullable: true, description: 'When it left the JWKS; null while published.' }) retiredAt!: Date | null;
  @Field(() => Boolean, { description: 'The key that signs now (the newest not retired).' }) signing!: boolean;
}

@ObjectType({ description: 'What an LMS administrator types in to register us by hand, and our keys.' })
export class LtiTool {
  @Field(() => String, { description: 'Our address as a tool (the domain and target link).' }) toolUrl!: string;
  @Field(() => String, { description: 'OIDC login initiation URL.' }) loginUrl!: string;
  @Field(() => String, { description: 'Redirect (launch) URL.' }) launchUrl!: string;
  @Field(() => String, { description: 'Deep linking URL.' }) deepLinkingUrl!: string;
  @Field(() => String, { description: 'Our public keys (JWKS) URL.' }) jwksUrl!: string;
  @Field(() => String, { description: 'Where LTI Dynamic Registration starts (with a link token).' }) registrationUrl!: string;
  @Field(() => [String], { description: 'The scopes we ask for.' }) scopes!: string[];
  @Field(() => [LtiKey], { description: 'Our keys, newest first.' }) keys!: LtiKey[];
}

@ObjectType({ description: 'A dynamic-registration URL to paste into an LMS: it works once, until it expires.' })
export class LtiRegistrationLink {
  @Field(() => String) url!: string;
  @Field(() => DateTime) expiresAt!: Date;
}
