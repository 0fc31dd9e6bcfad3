/**
 * A Map of at most `limit` entries: past it, the oldest inserted is dropped (and handed to
 * `onDrop`). For what a replica remembers of blocks others sent, which a faulty peer could
 * otherwise grow without end.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly limit: number, private readonly onDrop?: (key: K, value: V) => void) {
    super();
  }

  override set(key: K, value: V): this {
    super.set(key, value);
    if (this.size > this.limit) {
      const [oldest, dropped] = this.entries().next().value!;
      this.delete(oldest);
      this.onDrop?.(oldest, dropped);
    }
    return this;
  }
}
