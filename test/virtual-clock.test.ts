import { expect, test } from "vitest";

import { VirtualClock } from "../src/sim/virtual-clock.js";

test("timers run in order of due time, instantly, and the clocks follow", async () => {
  using clock = new VirtualClock({ epoch: 1_000_000 }).install();
  const log: string[] = [];
  const wallStart = performance.timeOrigin;
  setTimeout(() => log.push(`b@${Date.now()}`), 2000);
  setTimeout(() => log.push(`a@${Date.now()}`), 1000);
  const iv = setInterval(() => log.push(`i@${performance.now()}`), 700);
  setTimeout(() => clearInterval(iv), 2500);
  const cancelled = setTimeout(() => log.push("never"), 1500);
  clearTimeout(cancelled);
  await clock.run(1_000_000 + 10_000);
  expect(log).toEqual(["i@700", "a@1001000", "i@1400", "b@1002000", "i@2100"]);
  expect(Date.now()).toBe(1_010_000);
  expect(clock.elapsed).toBe(10_000);
  expect(performance.timeOrigin).toBe(wallStart);
});

test("promise chains settle before time moves on", async () => {
  using clock = new VirtualClock().install();
  const seen: number[] = [];
  setTimeout(async () => {
    await Promise.resolve();
    await new Promise((r) => setTimeout(r, 0));
    seen.push(clock.elapsed);
    await new Promise((r) => setTimeout(r, 5));
    seen.push(clock.elapsed);
  }, 10);
  setTimeout(() => seen.push(-clock.elapsed), 12);
  await clock.advance(100);
  expect(seen).toEqual([10, -12, 15]);
});

test("each timer's microtasks and nextTicks settle before the next timer, even at the same instant", async () => {
  using clock = new VirtualClock().install();
  const log: string[] = [];
  for (let i = 0; i < 200; ++i) { // more timers than the clock fires per turn of the event loop
    setTimeout(async () => {
      await new Promise((r) => process.nextTick(r));
      await Promise.resolve();
      log.push(`${i} done`);
    }, 5);
    setTimeout(() => log.push(`${i} next`), 5);
  }
  await clock.advance(10);
  expect(log).toEqual(Array.from({ length: 200 }, (_, i) => [`${i} done`, `${i} next`]).flat());
});

test("a timer that throws ends the run with its error", async () => {
  using clock = new VirtualClock().install();
  let later = false;
  setTimeout(() => {
    throw new Error("boom");
  }, 5);
  setTimeout(() => later = true, 6);
  await expect(clock.advance(10)).rejects.toThrow("boom");
  expect(later).toBe(false);
  expect(clock.elapsed).toBe(5);
  await clock.advance(10); // the clock goes on from there
  expect(later).toBe(true);
  expect(clock.elapsed).toBe(15);
});

test("one run at a time, and never until NaN", async () => {
  using clock = new VirtualClock().install();
  setTimeout(() => undefined, 5);
  const first = clock.advance(10);
  await expect(clock.advance(10)).rejects.toThrow("already running");
  await first;
  await expect(clock.run(Number.NaN)).rejects.toThrow(RangeError);
  expect(clock.elapsed).toBe(10);
});

test("refresh moves a timer; Math.random is seeded; the real clocks come back", async () => {
  const draws: number[][] = [];
  for (let run = 0; run < 2; ++run) {
    using clock = new VirtualClock({ seed: 9 }).install();
    const fired: number[] = [];
    const t = setTimeout(() => fired.push(clock.elapsed), 100);
    setTimeout(() => t.refresh(), 80);
    await clock.advance(1000);
    expect(fired).toEqual([180]);
    draws.push([Math.random(), Math.random()]);
  }
  expect(draws[0]).toEqual(draws[1]);
  expect(Math.abs(Date.now() - new Date().getTime())).toBeLessThan(1000);
  await new Promise((r) => setTimeout(r, 1)); // real timers again
});

test("only one clock at a time", () => {
  using _a = new VirtualClock().install();
  expect(() => new VirtualClock().install()).toThrow(/another virtual clock/);
});

test("progress ticks come every simulated second", async () => {
  using clock = new VirtualClock({ epoch: 0 }).install();
  const ticks: number[] = [];
  setTimeout(() => undefined, 3500);
  await clock.run(5000, (now) => ticks.push(now));
  expect(ticks).toEqual([1000, 2000, 3000, 4000, 5000]);
});

test("SHA-256 through WebCrypto completes before time moves (signed Interests, implicit digests)", async () => {
  const { Data, Interest } = await import("@ndn/packet");
  using clock = new VirtualClock().install();
  let digest: Uint8Array | undefined;
  setTimeout(async () => {
    digest = await new Data("/x", Uint8Array.of(1)).computeImplicitDigest();
    const i = new Interest("/y", Uint8Array.of(2));
    await i.updateParamsDigest();
  }, 10);
  await clock.advance(10);
  expect(digest?.length).toBe(32);
  expect(Buffer.from(await crypto.subtle.digest("SHA-256", Uint8Array.of(1)))).toEqual(
    (await import("node:crypto")).createHash("sha256").update(Uint8Array.of(1)).digest());
});
