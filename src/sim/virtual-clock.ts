import { createHash } from "node:crypto";

import { Random } from "../util/random.js";

/** What the clock replaces on `globalThis` while installed. */
const real = {
  setTimeout: globalThis.setTimeout,
  clearTimeout: globalThis.clearTimeout,
  setInterval: globalThis.setInterval,
  clearInterval: globalThis.clearInterval,
  setImmediate: globalThis.setImmediate,
  clearImmediate: globalThis.clearImmediate,
  dateNow: Date.now,
  performanceNow: performance.now.bind(performance),
  mathRandom: Math.random,
  subtleDigest: crypto.subtle.digest,
};

/** SHA-256 with node:crypto, resolved at once: NDNts hashes with WebCrypto, whose thread pool runs in real time. */
function syncDigest(this: unknown, algorithm: string | { name: string }, data: ArrayBufferView | ArrayBuffer): Promise<ArrayBuffer> {
  const name = typeof algorithm === "string" ? algorithm : algorithm.name;
  if (name.toUpperCase() !== "SHA-256") {
    return (real.subtleDigest as (a: unknown, d: unknown) => Promise<ArrayBuffer>).call(this, algorithm, data);
  }
  const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
  const digest = createHash("sha256").update(bytes).digest();
  return Promise.resolve(digest.buffer.slice(digest.byteOffset, digest.byteOffset + digest.byteLength));
}

/** A timer of the virtual clock; it offers the parts of Node's Timeout that libraries use. */
class VirtualTimer {
  /** Position in the order of events: (time, seq). */
  seq = 0;
  cancelled = false;
  private referenced = true;

  constructor(
    private readonly clock: VirtualClock,
    public readonly id: number,
    public due: number,
    /** The delay it was set with, which refresh() starts again. */
    public readonly delay: number,
    public readonly callback: (...args: unknown[]) => void,
    public readonly args: unknown[],
    /** Repeat period for intervals; undefined for one-shot timers. */
    public readonly period?: number,
  ) {}

  ref(): this {
    this.referenced = true;
    return this;
  }
  unref(): this {
    this.referenced = false;
    return this;
  }
  hasRef(): boolean {
    return this.referenced;
  }
  refresh(): this {
    this.clock.reschedule(this, this.delay);
    return this;
  }
  close(): this {
    this.cancelled = true;
    return this;
  }
  [Symbol.toPrimitive](): number {
    return this.id;
  }
}

export interface VirtualClockOptions {
  /** Wall-clock time (ms since the epoch) the simulation starts at. @defaultValue 2026-01-01T00:00:00Z */
  epoch?: number;
  /** Seed of Math.random while installed, so that libraries' random choices repeat too. @defaultValue 1 */
  seed?: number;
}

/**
 * A discrete-event clock for running real code in virtual time, as ns-3 runs NFD in ndnSIM.
 *
 * While installed, `setTimeout`, `setInterval`, `setImmediate` (and their `clear*`), `Date.now`,
 * `performance.now` and `Math.random` are the clock's, and WebCrypto's SHA-256 (which NDNts uses for
 * implicit and parameters digests) completes synchronously. {@link run} executes timers in order of due
 * time; after each one it lets every microtask and `process.nextTick` callback settle (one real
 * immediate), then jumps straight to the next due time: time does not pass while code runs, and no
 * time is spent waiting. Code that waits on real I/O (WebCrypto's thread pool, the disk) would see
 * virtual time race ahead of it: a simulation must sign with synchronous crypto and store in memory.
 */
export class VirtualClock implements Disposable {
  /** Current virtual time, ms since the epoch. */
  private time: number;
  private readonly start: number;
  private readonly timers = new Map<number, VirtualTimer>();
  private nextId = 1;
  private nextSeq = 0;
  private installed = false;
  private running = false;
  private readonly random: Random;

  constructor(opts: VirtualClockOptions = {}) {
    this.start = this.time = opts.epoch ?? Date.UTC(2026, 0, 1);
    this.random = new Random(opts.seed ?? 1);
  }

  /** Virtual time, ms since the epoch. */
  get now(): number {
    return this.time;
  }

  /** Virtual time elapsed since the clock was made, ms. */
  get elapsed(): number {
    return this.time - this.start;
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.timers.size;
  }

