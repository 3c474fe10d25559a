import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { PERSONAL_FIELDS, type PersonalField } from '../../domain/person/personal-fields.js';
import type {
  AppendResult, EventShape, EventStore, ExpectedVersion, NewEvent, ReadAllOptions, Recorded, RecordedEvent, SubscribeOptions, Subscription,
} from '../../store/event-store.js';
import { PersonKeyTable } from '../../store/person-keys.js';
import type { Sql } from '../../store/sql.js';
import { unwrapKey, wrapKey } from '../../media/sealed/seal.js';

const PREFIX = 'sealed:1:';
/** How long a key read from the table is trusted before it is read again (another node may have shredded it). */
const KEY_TTL_MS = 5_000;

interface CachedKey {
  readonly keyId: string;
  /** null: erased. */
  readonly key: Buffer | null;
  readonly until: number;
}

/**
 * The event store with every personal field (`PERSONAL_FIELDS`) sealed under its person's key (AES-256-GCM, the key
 * wrapped by the master key in `person_keys`). Appends seal, reads open; the inner store hashes and keeps only the
 * sealed text, so erasing a person (shredding their key) leaves the chain intact and the fields unreadable everywhere,
 * backups included. An event whose fields were opened carries `storedData`, the data as hashed, for whoever checks
 * the chain.
 */
export class PersonalDataStore implements EventStore {
  private readonly byId = new Map<string, CachedKey>();
  private readonly byUser = new Map<string, CachedKey>();
  private readonly students = new Map<string, string>();

  private constructor(readonly inner: EventStore, readonly keys: PersonKeyTable, private readonly master: Buffer, private readonly clock: () => Date) {}

  static async open(inner: EventStore, sql: Sql, masterKey: Buffer, clock: () => Date = () => new Date()): Promise<PersonalDataStore> {
    if (masterKey.length !== 32) throw new Error('the master key must be 32 bytes');
    return new PersonalDataStore(inner, await PersonKeyTable.open(sql), masterKey, clock);
  }

  async appendToStream(streamId: string, events: readonly NewEvent[], options?: { expectedVersion?: ExpectedVersion }): Promise<AppendResult> {
    const sealed: NewEvent[] = [];
    for (const event of events) sealed.push(await this.seal(streamId, event, events));
    return this.inner.appendToStream(streamId, sealed, options);
  }

  async readStream<E extends EventShape = EventShape>(streamId: string, options?: { fromVersion?: number; limit?: number }): Promise<Recorded<E>[]> {
    return (await this.openAll(await this.inner.readStream(streamId, options))) as Recorded<E>[];
  }

