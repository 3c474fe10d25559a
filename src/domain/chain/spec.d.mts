/** Types of spec.mjs: the chain's hashing and signing specification, shared by server, browser and offline verifier. */

/** The fields of an event its hash covers, besides its data and metadata. */
export interface HashedFields {
  readonly prevHash: string | null;
  readonly streamId: string;
  readonly streamVersion: number;
  readonly id: string;
  readonly type: string;
  /** A Date, or an ISO-8601 string of one. */
  readonly recordedAt: Date | string;
}

/** A stream head a checkpoint signs. */
export interface SignedHead {
  readonly stream: string;
  readonly version: number;
  readonly hash: string;
}

/** A checkpoint's fields but its signature. */
export interface CheckpointFields {
  readonly keyId: string;
  readonly at: string;
  readonly through: string;
  readonly previous: string | null;
  readonly heads: readonly SignedHead[];
}

/** JSON with object keys sorted, so equal values hash equally whatever the order of their keys. */
export function canonicalJson(value: unknown): string;
/** The text whose SHA-256 (hex) is the event's hash. */
export function eventHashInput(e: HashedFields, dataJson: string, metadataJson: string): string;
/** The text a checkpoint's Ed25519 signature covers. */
export function checkpointSignedText(d: CheckpointFields): string;
export const ED25519_SPKI_PREFIX_HEX: string;
export const STREAM_EXPORT_FORMAT: string;
