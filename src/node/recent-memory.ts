import { IntTable } from "./int-table.js";

/**
 * Integer keys remembered for a while, each with a non-negative 31-bit value ({@link IntTable}), in
 * two generations dropped whole: a key set now is remembered for at least `ms` and at most twice
 * that. A forwarder remembers a nonce for every Interest it sees; a timestamp and a sweep per
 * entry cost more garbage and time than the loop guard is worth, and NFD's dead nonce list is
 * approximate in the same way.
 */
export class RecentMemory {
  private current = new IntTable();
  private previous = new IntTable();
  /** Set at first use, from the caller's clock (a simulation's may start at any time). */
  private rotateAt = -Infinity;

  constructor(private readonly ms: number) {}

  /** The value remembered for `key`, if it is still remembered at `now`. */
  get(key: number, now: number): number | undefined {
    this.age(now);
    return this.current.get(key) ?? this.previous.get(key);
  }

  set(key: number, value: number, now: number): void {
    this.age(now);
    this.current.set(key, value);
  }

  private age(now: number): void {
    if (now < this.rotateAt) {
      return;
    }
    this.previous.clear();
    if (now >= this.rotateAt + this.ms) {
      // A silence longer than both generations: neither holds anything still due.
      this.current.clear();
      this.rotateAt = now + this.ms;
      return;
    }
    // On a fixed schedule, so that no generation outlives two periods.
    [this.previous, this.current] = [this.current, this.previous];
    this.rotateAt += this.ms;
  }
}
