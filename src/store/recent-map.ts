/**
 * A map that keeps its `capacity` most recently used entries: caches of stream heads and states, which are always
 * checked against the store before anything relies on them, so forgetting an entry only costs a read.
 */
export class RecentMap<K, V> {
  private readonly entries = new Map<K, V>();
  private readonly weights = new Map<K, number>();
  private total = 0;

  /**
   * Keeps entries while their weights add up to at most `capacity` (each weighs 1 unless `weigh` says otherwise: for
   * values whose size varies a lot, so the cache is bounded by what it holds rather than by how many).
   */
  constructor(private readonly capacity: number, private readonly weigh: (value: V) => number = () => 1) {}

  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      // Map keeps insertion order: re-inserting makes this the most recent.
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.delete(key);
    const weight = this.weigh(value);
    this.entries.set(key, value);
    this.weights.set(key, weight);
    this.total += weight;
    while (this.total > this.capacity && this.entries.size > 1) this.delete(this.entries.keys().next().value as K);
  }

  delete(key: K): void {
    if (!this.entries.delete(key)) return;
    this.total -= this.weights.get(key) ?? 0;
    this.weights.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
