import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.js';
import { ENGINES } from '../support/engines.js';
import { NO_S3_REASON, S3_AVAILABLE, testBucket, testS3 } from '../support/s3.js';
import { describeWithServer } from '../support/servers.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');

for (const [engine, available, postgresUrl] of ENGINES) {
  describeWithServer(`files kept in an S3-compatible store (BLOB_STORE=s3) ${engine}`, available && S3_AVAILABLE, available ? NO_S3_REASON : 'no PostgreSQL server', () => {
    let api: TestApi;
    let bucket: Awaited<ReturnType<typeof testBucket>>;
    let s3: S3Client;
    beforeAll(async () => {
      const server = await testS3();
      bucket = await testBucket(server, `proctor-api-${process.pid}-${Date.now().toString(36)}`);
      s3 = new S3Client({ endpoint: bucket.config.endpoint!, region: 'us-east-1', forcePathStyle: true, credentials: bucket.config.credentials! });
      api = await startTestApi({ blobs: { kind: 's3', s3: { ...bucket.config, prefix: 'proctor/' } } }, { postgresUrl });
      await api.createSession('s3-1');
      await api.as('student1', `mutation { checkIn(id: "s3-1", userAgent: "ua") { id } }`);
    });
    afterAll(async () => {
      await api?.close();
      s3?.destroy();
      await bucket?.drop();
    });

    it('keeps an uploaded file in the bucket under its hash, not on the server\'s disk, and serves it back', async () => {
      const pdf = Buffer.from('%PDF-1.4\nrules of the exam, kept in S3\n');
      const sha256 = createHash('sha256').update(pdf).digest('hex');
      const up = await api.upload('proctor1', 's3-1', pdf, { name: 'rules.pdf' });
      expect(up).toMatchObject({ status: 201, json: { sha256 } });
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket.config.bucket, Key: `proctor/${sha256.slice(0, 2)}/${sha256}` }));
      expect(Buffer.from(await object.Body!.transformToByteArray()).equals(pdf)).toBe(true);
      expect(readdirSync(join(api.config.dataDir, 'blobs')).filter((name) => name !== 'staging')).toEqual([]);
      expect(readdirSync(join(api.config.dataDir, 'blobs', 'staging'))).toEqual([]);
      const down = await api.download('student1', up.json.fileId);
      expect(down.status).toBe(200);
      expect(down.body.equals(pdf)).toBe(true);
    });

    it('refuses what is not allowed without putting anything in the bucket', async () => {
      const notAnImage = Buffer.from('%PDF-1.4\nnot a face\n');
      expect((await api.upload('student1', 's3-1', notAnImage, { kind: 'face' })).status).toBe(400);
      const key = `proctor/${createHash('sha256').update(notAnImage).digest('hex').slice(0, 2)}/${createHash('sha256').update(notAnImage).digest('hex')}`;
      await expect(s3.send(new GetObjectCommand({ Bucket: bucket.config.bucket, Key: key }))).rejects.toMatchObject({ name: 'NoSuchKey' });
      expect((await api.upload('student1', 's3-1', PNG, { kind: 'face' })).status).toBe(201);
      expect(readdirSync(join(api.config.dataDir, 'blobs', 'staging'))).toEqual([]);
    });
  });
}
