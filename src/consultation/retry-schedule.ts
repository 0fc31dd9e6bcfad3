/**
 * When to ask again for things not had yet, with exponential backoff: after the n-th ask in vain,
 * the next is due `baseMs * 2^(n-1)` later, never more than `maxMs`. Nothing is ever given up: a
 * peer unreachable for a while is asked again once it is back, at most `maxMs` later.
 */
export class RetrySchedule<T> {
  private readonly entries = new Map<string, { item: T; asks: number; dueAt: number }>();

  constructor(private readonly baseMs: number, private readonly maxMs: number) {}

  /** Schedule `item` if it is not yet: due one base interval from `now`. */
  track(key: string, item: T, now: number): void {
    if (!this.entries.has(key)) {
      this.entries.set(key, { item, asks: 0, dueAt: now + this.baseMs });
    }
  }

  /** `item` was asked for (and, unless forgotten, not had): the next ask waits twice as long as the last. */
  asked(key: string, item: T, now: number): void {
    const asks = this.asks(key) + 1;
    this.entries.set(key, { item, asks, dueAt: now + Math.min(this.baseMs * 2 ** (asks - 1), this.maxMs) });
  }

  /** How many times `key` was asked for so far. */
  asks(key: string): number {
    return this.entries.get(key)?.asks ?? 0;
  }

  forget(key: string): void {
    this.entries.delete(key);
  }

  /** Forget every key not in `keep`. */
  retain(keep: ReadonlySet<string>): void {
    for (const key of this.entries.keys()) {
      if (!keep.has(key)) {
        this.entries.delete(key);
      }
    }
  }

  /** The items due at `now`, oldest scheduled first. */
  due(now: number): T[] {
    return [...this.entries.values()].filter((e) => e.dueAt <= now).map((e) => e.item);
  }

  /** When the next item is due; Infinity with nothing scheduled. */
  nextDue(): number {
    let next = Infinity;
    for (const e of this.entries.values()) {
      next = Math.min(next, e.dueAt);
    }
    return next;
  }
}
