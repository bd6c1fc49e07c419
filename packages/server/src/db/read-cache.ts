// Results of reads kept in this process for as long as the control database's change stamp stays
// the same. The stamp moves with every write by any process, so a request never sees less than
// what was committed before it began; while nothing is written, repeated reads cost one tiny query.

const CAPACITY = 256;

export class ReadCache<V> {
  #stamp: string | undefined;
  readonly #entries = new Map<string, V>();

  constructor(private readonly changeStamp: () => Promise<string>) {}

  /**
   * `load()`'s value for `key`, kept from an earlier call when the database has not changed
   * since. Values are shared between callers: treat them as read-only.
   */
  async get(key: string, load: () => Promise<V>): Promise<V> {
    const stamp = await this.changeStamp();
    if (stamp !== this.#stamp) {
      this.#stamp = stamp;
      this.#entries.clear();
    }
    const kept = this.#entries.get(key);
    if (kept !== undefined) return kept;
    const value = await load();
    // Kept under the stamp read before loading (the value may be newer than it, never older),
    // and only while that is still the current one.
    if (this.#stamp === stamp) {
      if (this.#entries.size >= CAPACITY) this.#entries.clear();
      this.#entries.set(key, value);
    }
    return value;
  }
}
