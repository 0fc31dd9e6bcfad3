import { Forwarder } from "@ndn/fw";
import { Bridge } from "@ndn/l3face";
import { SequenceNum } from "@ndn/naming-convention2";
import { Data, Name } from "@ndn/packet";
import { expect, test } from "vitest";

import { ConsumerFace, StreamFollower, StreamProducer } from "../src/streams/mod.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function follow(opts: { loss: number; count: number; intervalMs: number; lifetimeMs: number; maxRetries?: number; bufferSize?: number }) {
  const fwA = Forwarder.create();
  const fwB = Forwarder.create();
  const relay = { delay: 2, loss: opts.loss };
  using _bridge = Bridge.create({ fwA, fwB, relayAB: relay, relayBA: relay, routesAB: ["/s"], routesBA: [] });
  const prefix = new Name("/s/tream");
  using producer = new StreamProducer({ fw: fwB, prefix, bufferSize: opts.bufferSize });
  const got = new Set<number>();
  const lost: number[] = [];
  using follower = new StreamFollower({ face: new ConsumerFace(fwA), prefix, window: 3, lifetimeMs: opts.lifetimeMs, maxRetries: opts.maxRetries,
    onData: (data, seq) => {
      expect(data.name.get(-1)!.equals(SequenceNum.create(seq))).toBe(true);
      got.add(seq);
    },
    onLost: (seq) => lost.push(seq),
  });
  for (let i = 0; i < opts.count; ++i) {
    producer.publish(i, new Data(prefix.append(SequenceNum, i)));
    await sleep(opts.intervalMs);
  }
  const deadline = Date.now() + 20 * opts.lifetimeMs;
  while (got.size + lost.length < opts.count && Date.now() < deadline) {
    await sleep(20);
  }
  return { got, lost, counters: { ...follower.counters } };
}

test("a follower receives every packet, one Interest each, without loss", async () => {
  const { got, lost, counters } = await follow({ loss: 0, count: 30, intervalMs: 10, lifetimeMs: 1000 });
  expect([...got].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  expect(lost).toEqual([]);
  expect(counters.interests).toBe(30 + 3); // plus the window waiting for what comes next
});

test("a follower recovers from 20% loss each way by retransmission", async () => {
  const { got, lost, counters } = await follow({ loss: 0.2, count: 40, intervalMs: 10, lifetimeMs: 150, maxRetries: 20 });
  expect(lost).toEqual([]);
  expect(got.size).toBe(40);
  expect(counters.interests).toBeGreaterThan(40 + 3);
});

test("a packet the producer no longer has is given up as lost after its retries", async () => {
  const fw = Forwarder.create();
  const prefix = new Name("/gone");
  using producer = new StreamProducer({ fw, prefix, bufferSize: 2 });
  for (let i = 0; i < 5; ++i) {
    producer.publish(i, new Data(prefix.append(SequenceNum, i))); // only 3 and 4 are kept
  }
  const got: number[] = [];
  const lost: number[] = [];
  using follower = new StreamFollower({ face: new ConsumerFace(fw), prefix, window: 5, lifetimeMs: 50, maxRetries: 1, onData: (_d, s) => got.push(s), onLost: (s) => lost.push(s) });
  const deadline = Date.now() + 3000;
  while (lost.length < 3 && Date.now() < deadline) {
    await sleep(20);
  }
  expect(got.sort()).toEqual([3, 4]);
  expect(lost.sort()).toEqual([0, 1, 2]);
  expect(follower.counters.lost).toBe(3);
  expect(producer.newestSeq).toBe(4);
});

test("a packet published out of order is served as soon as it is published", async () => {
  const fw = Forwarder.create();
  const prefix = new Name("/ooo");
  using producer = new StreamProducer({ fw, prefix });
  const got: number[] = [];
  using follower = new StreamFollower({ face: new ConsumerFace(fw), prefix, window: 3, lifetimeMs: 5000, onData: (_d, s) => got.push(s) });
  producer.publish(1, new Data(prefix.append(SequenceNum, 1)));
  await sleep(50);
  producer.publish(0, new Data(prefix.append(SequenceNum, 0)));
  await sleep(50);
  expect(got).toEqual([1, 0]); // seq 0 did not wait for its Interest to expire
  expect(follower.counters.interests).toBe(3 + 2);
});

test("the producer does not hold Interests far ahead of the stream", async () => {
  const fw = Forwarder.create();
  const prefix = new Name("/ahead");
  using producer = new StreamProducer({ fw, prefix, maxAhead: 2 });
  const got: number[] = [];
  using follower = new StreamFollower({ face: new ConsumerFace(fw), prefix, startSeq: 10, window: 1, lifetimeMs: 100, onData: (_d, s) => got.push(s) });
  await sleep(350);
  expect(follower.counters.interests).toBeGreaterThanOrEqual(3); // answered with nothing at once, asked again
  producer.publish(10, new Data(prefix.append(SequenceNum, 10)));
  await sleep(150);
  expect(got).toEqual([10]);
});
