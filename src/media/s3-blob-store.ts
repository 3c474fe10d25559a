import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException,
} from '@aws-sdk/client-s3';
import { isBlobKey, stageToFile, sweepStagingDir, type BlobStore, type StageOptions, type StagedBlob, type StagedFile } from './blob-store.js';

/** Where the objects go (BLOB_STORE=s3: the S3_* variables, read by `blobStoreConfig`). */
export interface S3BlobStoreConfig {
  /** S3_ENDPOINT: the server's URL (MinIO, Ceph RGW); null for AWS, whose endpoint follows from the region. */
  readonly endpoint: string | null;
  readonly bucket: string;
  readonly region: string;
  /** S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY; null: the SDK's own chain (environment, profile, instance role). */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string } | null;
  /** `http://host/bucket/key` rather than `http://bucket.host/key` (MinIO and Ceph need it; default when an endpoint is set). */
  readonly forcePathStyle: boolean;
  /** S3_PREFIX: put before every key, to share a bucket ("proctor/"). */
  readonly prefix: string;
}

/** The object store cannot be used as configured: the message says what to fix, and never holds a secret. */
export class BlobStoreUnavailableError extends Error {}

/**
 * The blob store on an S3-compatible object store (AWS S3, MinIO, Ceph RGW). Objects are named
 * `<prefix><first two hex digits>/<sha-256>`, like the local store's files.
 *
 * Staging goes to a local file, and `commit` uploads it with one PUT of known length. Why not a multipart upload
 * straight to S3: a staged upload is checked before it is kept (its head sniffed, a recording segment parsed, and the
 * command may still refuse it), so reading it back locally is cheap and a refused upload never reaches the bucket; a
 * crash leaves a local file the next start sweeps, never an unfinished multipart upload that bills until a lifecycle
 * rule removes it; and each part of a multipart upload (5 MB at least) would be held in memory, where the PUT streams
 * the file. A PUT carries at most 5 GB, far above the upload limits (FILE_MAX_MB, RECORDING_SEGMENT_MAX_MB). An
 * object exists only once its PUT completed, so a reader never sees half of one.
 */
export class S3BlobStore implements BlobStore {
  private constructor(
    private readonly client: S3Client,
    private readonly config: S3BlobStoreConfig,
    private readonly stagingDir: string,
  ) {}

  /**
   * Connects and checks that the bucket is there and the credentials may use it; `BlobStoreUnavailableError`, worded
   * for the operator, when not. `stagingDir` is a local directory for uploads in progress.
   */
  static async open(config: S3BlobStoreConfig, stagingDir: string): Promise<S3BlobStore> {
    const client = new S3Client({
      region: config.region,
      endpoint: config.endpoint ?? undefined,
      forcePathStyle: config.forcePathStyle,
      credentials: config.credentials ?? undefined,
      // The SDK's default adds CRC checksums and chunked trailers that several S3-compatible servers refuse.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
    });
    try {
      await client.send(new HeadBucketCommand({ Bucket: config.bucket }));
    } catch (error) {
      client.destroy();
      throw new BlobStoreUnavailableError(bucketProblem(config, error));
    }
    return new S3BlobStore(client, config, stagingDir);
  }

  private key(sha256: string): string {
    if (!isBlobKey(sha256)) throw new Error('bad blob key: not a sha-256 in hex');
    return `${this.config.prefix}${sha256.slice(0, 2)}/${sha256}`;
  }

  async put(sha256: string, data: Buffer): Promise<void> {
    const Key = this.key(sha256);
    if (await this.has(Key)) return;
    await this.client.send(new PutObjectCommand({ Bucket: this.config.bucket, Key, Body: data, ContentLength: data.length }));
  }

  get staging(): { readonly dir: string; adopt(file: StagedFile): StagedBlob } {
    return { dir: this.stagingDir, adopt: (file) => this.adopt(file) };
  }

  async stage(source: AsyncIterable<Buffer>, options: StageOptions): Promise<StagedBlob> {
    return this.adopt(await stageToFile(this.stagingDir, source, options));
  }

  private adopt(file: StagedFile): StagedBlob {
    const discard = () => rm(file.path, { force: true });
    return {
      sha256: file.sha256,
      size: file.size,
      head: file.head,
      ...(file.webm && { webm: file.webm }),
      read: () => createReadStream(file.path),
      commit: async () => {
        const Key = this.key(file.sha256);
        try {
          if (await this.has(Key)) return false;
          await this.client.send(new PutObjectCommand({ Bucket: this.config.bucket, Key, Body: createReadStream(file.path), ContentLength: file.size }));
          return true;
        } finally {
          await discard();
        }
      },
      discard,
    };
  }

  async get(sha256: string): Promise<Readable | null> {
    try {
      const { Body } = await this.client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: this.key(sha256) }));
      return (Body as Readable | undefined) ?? null;
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async remove(sha256: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: this.key(sha256) }));
  }

  sweepStaging(): Promise<number> {
    return sweepStagingDir(this.stagingDir);
  }

  /** Closes the connections. */
  close(): void {
    this.client.destroy();
  }

  private async has(Key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key }));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }
}

function status(error: unknown): number | undefined {
  return error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
}

function isMissing(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name;
  return name === 'NoSuchKey' || name === 'NotFound' || status(error) === 404;
}

/** Why HeadBucket failed, in the operator's terms (the variables to fix). */
function bucketProblem(config: S3BlobStoreConfig, error: unknown): string {
  const where = config.endpoint ?? `AWS S3 in ${config.region}`;
  const code = status(error);
  if (code === 404) return `S3_BUCKET "${config.bucket}" does not exist at ${where}: create it first`;
  if (code === 403 || code === 401) {
    return `${where} refused access to the bucket "${config.bucket}": check S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY and the key's rights on the bucket`;
  }
  if (code === 301 || code === 400) return `${where} answered ${code} for the bucket "${config.bucket}": check S3_REGION and S3_FORCE_PATH_STYLE`;
  const reason = (error as { code?: string; message?: string } | null)?.code ?? (error as Error | null)?.message ?? String(error);
  return `cannot reach the object store at ${where} (bucket "${config.bucket}"): ${reason}`;
}
