import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { S3BlobStoreConfig } from '../../src/media/s3-blob-store.js';

/** An S3-compatible server for tests: its endpoint and a key that may create buckets. */
export interface TestS3 {
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

const given = process.env.TEST_S3_URL;
const installed = ['/usr/bin/radosgw', '/usr/bin/ceph-osd', '/usr/bin/ceph-mon'].every((f) => existsSync(f));

/** Whether the S3 suites can run here: TEST_S3_URL is set, or Debian's Ceph RADOS Gateway is installed. */
export const S3_AVAILABLE = Boolean(given) || installed;
export const NO_S3_REASON =
  'no S3-compatible server: apt-get install ceph-mon ceph-osd radosgw ceph-common (scripts/s3-test-server.sh starts one), or set TEST_S3_URL=http://KEY:SECRET@host:port';

/** TEST_S3_URL, else the RADOS Gateway `scripts/s3-test-server.sh` starts (≈20 s the first time, then reused). */
export async function testS3(): Promise<TestS3> {
  let url = given;
  if (!url) {
    const script = fileURLToPath(new URL('../../scripts/s3-test-server.sh', import.meta.url));
    url = (await promisify(execFile)('bash', [script, 'start'], { encoding: 'utf8', timeout: 240_000 })).stdout.trim();
  }
  const parsed = new URL(url);
  return { endpoint: parsed.origin, accessKeyId: decodeURIComponent(parsed.username), secretAccessKey: decodeURIComponent(parsed.password) };
}

function client(s3: TestS3): S3Client {
  return new S3Client({
    endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** A new empty bucket; `drop` empties and deletes it. */
export async function testBucket(s3: TestS3, name: string): Promise<{ config: S3BlobStoreConfig; drop(): Promise<void> }> {
  const admin = client(s3);
  await admin.send(new CreateBucketCommand({ Bucket: name }));
  return {
    config: {
      endpoint: s3.endpoint, bucket: name, region: 'us-east-1', forcePathStyle: true, prefix: '',
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    },
    async drop() {
      for (;;) {
        const { Contents = [] } = await admin.send(new ListObjectsV2Command({ Bucket: name }));
        if (Contents.length === 0) break;
        await admin.send(new DeleteObjectsCommand({ Bucket: name, Delete: { Objects: Contents.map((o) => ({ Key: o.Key! })) } }));
      }
      await admin.send(new DeleteBucketCommand({ Bucket: name }));
      admin.destroy();
    },
  };
}
