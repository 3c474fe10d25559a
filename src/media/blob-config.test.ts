import { describe, expect, it } from 'vitest';
import { blobStoreConfig } from './blob-config.js';

describe('choosing the blob store from the environment', () => {
  it('keeps files in DATA_DIR/blobs by default', () => {
    expect(blobStoreConfig({})).toEqual({ kind: 'local' });
    expect(blobStoreConfig({ BLOB_STORE: 'local', S3_BUCKET: 'ignored' })).toEqual({ kind: 'local' });
  });

  it('reads an S3-compatible store from the S3_* variables, path-style when an endpoint is given', () => {
    const env = { BLOB_STORE: 's3', S3_ENDPOINT: 'http://minio:9000/', S3_BUCKET: 'proctor', S3_ACCESS_KEY_ID: 'k', S3_SECRET_ACCESS_KEY: 's', S3_PREFIX: 'blobs/' };
    expect(blobStoreConfig(env)).toEqual({
      kind: 's3',
      s3: { endpoint: 'http://minio:9000', bucket: 'proctor', region: 'us-east-1', credentials: { accessKeyId: 'k', secretAccessKey: 's' }, forcePathStyle: true, prefix: 'blobs/' },
    });
  });

  it('leaves AWS to its own endpoint, virtual-hosted style, and credentials to the SDK when none are given', () => {
    expect(blobStoreConfig({ BLOB_STORE: 's3', S3_BUCKET: 'proctor', S3_REGION: 'eu-central-1' })).toMatchObject({
      s3: { endpoint: null, region: 'eu-central-1', credentials: null, forcePathStyle: false },
    });
    expect(blobStoreConfig({ BLOB_STORE: 's3', S3_BUCKET: 'proctor', S3_ENDPOINT: 'https://s3.example.edu', S3_FORCE_PATH_STYLE: 'false' })).toMatchObject({
      s3: { forcePathStyle: false },
    });
  });

  it('refuses what cannot work, naming the variable and never the secret', () => {
    const s3 = (env: Record<string, string>) => () => blobStoreConfig({ BLOB_STORE: 's3', S3_BUCKET: 'proctor', ...env });
    expect(() => blobStoreConfig({ BLOB_STORE: 'gcs' })).toThrow('BLOB_STORE=gcs is not one of local, s3');
    expect(() => blobStoreConfig({ BLOB_STORE: 's3' })).toThrow(/needs S3_BUCKET/);
    expect(s3({ S3_BUCKET: 'Bad_Bucket' })).toThrow(/S3_BUCKET=Bad_Bucket is not a bucket name/);
    expect(s3({ S3_ENDPOINT: 'minio:9000' })).toThrow(/S3_ENDPOINT=minio:9000 is not an http\(s\) URL/);
    expect(s3({ S3_ENDPOINT: 'ftp://minio' })).toThrow(/S3_ENDPOINT/);
    expect(s3({ S3_FORCE_PATH_STYLE: 'yes' })).toThrow('S3_FORCE_PATH_STYLE=yes is not true or false');
    expect(s3({ S3_REGION: 'Europe West' })).toThrow(/S3_REGION/);
    expect(s3({ S3_PREFIX: 'a\nb' })).toThrow(/S3_PREFIX/);
    const half = s3({ S3_SECRET_ACCESS_KEY: 'very-secret-value' });
    expect(half).toThrow(/set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY/);
    expect(() => half()).not.toThrow(/very-secret-value/);
  });

  it('refuses an endpoint with credentials inside it (they belong in their own variables)', () => {
    const withSecret = () => blobStoreConfig({ BLOB_STORE: 's3', S3_BUCKET: 'proctor', S3_ENDPOINT: 'http://user:hunter2@minio:9000' });
    expect(withSecret).toThrow('S3_ENDPOINT is not an http(s) URL like http://minio:9000, without credentials or query');
  });
});
