/** A slot's value while it is empty: values are never negative. */
const EMPTY = -1;

/** Slots a table starts with; it doubles whenever it would be more than half full. */
const FIRST_BITS = 10;

/**
 * A hash table of 32-bit integer keys and non-negative 31-bit integer values (name hashes, slot
 * numbers), in two typed arrays: open addressing, linear probing, deletion by shifting back. The
 * node layer's tables hold tens of thousands of entries and change with every packet; a Map of them
 * took a few cache misses a lookup, and each of its regrowths, after it was cleared, left
 * megabytes of old-generation garbage behind. This one, once grown, allocates nothing.
 */
export class IntTable {
  private keys: Int32Array;
  private values: Int32Array;
  private bits: number;
  private count = 0;

  constructor() {
    this.bits = FIRST_BITS;
    this.keys = new Int32Array(1 << FIRST_BITS);
    this.values = new Int32Array(1 << FIRST_BITS).fill(EMPTY);
  }

  get size(): number {
    return this.count;
  }

  get(key: number): number | undefined {
    const mask = this.values.length - 1;
    for (let i = this.home(key); ; i = (i + 1) & mask) {
      const value = this.values[i]!;
      if (value === EMPTY) {
        return undefined;
      }
      if (this.keys[i] === key) {
        return value;
      }
    }
  }

  /** @param value - a non-negative 31-bit integer. */
  set(key: number, value: number): void {
    if (2 * (this.count + 1) > this.values.length) {
      this.grow();
    }
    const mask = this.values.length - 1;
    for (let i = this.home(key); ; i = (i + 1) & mask) {
      if (this.values[i] === EMPTY) {
        this.keys[i] = key;
        this.values[i] = value;
        ++this.count;
        return;
      }
      if (this.keys[i] === key) {
        this.values[i] = value;
        return;
      }
    }
  }

  /** @returns whether the key was there. */
  delete(key: number): boolean {
    const mask = this.values.length - 1;
    let hole = this.home(key);
    for (; this.keys[hole] !== key || this.values[hole] === EMPTY; hole = (hole + 1) & mask) {
      if (this.values[hole] === EMPTY) {
        return false;
      }
    }
    // Entries after the hole that probed past it move back into it, so that no probe stops early.
    for (let i = (hole + 1) & mask; this.values[i] !== EMPTY; i = (i + 1) & mask) {
      const home = this.home(this.keys[i]!);
      // Whether `home` lies cyclically in (hole, i]: if so, the entry stays where it is.
      if (hole < i ? home <= hole || home > i : home <= hole && home > i) {
        this.keys[hole] = this.keys[i]!;
        this.values[hole] = this.values[i]!;
        hole = i;
      }
    }
    this.values[hole] = EMPTY;
    --this.count;
    return true;
  }

  /** Forgets every entry, keeping the room it has grown to. */
  clear(): void {
    this.values.fill(EMPTY);
    this.count = 0;
  }

  /** Each entry's value, in no particular order. */
  *entryValues(): IterableIterator<number> {
    for (const value of this.values) {
      if (value !== EMPTY) {
        yield value;
      }
    }
  }

  /** Where a key's probe starts: Fibonacci hashing, since keys (nonces, hashes) may come in runs. */
  private home(key: number): number {
    return Math.imul(key, 0x9E3779B1) >>> (32 - this.bits);
  }

  private grow(): void {
    const [keys, values] = [this.keys, this.values];
    this.bits += 1;
    this.keys = new Int32Array(1 << this.bits);
    this.values = new Int32Array(1 << this.bits).fill(EMPTY);
    this.count = 0;
    for (let i = 0; i < values.length; ++i) {
      if (values[i] !== EMPTY) {
        this.set(keys[i]!, values[i]!);
      }
    }
  }
}
