import { Field, Int, ObjectType } from 'type-graphql';
import { DateTime } from '../scalars.js';
import { StoredEvent } from '../session/session.type.js';

@ObjectType({ description: 'A stream head as a checkpoint signed it.' })
export class SignedHead {
  @Field(() => String) stream!: string;
  @Field(() => Int) version!: number;
  @Field(() => String) hash!: string;
}

@ObjectType({ description: 'A signed checkpoint of stream heads, as signed (see README, "Auditing a session", for what the signature covers).' })
export class SignedCheckpoint {
  @Field(() => [SignedHead]) heads!: SignedHead[];
  @Field(() => String, { nullable: true, description: 'Hash of the checkpoint before it.' }) previous!: string | null;
  @Field(() => String) through!: string;
  @Field(() => String) keyId!: string;
  @Field(() => String, { description: 'Ed25519, base64.' }) signature!: string;
  @Field(() => String, { description: 'When it was signed, ISO-8601, exactly as signed.' }) at!: string;
}

@ObjectType({ description: 'The newest signed checkpoint naming the stream, and the head it names.' })
export class StreamAnchorType {
  @Field(() => Int) version!: number;
  @Field(() => String) hash!: string;
  @Field(() => SignedCheckpoint) checkpoint!: SignedCheckpoint;
}

@ObjectType({ description: 'A session\'s event stream with what it takes to check it in the browser: its anchor and the server\'s public key.' })
export class StreamReplay {
  @Field(() => String) sessionId!: string;
  @Field(() => String) streamId!: string;
  @Field(() => [StoredEvent]) events!: StoredEvent[];
  @Field(() => StreamAnchorType, { nullable: true, description: 'Null until a checkpoint has signed the stream.' }) anchor!: StreamAnchorType | null;
  @Field(() => String, { nullable: true, description: 'The server\'s Ed25519 public key, raw, base64.' }) publicKey!: string | null;
  @Field(() => String, { nullable: true }) keyId!: string | null;
  @Field(() => DateTime) openedAt!: Date;
}
