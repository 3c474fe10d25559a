import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithServer } from '../../test/support/servers.js';
import { NO_S3_REASON, S3_AVAILABLE, testBucket, testS3, type TestS3 } from '../../test/support/s3.js';
import { blobStoreContract } from './blob-store.contract.js';
import { LocalBlobStore } from './blob-store.js';
import { openBlobStore } from './blob-config.js';
import { BlobStoreUnavailableError, S3BlobStore } from './s3-blob-store.js';

describe('the local blob store', () => {
  blobStoreContract(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'proctor-blobs-'));
    return { blobs: new LocalBlobStore(dir), stagingDir: join(dir, 'staging'), close: () => rm(dir, { recursive: true, force: true }) };
  });
});

const bucketName = (what: string) => `proctor-${what}-${process.pid}-${Date.now().toString(36)}`;

describeWithServer('the S3 blob store (Ceph RADOS Gateway)', S3_AVAILABLE, NO_S3_REASON, () => {
  let s3: TestS3;
  beforeAll(async () => {
    s3 = await testS3();
  });

  describe('under the contract', () => {
    blobStoreContract(async () => {
      const dir = await mkdtemp(join(tmpdir(), 'proctor-s3-staging-'));
      const bucket = await testBucket(s3, bucketName('contract'));
      const store = await S3BlobStore.open({ ...bucket.config, prefix: 'blobs/' }, dir);
      return {
        blobs: store,
        stagingDir: dir,
        close: async () => {
          store.close();
          await bucket.drop();
          await rm(dir, { recursive: true, force: true });
        },
      };
    });
  });

  describe('when it cannot be used as configured', () => {
    let dataDir: string;
    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'proctor-s3-start-'));
    });
    afterAll(async () => {
      await rm(dataDir, { recursive: true, force: true });
    });
    const settings = (over: object) => ({
      endpoint: s3.endpoint, bucket: 'proctor-none', region: 'us-east-1', forcePathStyle: true, prefix: '',
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }, ...over,
    });

    it('refuses to start on a bucket that does not exist, saying so', async () => {
      const opening = openBlobStore({ dataDir, blobs: { kind: 's3', s3: settings({ bucket: bucketName('missing') }) } });
      await expect(opening).rejects.toBeInstanceOf(BlobStoreUnavailableError);
      await expect(opening).rejects.toThrow(/S3_BUCKET "proctor-missing-.*" does not exist at http:\/\/127\.0\.0\.1:\d+: create it first/);
    });

    it('refuses to start with a wrong secret, naming the variables and not the secret', async () => {
      const bucket = await testBucket(s3, bucketName('refused'));
      try {
        const wrong = 'wrong-secret-wrong-secret-wrong-secret';
        const error = await openBlobStore({ dataDir, blobs: { kind: 's3', s3: { ...bucket.config, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: wrong } } } })
          .then(() => null, (e: Error) => e);
        expect(error?.message).toMatch(/refused access to the bucket "proctor-refused-.*": check S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY/);
        expect(error?.message).not.toContain(wrong);
      } finally {
        await bucket.drop();
      }
    });

    it('refuses to start when nothing answers at the endpoint', async () => {
      const opening = openBlobStore({ dataDir, blobs: { kind: 's3', s3: settings({ endpoint: 'http://127.0.0.1:9' }) } });
      await expect(opening).rejects.toThrow(/cannot reach the object store at http:\/\/127\.0\.0\.1:9 \(bucket "proctor-none"\): ECONNREFUSED/);
    });
  });
});
