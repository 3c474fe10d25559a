/**
 * An immutable map for what a state gathers event after event and seldom or never forgets (a session's recording
 * segments: thousands in a long exam). Adding to the newest version costs O(1). A plain object copied on each event
 * costs O(n) per event, O(n²) per replay, and V8 makes a hidden class for every new key: measured, folding a
 * four-hour session's 2,160 segments took seconds and one more segment ~10 ms.
 *
 * The versions of one map share a JS `Map` whose entries remember the order they came in; a version sees the first
 * `size` of them. Adding to a version that is not the newest (a decider's trial evolve, then the real one) reuses the
 * next entry when it is the same key and value, and copies otherwise, as does replacing a value.
 */
export class GrowingMap<K, V> {
  private constructor(
    private readonly shared: Map<K, { readonly at: number; readonly value: V }>,
    /** How many entries this version holds. */
    readonly size: number,
  ) {}

  static empty<K, V>(): GrowingMap<K, V> {
    return new GrowingMap(new Map(), 0);
  }

  static of<K, V>(entries: Iterable<readonly [K, V]>): GrowingMap<K, V> {
    let map = GrowingMap.empty<K, V>();
    for (const [k, v] of entries) map = map.with(k, v);
    return map;
  }

  get(key: K): V | undefined {
    const e = this.shared.get(key);
    return e && e.at < this.size ? e.value : undefined;
  }

  has(key: K): boolean {
    const e = this.shared.get(key);
    return e !== undefined && e.at < this.size;
  }

  /** This map with `key` set to `value` (itself when it already holds that). */
  with(key: K, value: V): GrowingMap<K, V> {
    const e = this.shared.get(key);
    if (e && e.at < this.size) {
      return sameValue(e.value, value) ? this : new GrowingMap(this.copy(key, value), this.size);
    }
    if (e && e.at === this.size && sameValue(e.value, value)) return new GrowingMap(this.shared, this.size + 1);
    if (this.shared.size === this.size) {
      this.shared.set(key, { at: this.size, value });
      return new GrowingMap(this.shared, this.size + 1);
    }
    return new GrowingMap(this.copy(key, value), this.size + 1);
  }

  /** Entries in the order they came in. */
  *entries(): IterableIterator<[K, V]> {
    let left = this.size;
    for (const [k, e] of this.shared) {
      if (left === 0) return;
      if (e.at < this.size) {
        left -= 1;
        yield [k, e.value];
      }
    }
  }

  keys(): K[] {
    return [...this.entries()].map(([k]) => k);
  }

  /** A printable form (test failures, logs). */
  toJSON(): Array<[K, V]> {
    return [...this.entries()];
  }

  /** This version's entries in a map of their own, with `key` set to `value`. */
  private copy(key: K, value: V): Map<K, { at: number; value: V }> {
    const own = new Map<K, { at: number; value: V }>();
    for (const [k, v] of this.entries()) own.set(k, { at: own.size, value: v });
    const e = own.get(key);
    own.set(key, { at: e ? e.at : own.size, value });
    return own;
  }
}

/** Values equal by identity, or plain records equal field by field (a trial evolve builds a new one each time). */
function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.is((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