  async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.openAll(await this.inner.readAll(options));
  }

  subscribe(handler: (events: readonly RecordedEvent[]) => Promise<void> | void, options?: SubscribeOptions): Subscription {
    return this.inner.subscribe(async (events) => handler(await this.openAll(events)), options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** Shreds the person's key: every field ever sealed with it reads as erased from now on, on every node within seconds. */
  async erase(username: string, reason: string): Promise<void> {
    const user = username.toLowerCase();
    const stored = await this.keys.byUsername(user);
    await this.keys.shred(user, stored?.keyId ?? randomUUID(), this.clock(), reason);
    if (stored) this.byId.set(stored.keyId, { keyId: stored.keyId, key: null, until: Infinity });
    this.byUser.delete(user);
  }

  private async seal(streamId: string, event: NewEvent, batch: readonly NewEvent[]): Promise<NewEvent> {
    const spec = PERSONAL_FIELDS[event.type];
    if (!spec || event.data === null || typeof event.data !== 'object') return event;
    const owner = spec.owner === 'stream-owner' ? streamId.slice(streamId.indexOf('-') + 1) : await this.studentOf(streamId, batch);
    if (!owner) return event;
    const person = await this.personKey(owner);
    let data = event.data as Record<string, unknown>;
    for (const field of spec.fields) {
      const value = get(data, field.path);
      if (value === undefined || value === null) continue;
      // An erased person gets nothing sealed readable: what would be sealed is stored as already erased.
      const replacement = person.key ? sealValue(person.key, person.keyId, event.type, field, value) : field.erased;
      data = set(data, field.path, replacement);
    }
    return { ...event, data };
  }

  private async studentOf(streamId: string, batch: readonly NewEvent[]): Promise<string | null> {
    const created = batch.find((e) => e.type === 'SessionCreated');
    if (created) return (created.data as { student: string }).student.toLowerCase();
    const known = this.students.get(streamId);
    if (known) return known;
    const [first] = await this.inner.readStream(streamId, { limit: 1 });
    const student = first?.type === 'SessionCreated' ? (first.data as { student: string }).student.toLowerCase() : null;
    if (student) {
      if (this.students.size > 10_000) this.students.clear();
      this.students.set(streamId, student);
    }
    return student;
  }

  private async personKey(username: string): Promise<CachedKey> {
    const cached = this.byUser.get(username);
    if (cached && cached.until > Date.now()) return cached;
    let stored = await this.keys.byUsername(username);
    if (!stored) {
      const keyId = randomUUID();
      stored = await this.keys.create(username, keyId, wrapKey(this.master, keyAad(keyId), randomBytes(32)), this.clock());
    }
    const entry = this.cacheEntry(stored);
    this.byUser.set(username, entry);
    return entry;
  }

  private cacheEntry(stored: Awaited<ReturnType<PersonKeyTable['byUsername']>> & object): CachedKey {
    const key = stored.state === 'live' ? unwrapKey(this.master, keyAad(stored.keyId), stored.wrapped) : null;
    const entry = { keyId: stored.keyId, key, until: key ? Date.now() + KEY_TTL_MS : Infinity };
    this.byId.set(stored.keyId, entry);
    return entry;
  }

  private async openAll<T extends RecordedEvent>(events: readonly T[]): Promise<T[]> {
    const wanted = new Set<string>();
    for (const event of events) for (const value of sealedValues(event)) wanted.add(keyIdOf(value));
    const missing = [...wanted].filter((id) => !((this.byId.get(id)?.until ?? 0) > Date.now()));
    if (missing.length > 0) {
      const found = await this.keys.byIds(missing);
      for (const stored of found) this.cacheEntry(stored);
      // A key id with no row at all: read as erased (never as readable), but look again next time.
      for (const id of missing) if (!found.some((f) => f.keyId === id)) this.byId.set(id, { keyId: id, key: null, until: 0 });
    }
    return events.map((event) => this.open(event));
  }

  private open<T extends RecordedEvent>(event: T): T {
    const spec = PERSONAL_FIELDS[event.type];
    if (!spec || event.data === null || typeof event.data !== 'object') return event;
    let data = event.data as Record<string, unknown>;
    for (const field of spec.fields) {
      const value = get(data, field.path);
      if (!isSealed(value)) continue;
      const key = this.byId.get(keyIdOf(value))?.key ?? null;
      data = set(data, field.path, key ? openValue(key, event.type, field, value) : field.erased);
    }
    return data === event.data ? event : { ...event, data, storedData: event.data };
  }
}

/** The store as it keeps events (sealed fields as stored): what a hash chain is checked against. */
export function storedEvents(store: EventStore): EventStore {
  return store instanceof PersonalDataStore ? store.inner : store;
}

const keyAad = (keyId: string) => Buffer.from(`person-key:${keyId}`);
const fieldAad = (keyId: string, type: string, field: PersonalField) => Buffer.from(`person-field:${keyId}:${type}:${field.path.join('.')}`);
const isSealed = (value: unknown): value is string => typeof value === 'string' && value.startsWith(PREFIX);
const keyIdOf = (sealed: string) => sealed.slice(PREFIX.length, sealed.indexOf(':', PREFIX.length));

function sealValue(key: Buffer, keyId: string, type: string, field: PersonalField, value: unknown): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(fieldAad(keyId, type, field));
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return `${PREFIX}${keyId}:${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64')}`;
}

function openValue(key: Buffer, type: string, field: PersonalField, sealed: string): unknown {
  const keyId = keyIdOf(sealed);
  const raw = Buffer.from(sealed.slice(PREFIX.length + keyId.length + 1), 'base64');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAAD(fieldAad(keyId, type, field));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    return JSON.parse(Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8'));
  } catch {
    // Altered in the database: the chain check names the event; readers get the field as if erased, not a crash.
    return field.erased;
  }
}

function* sealedValues(event: RecordedEvent): Generator<string> {
  const spec = PERSONAL_FIELDS[event.type];
  if (!spec || event.data === null || typeof event.data !== 'object') return;
  for (const field of spec.fields) {
    const value = get(event.data as Record<string, unknown>, field.path);
    if (isSealed(value)) yield value;
  }
}

function get(data: Record<string, unknown>, path: readonly string[]): unknown {
  let at: unknown = data;
  for (const p of path) at = at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[p] : undefined;
  return at;
}

function set(data: Record<string, unknown>, path: readonly string[], value: unknown): Record<string, unknown> {
  const [head, ...rest] = path;
  if (rest.length === 0) return { ...data, [head]: value };
  return { ...data, [head]: set((data[head] ?? {}) as Record<string, unknown>, rest, value) };
}
