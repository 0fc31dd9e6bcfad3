import { consume, produce } from "@ndn/endpoint";
import { Forwarder } from "@ndn/fw";
import { Data, Interest } from "@ndn/packet";
import { expect, test } from "vitest";

import { Link, type LinkParams, wireSize } from "../src/network/mod.js";
import { VirtualClock } from "../src/sim/virtual-clock.js";

function pair(params: LinkParams) {
  const fwA = Forwarder.create();
  const fwB = Forwarder.create();
  const link = new Link("a", "b", params, 1);
  fwA.addFace(link.faceA).addRoute("/b");
  fwB.addFace(link.faceB);
  return { fwA, fwB, link };
}

test("delay and serialization, in virtual time", async () => {
  using clock = new VirtualClock({ epoch: 0 }).install();
  const { fwA, fwB, link } = pair({ delayMs: 10, bandwidthMbps: 1 });
  const content = new Uint8Array(1000);
  using _p = produce("/b", async (i) => new Data(i.name, content), { fw: fwB });
  let rtt = -1;
  setTimeout(async () => {
    const t0 = Date.now();
    await consume(new Interest("/b/x"), { fw: fwA });
    rtt = Date.now() - t0;
  }, 0);
  await clock.advance(1000);
  const { interestBytes, interests } = link.ab.counters;
  const { dataBytes, data } = link.ba.counters;
  expect([interests, data]).toEqual([1, 1]);
  // 8 bits per octet at 1 Mbit/s is 0.008 ms per octet; 10 ms each way.
  expect(rtt).toBeCloseTo(20 + (interestBytes + dataBytes) * 0.008, 6);
  link[Symbol.dispose]();
});

test("a full drop-tail queue drops, and waiting is counted", async () => {
  using clock = new VirtualClock({ epoch: 0 }).install();
  const { fwA, fwB, link } = pair({ delayMs: 1, bandwidthMbps: 0.1, maxQueueSize: 5 });
  using _p = produce("/b", async (i) => new Data(i.name), { fw: fwB, concurrency: 100 });
  setTimeout(() => {
    for (let i = 0; i < 20; ++i) {
      void consume(new Interest(`/b/${i}`, Interest.Lifetime(500)), { fw: fwA, retx: 0 }).catch(() => undefined);
    }
  }, 0);
  await clock.advance(2000);
  expect(link.ab.counters.drops).toBe(20 - 1 - 5);
  expect(link.ab.counters.interests).toBe(6);
  expect(link.ab.counters.maxQueueDelayMs).toBeGreaterThan(0);
  link[Symbol.dispose]();
});

test("packets joining a queue above the threshold carry a congestion mark to the next node", async () => {
  using clock = new VirtualClock({ epoch: 0 }).install();
  const { fwA, fwB, link } = pair({ delayMs: 1, bandwidthMbps: 0.1, maxQueueSize: 50, markThreshold: 3 });
  const marks: number[] = [];
  fwB.addEventListener("pktrx", (e) => {
    if (e.packet.l3 instanceof Interest) {
      marks.push(e.packet.congestionMark ?? 0);
    }
  });
  using _p = produce("/b", async (i) => new Data(i.name), { fw: fwB, concurrency: 100 });
  setTimeout(() => {
    for (let i = 0; i < 10; ++i) {
      void consume(new Interest(`/b/${i}`, Interest.Lifetime(2000)), { fw: fwA, retx: 0 }).catch(() => undefined);
    }
  }, 0);
  await clock.advance(3000);
  // The first goes on the wire at once; 3 wait unmarked; the next 6 join a queue of 3 or more.
  expect(link.ab.counters.marks).toBe(6);
  expect(marks.filter((m) => m > 0)).toHaveLength(6);
  link[Symbol.dispose]();
});

test("loss is seeded: the same seed loses the same packets", async () => {
  const lostPerRun: number[] = [];
  for (let run = 0; run < 2; ++run) {
    using clock = new VirtualClock({ epoch: 0 }).install();
    const { fwA, fwB, link } = pair({ delayMs: 2, loss: 0.3 });
    using _p = produce("/b", async (i) => new Data(i.name), { fw: fwB, concurrency: 100 });
    setTimeout(() => {
      for (let i = 0; i < 100; ++i) {
        void consume(new Interest(`/b/${i}`, Interest.Lifetime(100)), { fw: fwA, retx: 0 }).catch(() => undefined);
      }
    }, 0);
    await clock.advance(1000);
    lostPerRun.push(link.ab.counters.lost + 1000 * link.ba.counters.lost);
    expect(link.ab.counters.lost).toBeGreaterThan(15);
    link[Symbol.dispose]();
  }
  expect(lostPerRun[0]).toBe(lostPerRun[1]);
});

test("a packet above the MTU is accounted as its NDNLPv2 fragments, and arrives whole", async () => {
  using clock = new VirtualClock({ epoch: 0 }).install();
  const { fwA, fwB, link } = pair({ delayMs: 1, mtu: 1200 });
  using _p = produce("/b", async (i) => new Data(i.name, new Uint8Array(5000).fill(7)), { fw: fwB });
  let got: Data | undefined;
  setTimeout(async () => {
    got = await consume(new Interest("/b/big"), { fw: fwA });
  }, 0);
  await clock.advance(1000);
  expect(got?.content.length).toBe(5000);
  const size = wireSize(got!);
  const frames = Math.ceil(size / (1200 - 24));
  expect(link.ba.counters.packets).toBe(frames);
  expect(link.ba.counters.data).toBe(1); // one Data packet, in several frames
  expect(link.ba.counters.dataBytes).toBe(size + frames * 24);
  link[Symbol.dispose]();
});

test("a link taken down loses what is sent, and carries again once up", async () => {
  using clock = new VirtualClock({ epoch: 0 }).install();
  const { fwA, fwB, link } = pair({ delayMs: 1 });
  using _p = produce("/b", async (i) => new Data(i.name), { fw: fwB });
  link.setUp(false);
  const results: string[] = [];
  setTimeout(() => void consume(new Interest("/b/1", Interest.Lifetime(100)), { fw: fwA, retx: 0 }).then(() => results.push("1"), () => results.push("1 lost")), 0);
  setTimeout(() => link.setUp(true), 200);
  setTimeout(() => void consume(new Interest("/b/2"), { fw: fwA }).then(() => results.push("2")), 300);
  await clock.advance(1000);
  expect(results).toEqual(["1 lost", "2"]);
  expect(link.ab.counters.lost).toBe(1);
  link[Symbol.dispose]();
});
