import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.js';

// The smallest valid PNG: 1×1 transparent pixel.
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');

describe('files in the chat and the identity step', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
    await api.createSession('files-1');
    await api.as('student1', `mutation { checkIn(id: "files-1", userAgent: "ua") { id } }`);
  });
  afterAll(async () => {
    await api.close();
  });

  it('lets the proctor attach a file that the test-taker downloads, byte for byte', async () => {
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.from('rules of the exam\n')]);
    const up = await api.upload('proctor1', 'files-1', pdf, { name: 'rules.pdf' });
    expect(up.status).toBe(201);
    expect(up.json).toMatchObject({ name: 'rules.pdf', contentType: 'application/pdf', size: pdf.length, sha256: createHash('sha256').update(pdf).digest('hex') });
    await api.as('proctor1', `mutation($f: String) { sendMessage(sessionId: "files-1", text: "Read this", attachmentId: $f) { id } }`, { f: up.json.fileId });
    const chat = await api.as('student1', `{ session(id: "files-1") { messages { text attachment { id name contentType size } } } }`);
    expect(chat.session.messages[0]).toEqual({ text: 'Read this', attachment: { id: up.json.fileId, name: 'rules.pdf', contentType: 'application/pdf', size: pdf.length } });
    const down = await api.download('student1', up.json.fileId);
    expect(down.status).toBe(200);
    expect(down.body.equals(pdf)).toBe(true);
    expect(down.headers.get('content-disposition')).toMatch(/^attachment; filename\*=UTF-8''rules\.pdf$/);
  });

  it('serves pictures inline', async () => {
    const up = await api.upload('student1', 'files-1', PNG, { name: 'desk.png' });
    expect(up.json.contentType).toBe('image/png');
    const down = await api.download('proctor1', up.json.fileId);
    expect(down.headers.get('content-disposition')).toMatch(/^inline/);
    expect(down.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('records identity photos for the proctor, not for other test-takers', async () => {
    const up = await api.upload('student1', 'files-1', PNG, { kind: 'face' });
    expect(up.status).toBe(201);
    await api.as('student1', `mutation($p: String!) { submitIdentityPhoto(id: "files-1", photoId: $p, kind: "face") { id } }`, { p: up.json.fileId });
    const files = await api.as('proctor1', `{ session(id: "files-1") { files { id kind } } }`);
    expect(files.session.files).toContainEqual({ id: up.json.fileId, kind: 'face' });
    expect((await api.download('student2', up.json.fileId)).status).toBe(404);
  });

  it('refuses what it cannot recognise, what is too big, and callers who may not', async () => {
    const exe = Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00]);
    expect(await api.upload('student1', 'files-1', exe)).toMatchObject({ status: 400, json: { code: 'BAD_USER_INPUT' } });
    const huge = Buffer.alloc(10 * 1024 * 1024 + 1, 0x61);
    expect((await api.upload('student1', 'files-1', huge)).status).toBe(413);
    expect((await api.upload('student1', 'files-1', Buffer.from('%PDF-1.4'), { kind: 'face' })).json.error).toMatch(/image/);
    expect((await api.upload('student2', 'files-1', PNG)).status).toBe(404);
    expect((await api.upload(null, 'files-1', PNG)).status).toBe(401);
    expect((await api.upload('student1', 'nope', PNG)).status).toBe(404);
    expect((await api.download('proctor1', '00000000-0000-0000-0000-000000000000')).status).toBe(404);
  });
});
