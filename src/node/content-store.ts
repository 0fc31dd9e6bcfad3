import type { Data, Interest } from "@ndn/packet";

interface Entry {
  data: Data;
  /** Until when the Data is fresh (MustBeFresh), ms since the epoch. */
  freshUntil: number;
}

/**
 * A Content Store: Data packets kept by name, least recently used evicted first, capacity in
 * packets. It honours CanBePrefix (any Data under the Interest's name) and MustBeFresh (Data
 * within its FreshnessPeriod of arriving).
 */
export class ContentStore {
  private readonly entries = new Map<string, Entry>();
  /**
   * Walks the entries oldest first, to evict. One iterator for good: a Map keeps deleted entries as
   * holes until it rehashes, and a new iterator from the start would step over all of them on every
   * eviction (13 µs an insert at 10,000 packets). A Map's iterator is live: it sees entries moved to
   * the end (by use) again when it gets there, so it still walks least recently used first.
   */
  private oldest?: Iterator<string>;
  public hits = 0;
  public misses = 0;

  constructor(public readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  insert(data: Data, now = Date.now()): void {
    if (this.capacity <= 0) {
      return;
    }
    const key = data.name.valueHex;
    this.entries.delete(key);
    this.entries.set(key, { data, freshUntil: now + data.freshnessPeriod });
    if (this.entries.size > this.capacity) {
      this.entries.delete(this.nextOldest());
    }
  }

  private nextOldest(): string {
    let next = this.oldest?.next();
    if (!next || next.done) {
      this.oldest = this.entries.keys();
      next = this.oldest.next();
    }
    return next.value as string;
  }

  /** The Data that satisfies `interest`, if stored; counts a hit or a miss. */
  lookup(interest: Interest, now = Date.now()): Data | undefined {
    const key = interest.canBePrefix ? this.keyUnder(interest, now) : interest.name.valueHex;
    const e = key === undefined ? undefined : this.entries.get(key);
    if (!e || (interest.mustBeFresh && now >= e.freshUntil)) {
      ++this.misses;
      return undefined;
    }
    ++this.hits;
    this.entries.delete(key!);
    this.entries.set(key!, e); // most recently used goes last
    return e.data;
  }

  /** CanBePrefix Interests are rare (certificates, latest-reading discovery): a scan is enough. */
  private keyUnder(interest: Interest, now: number): string | undefined {
    for (const [key, e] of this.entries) {
      if (interest.name.isPrefixOf(e.data.name) && (!interest.mustBeFresh || now < e.freshUntil)) {
        return key;
      }
    }
    return undefined;
  }
}
