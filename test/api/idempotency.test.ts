import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.js';

/** A client whose connection dropped before the answer came sends the request again with the same commandId. */
describe('retrying a mutation with the same commandId', () => {
  let api: TestApi;
  const eventsOf = async (id: string) => (await api.as('admin', `query($id: ID!) { sessionEvents(id: $id) { type } }`, { id })).sessionEvents.map((e: { type: string }) => e.type);
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api.close();
  });

  it('creates a session once and answers the retry as the first time', async () => {
    const create = `mutation($c: ID) { createSession(commandId: $c, input: { id: "idem-1", name: "Quiz", student: "student1", proctor: "proctor1", duration: 30 }) { id status } }`;
    const first = await api.as('admin', create, { c: 'create-idem-1' });
    const retry = await api.as('admin', create, { c: 'create-idem-1' });
    expect(retry).toEqual(first);
    expect(await eventsOf('idem-1')).toEqual(['SessionCreated']);
    // Without a commandId the same request is a new one, and is refused as such.
    expect(await api.errorCode('admin', create, {})).toBe('CONFLICT');
  });

  it('sends a chat message once, with the same id both times', async () => {
    await api.createSession('idem-2');
    const send = `mutation($c: ID) { sendMessage(commandId: $c, sessionId: "idem-2", text: "Hello") { id text } }`;
    const first = await api.as('proctor1', send, { c: 'msg-1' });
    const retry = await api.as('proctor1', send, { c: 'msg-1' });
    expect(retry.sendMessage).toEqual(first.sendMessage);
    const chat = await api.as('proctor1', `{ session(id: "idem-2") { messages { id } } }`);
    expect(chat.session.messages).toEqual([{ id: first.sendMessage.id }]);
    // Another user's identical id is theirs: ids are kept apart per user.
    const other = await api.as('student1', `mutation($c: ID) { sendMessage(commandId: $c, sessionId: "idem-2", text: "Hi") { id } }`, { c: 'msg-1' });
    expect(other.sendMessage.id).not.toBe(first.sendMessage.id);
  });

  it('refuses an id used already for another command, and one that is not an id', async () => {
    await api.createSession('idem-3');
    await api.as('proctor1', `mutation { addNote(commandId: "reused", sessionId: "idem-3", text: "first") { id } }`);
    expect(await api.errorCode('proctor1', `mutation { sendMessage(commandId: "reused", sessionId: "idem-3", text: "x") { id } }`)).toBe('CONFLICT');
    expect(await api.errorCode('proctor1', `mutation { addNote(commandId: "has space", sessionId: "idem-3", text: "x") { id } }`)).toBe('BAD_USER_INPUT');
  });

  it('gives each command of a multi-step mutation its own id, the same on a retry (booking a slot)', async () => {
    const start = new Date(Date.now() + 3 * 24 * 3600_000);
    start.setUTCMinutes(0, 0, 0);
    const end = new Date(start.getTime() + 2 * 3600_000);
    await api.as('proctor1', `mutation($s: DateTimeISO!, $e: DateTimeISO!) { openSlots(slots: [{ start: $s, end: $e }], seats: 2) { start } }`, { s: start.toISOString(), e: end.toISOString() });
    await api.createSession('idem-4', { proctor: null, selfScheduling: true });
    const book = `mutation($c: ID, $s: DateTimeISO!) { bookSlot(commandId: $c, sessionId: "idem-4", proctor: "proctor1", start: $s) { id proctor scheduledAt } }`;
    const first = await api.as('student1', book, { c: 'book-1', s: start.toISOString() });
    const retry = await api.as('student1', book, { c: 'book-1', s: start.toISOString() });
    expect(retry).toEqual(first);
    const slots = await api.as('proctor1', `query($f: DateTimeISO!, $t: DateTimeISO!) { slots(from: $f, to: $t) { start booked } }`, { f: start.toISOString(), t: end.toISOString() });
    expect(slots.slots).toEqual([{ start: start.toISOString(), booked: 1 }]);
  });
});

describe('retrying an upload with the same commandId', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
    await api.createSession('idem-up');
  });
  afterAll(async () => {
    await api.close();
  });

  it('stores the file once under one id', async () => {
    const body = Buffer.from('the same notes');
    const first = await api.upload('student1', 'idem-up', body, { name: 'notes.txt', commandId: 'upload-1' });
    const retry = await api.upload('student1', 'idem-up', body, { name: 'notes.txt', commandId: 'upload-1' });
    expect(first.status).toBe(201);
    expect(retry.json.fileId).toBe(first.json.fileId);
    const files = await api.as('proctor1', `{ session(id: "idem-up") { files { id } } }`);
    expect(files.session.files).toEqual([{ id: first.json.fileId }]);
  });
});
