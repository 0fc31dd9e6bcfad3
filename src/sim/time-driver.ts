import { VirtualClock } from "./virtual-clock.js";

/** Moves a scenario through time: simulated (as fast as the CPU allows) or real. */
export interface TimeDriver extends Disposable {
  /** Let `ms` of scenario time pass, calling `onTick` every second of it. */
  advance(ms: number, onTick?: (elapsedMs: number) => void): Promise<void>;
  /** Scenario time elapsed, ms. */
  readonly elapsed: number;
}

/** Virtual time: installs a {@link VirtualClock} until disposed. */
export function virtualTime(seed: number, epoch?: number): TimeDriver & { clock: VirtualClock } {
  const clock = new VirtualClock({ seed, epoch }).install();
  return {
    clock,
    get elapsed() {
      return clock.elapsed;
    },
    advance: (ms, onTick) => clock.advance(ms, onTick && (() => onTick(clock.elapsed))),
    [Symbol.dispose]: () => clock[Symbol.dispose](),
  };
}

/** Real time: waits on the real timers. */
export function realTime(): TimeDriver {
  const start = Date.now();
  return {
    get elapsed() {
      return Date.now() - start;
    },
    async advance(ms, onTick) {
      const end = Date.now() + ms;
      for (let now = Date.now(); now < end; now = Date.now()) {
        await new Promise((r) => setTimeout(r, Math.min(1000, end - now)));
        onTick?.(Date.now() - start);
      }
    },
    [Symbol.dispose]: () => undefined,
  };
}
