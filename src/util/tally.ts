/** Counts of events by kind (rejections by reason, say), with their total. */
export class Tally<K extends string> {
  private readonly counts = new Map<K, number>();
  private sum = 0;

  add(kind: K, n = 1): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + n);
    this.sum += n;
  }

  /** Add every count of another tally. */
  merge(other: Tally<K>): void {
    for (const [kind, n] of other.counts) {
      this.add(kind, n);
    }
  }

  get total(): number {
    return this.sum;
  }

  toJSON(): Partial<Record<K, number>> {
    return Object.fromEntries(this.counts) as Partial<Record<K, number>>;
  }
}
