/**
 * An immutable map for what a state gathers event after event (a session's recording segments, thousands in a long
 * exam; a proctor's calendar slots, each booked again and again). Setting a key on the newest version costs O(1). A
 * plain object copied on each event costs O(n) per event and O(n²) per replay, and V8 makes a hidden class for every
 * new key: measured, folding a four-hour session's 2,160 segments took 1.3 s and one more segment ~1.1 ms.
 *
 * The versions of one map share a JS `Map`; each entry keeps the version it came in and its values by version, and a
 * version sees what was set up to it. Setting a key on a version that is not the newest (a decider's trial evolve,
 * then the real one) reuses the change that followed it when that is the same key and value, and copies otherwise.
 */
export class GrowingMap<K, V> {
  private constructor(
    private readonly shared: Shared<K, V>,
    private readonly version: number,
    /** How many keys this version holds. */
    readonly size: number,
  ) {}

  static empty<K, V>(): GrowingMap<K, V> {
    return new GrowingMap({ entries: new Map(), changed: [] }, 0, 0);
  }

  static of<K, V>(entries: Iterable<readonly [K, V]>): GrowingMap<K, V> {
    let map = GrowingMap.empty<K, V>();
    for (const [k, v] of entries) map = map.with(k, v);
    return map;
  }

  get(key: K): V | undefined {
    const e = this.shared.entries.get(key);
    return e && e.since <= this.version ? valueAt(e, this.version) : undefined;
  }

  has(key: K): boolean {
    const e = this.shared.entries.get(key);
    return e !== undefined && e.since <= this.version;
  }

  /** This map with `key` set to `value` (itself when it already holds that). */
  with(key: K, value: V): GrowingMap<K, V> {
    const { entries, changed } = this.shared;
    const e = entries.get(key);
    const held = e !== undefined && e.since <= this.version;
    if (held && sameValue(valueAt(e, this.version), value)) return this;
    const next = this.version + 1;
    const size = held ? this.size : this.size + 1;
    if (changed.length === this.version) {
      changed.push(key);
      if (e) (e.later ??= []).push({ version: next, value });
      else entries.set(key, { since: next, value, later: null });
      return new GrowingMap(this.shared, next, size);
    }
    if (changed[this.version] === key && sameValue(valueAt(e!, next), value)) return new GrowingMap(this.shared, next, size);
    return GrowingMap.of(this.entries()).with(key, value);
  }

  /** Entries in the order their keys came in. */
  *entries(): IterableIterator<[K, V]> {
    let left = this.size;
    for (const [k, e] of this.shared.entries) {
      if (left === 0) return;
      if (e.since > this.version) continue;
      left -= 1;
      yield [k, valueAt(e, this.version)];
    }
  }

  keys(): K[] {
    return [...this.entries()].map(([k]) => k);
  }

  values(): V[] {
    return [...this.entries()].map(([, v]) => v);
  }

  /** A printable form (test failures, logs). */
  toJSON(): Array<[K, V]> {
    return [...this.entries()];
  }
}

interface Entry<V> {
  /** The version that first held the key, and the value it set. */
  readonly since: number;
  readonly value: V;
  /** The values set since, each with its version, oldest first (null until there is one: most keys never change). */
  later: Array<{ readonly version: number; readonly value: V }> | null;
}

interface Shared<K, V> {
  readonly entries: Map<K, Entry<V>>;
  /** The key set by each version after the first: `changed[v]` made version v + 1. */
  readonly changed: K[];
}

function valueAt<V>(e: Entry<V>, version: number): V {
  if (e.later) for (let i = e.later.length - 1; i >= 0; i--) if (e.later[i].version <= version) return e.later[i].value;
  return e.value;
}

/** Values equal by identity, or plain records equal field by field (a trial evolve builds a new one each time). */
function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) || Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.is((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