  /** Replace the global timers and clocks with this clock's. Only one clock may be installed at once. */
  install(): this {
    if (globalThis.setTimeout !== real.setTimeout) {
      throw new Error("another virtual clock is installed");
    }
    const g = globalThis as Record<string, unknown>;
    g.setTimeout = (cb: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => this.schedule(cb, ms, args);
    g.setInterval = (cb: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) =>
      this.schedule(cb, ms, args, Math.max(1, Number(ms) || 0));
    g.setImmediate = (cb: (...a: unknown[]) => void, ...args: unknown[]) => this.schedule(cb, 0, args);
    g.clearTimeout = g.clearInterval = g.clearImmediate = (t: unknown) => this.cancel(t);
    Date.now = () => this.time;
    performance.now = () => this.time - this.start;
    Math.random = () => this.random.next();
    crypto.subtle.digest = syncDigest as typeof crypto.subtle.digest;
    this.installed = true;
    return this;
  }

  /** Put the real timers and clocks back. */
  [Symbol.dispose](): void {
    if (!this.installed) {
      return;
    }
    Object.assign(globalThis, {
      setTimeout: real.setTimeout,
      clearTimeout: real.clearTimeout,
      setInterval: real.setInterval,
      clearInterval: real.clearInterval,
      setImmediate: real.setImmediate,
      clearImmediate: real.clearImmediate,
    });
    Date.now = real.dateNow;
    performance.now = real.performanceNow;
    Math.random = real.mathRandom;
    crypto.subtle.digest = real.subtleDigest;
    this.installed = false;
  }

  /**
   * Run timers in virtual time until `until` (ms since the epoch) or until none are left.
   * Afterwards the clock reads `until` (or the last event's time when the queue ran dry first).
   * @param onTick - called after every `tickMs` of virtual time (for progress bars).
   */
  async run(until: number, onTick?: (now: number) => void, tickMs = 1000): Promise<void> {
    if (Number.isNaN(until)) {
      throw new RangeError("the clock cannot run until NaN");
    }
    if (this.running) {
      throw new Error("the clock is already running: await one run before the next");
    }
    this.running = true;
    try {
      await this.fireUntil(until, onTick, tickMs);
    } finally {
      this.running = false;
    }
  }

  private async fireUntil(until: number, onTick: ((now: number) => void) | undefined, tickMs: number): Promise<void> {
    let nextTick = this.time + tickMs;
    const ticksUntil = (t: number) => {
      for (; onTick && nextTick <= t; nextTick += tickMs) {
        this.time = nextTick;
        onTick(nextTick);
      }
    };
    /** Fire the next timer due by `until`; false when there is none. */
    const fireNext = (): boolean => {
      const t = this.popDue(until);
      if (!t) {
        return false;
      }
      ticksUntil(t.due);
      this.time = t.due;
      if (t.period === undefined) {
        this.timers.delete(t.id);
      } else {
        this.reschedule(t, t.period);
      }
      t.callback(...t.args);
      return true;
    };
    await settle();
    await new Promise<void>((resolve, reject) => {
      let done = false;
      const runOne = () => {
        if (done) {
          return;
        }
        try {
          done = !fireNext();
        } catch (err: unknown) {
          done = true;
          reject(err);
          return;
        }
        if (done) {
          resolve();
        }
      };
      // Node drains microtasks and nextTicks between one immediate and the next, so each timer's
      // consequences settle before the next fires, as they would a macrotask apart; queuing a batch
      // at once spares a turn of the event loop per timer (about half the clock's cost per event).
      const queueBatch = () => {
        for (let i = 1; i < IMMEDIATES_PER_TURN; ++i) {
          real.setImmediate(runOne);
        }
        real.setImmediate(() => {
          runOne();
          if (!done) {
            queueBatch();
          }
        });
      };
      queueBatch();
    });
    if (Number.isFinite(until)) {
      ticksUntil(until);
      this.time = Math.max(this.time, until);
    }
  }

  /** Run for `ms` of virtual time from now. */
  advance(ms: number, onTick?: (now: number) => void): Promise<void> {
    return this.run(this.time + ms, onTick);
  }

  private schedule(callback: (...a: unknown[]) => void, ms: unknown, args: unknown[], period?: number): VirtualTimer {
    if (typeof callback !== "function") {
      throw new TypeError("timer callback is not a function");
    }
    const delay = Math.max(0, Number(ms) || 0);
    const t = new VirtualTimer(this, this.nextId++, this.time + delay, delay, callback, args, period);
    this.timers.set(t.id, t);
    this.push(t);
    return t;
  }

  /** Move a timer to `delay` from now (Timeout.refresh, or an interval's next round). */
  reschedule(t: VirtualTimer, delay: number): void {
    if (t.cancelled) {
      return;
    }
    // The old queue entry is left behind; it is skipped because its (due, seq) no longer matches.
    t.due = this.time + delay;
    this.timers.set(t.id, t);
    this.push(t);
  }

  private cancel(handle: unknown): void {
    const id = typeof handle === "number" ? handle : handle instanceof VirtualTimer ? handle.id : undefined;
    const t = id === undefined ? undefined : this.timers.get(id);
    if (t) {
      t.cancelled = true;
      this.timers.delete(t.id);
    }
  }

  // A binary heap of timers by (due, seq); an entry is stale when its timer was cancelled or moved.
  private readonly entries: Array<{ due: number; seq: number; timer: VirtualTimer }> = [];

  private push(timer: VirtualTimer): void {
    timer.seq = this.nextSeq++;
    const e = { due: timer.due, seq: timer.seq, timer };
    const h = this.entries;
    h.push(e);
    for (let i = h.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (!before(h[i]!, h[parent]!)) {
        break;
      }
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private popDue(until: number): VirtualTimer | undefined {
    const h = this.entries;
    while (h.length > 0) {
      const top = h[0]!;
      const live = !top.timer.cancelled && top.timer.seq === top.seq && top.timer.due === top.due;
      if (live && top.due > until) {
        return undefined;
      }
      const last = h.pop()!;
      if (h.length > 0) {
        h[0] = last;
        for (let i = 0; ;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < h.length && before(h[l]!, h[m]!)) {
            m = l;
          }
          if (r < h.length && before(h[r]!, h[m]!)) {
            m = r;
          }
          if (m === i) {
            break;
          }
          [h[i], h[m]] = [h[m]!, h[i]!];
          i = m;
        }
      }
      if (live) {
        return top.timer;
      }
    }
    return undefined;
  }
}

function before(a: { due: number; seq: number }, b: { due: number; seq: number }): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}

/** Timers fired per turn of the real event loop, one per immediate. */
const IMMEDIATES_PER_TURN = 64;

/** Let every pending microtask and nextTick callback run: one turn of the real event loop. */
function settle(): Promise<void> {
  return new Promise((resolve) => real.setImmediate(resolve));
}
