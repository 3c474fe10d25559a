import { join } from 'node:path';
import { LocalBlobStore, type BlobStore } from './blob-store.js';
import type { S3BlobStoreConfig } from './s3-blob-store.js';

/** Which blob store holds file contents: BLOB_STORE=local (the default, DATA_DIR/blobs) or s3 (the S3_* variables). */
export type BlobStoreSettings = { readonly kind: 'local' } | { readonly kind: 's3'; readonly s3: S3BlobStoreConfig };

/** The characters S3 allows in a bucket name, and its length limits. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * BLOB_STORE and, for s3, S3_ENDPOINT, S3_BUCKET, S3_REGION, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_FORCE_PATH_STYLE
 * and S3_PREFIX. Throws a message naming the variable to fix; a secret never appears in it.
 */
export function blobStoreConfig(env: NodeJS.ProcessEnv): BlobStoreSettings {
  const kind = env.BLOB_STORE || 'local';
  if (kind === 'local') return { kind };
  if (kind !== 's3') throw new Error(`BLOB_STORE=${kind} is not one of local, s3`);
  const bucket = env.S3_BUCKET ?? '';
  if (!bucket) throw new Error('BLOB_STORE=s3 needs S3_BUCKET (and S3_ENDPOINT unless the store is AWS S3)');
  if (!BUCKET.test(bucket)) throw new Error(`S3_BUCKET=${bucket} is not a bucket name: 3 to 63 lowercase letters, digits, dots and hyphens`);
  const endpoint = env.S3_ENDPOINT || null;
  if (endpoint !== null && !isHttpUrl(endpoint)) {
    // Echoed only without an "@": a URL with user:password in it would put the secret in the log.
    throw new Error(`S3_ENDPOINT${endpoint.includes('@') ? '' : `=${endpoint}`} is not an http(s) URL like http://minio:9000, without credentials or query`);
  }
  const accessKeyId = env.S3_ACCESS_KEY_ID ?? '';
  const secretAccessKey = env.S3_SECRET_ACCESS_KEY ?? '';
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) {
    throw new Error('set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither (then the AWS SDK finds credentials itself)');
  }
  const region = env.S3_REGION || 'us-east-1';
  if (!/^[a-z0-9-]{2,32}$/.test(region)) throw new Error(`S3_REGION=${region} is not a region name like us-east-1`);
  const prefix = env.S3_PREFIX ?? '';
  if (prefix.length > 200 || /[\u0000-\u001f\u007f\\]/.test(prefix)) throw new Error('S3_PREFIX must be at most 200 characters, without control characters or backslashes');
  return {
    kind,
    s3: {
      endpoint: endpoint?.replace(/\/$/, '') ?? null,
      bucket,
      region,
      credentials: accessKeyId ? { accessKeyId, secretAccessKey } : null,
      forcePathStyle: flag('S3_FORCE_PATH_STYLE', env.S3_FORCE_PATH_STYLE, endpoint !== null),
      prefix,
    },
  };
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password && url.search === '';
  } catch {
    return false;
  }
}

function flag(name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new Error(`${name}=${value} is not true or false`);
}

/**
 * The blob store the configuration names, checked before the server starts (an S3 bucket that is missing or refused
 * stops the start with `BlobStoreUnavailableError`). Uploads in progress are staged in DATA_DIR/blobs/staging either way.
 */
export async function openBlobStore(config: { readonly dataDir: string; readonly blobs?: BlobStoreSettings }): Promise<BlobStore> {
  const dir = join(config.dataDir, 'blobs');
  if (config.blobs?.kind !== 's3') return new LocalBlobStore(dir);
  const { S3BlobStore } = await import('./s3-blob-store.js');
  return S3BlobStore.open(config.blobs.s3, join(dir, 'staging'));
}
