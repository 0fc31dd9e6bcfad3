import { consume, produce } from "@ndn/endpoint";
import { Forwarder } from "@ndn/fw";
import { SequenceNum } from "@ndn/naming-convention2";
import { Data, digestSigning, Interest, Name } from "@ndn/packet";
import { Decoder, Encoder } from "@ndn/tlv";
import { expect, test } from "vitest";

import { EmulatedNetwork, Link } from "../src/network/mod.js";
import { ContentStore, IntTable, nameHash, type NodeLayerOptions, NodeForwarder, RecentMemory } from "../src/node/mod.js";
import { AsyncQueue } from "../src/util/async-queue.js";
import { Random } from "../src/util/random.js";
import { MODES } from "../src/scenario/mod.js";
import { wireOf } from "../src/util/encode.js";
import { VirtualClock } from "../src/sim/virtual-clock.js";
import { ConsumerFace, StreamProducer } from "../src/streams/mod.js";
import { parseTopology } from "../src/topology/mod.js";

/** consumer — router — producer, in virtual time. */
function chain(routerOpts: NodeLayerOptions, producerFreshness = 60_000) {
  const consumer = new NodeForwarder(routerOpts);
  const router = new NodeForwarder(routerOpts);
  const producer = new NodeForwarder(routerOpts);
  const l1 = new Link("c", "r", { delayMs: 5 }, 1);
  const l2 = new Link("r", "p", { delayMs: 5 }, 1);
  consumer.fw.addFace(l1.faceA).addRoute("/p");
  router.fw.addFace(l1.faceB);
  router.fw.addFace(l2.faceA).addRoute("/p");
  producer.fw.addFace(l2.faceB);
  let served = 0;
  const p = produce("/p", async (i) => (++served, new Data(i.name, Data.FreshnessPeriod(producerFreshness), new Uint8Array(100))), {
    fw: producer.fw, concurrency: 100,
  });
  const get = (name: string, ...args: Interest.CtorArg[]) =>
    consume(new Interest(name, Interest.Lifetime(1000), ...args), { fw: consumer.fw, retx: 0 }).then(() => true, () => false);
  return { consumer, router, producer, l1, l2, get, served: () => served, close: () => (p.close(), l1[Symbol.dispose](), l2[Symbol.dispose]()) };
}

test("links and our applications' faces join a node layer by direct calls, a plain forwarder through its face pipeline", async () => {
  using clock = new VirtualClock({ epoch: 0 }).install();
  for (const layered of [true, false]) {
    const [a, b] = [0, 1].map(() => (layered ? new NodeForwarder().fw : Forwarder.create()));
    using link = new Link("a", "b", { delayMs: 5 }, 1);
    a!.addFace(link.faceA).addRoute("/s");
    b!.addFace(link.faceB);
    using producer = new StreamProducer({ fw: b!, prefix: new Name("/s") });
    using consumer = new ConsumerFace(a!);
    let piped = 0; // packets the link's ends queued for @ndn/fw's face pipeline to read
    for (const end of [link.faceA, link.faceB]) {
      const queue = end.rx as AsyncQueue<unknown>;
      const push = queue.push.bind(queue);
      queue.push = (pkt) => (++piped, push(pkt));
    }
    let events = 0; // @ndn/fw's packet events, which its Tracer and TapFace listen to: both ways
    for (const fw of [a!, b!]) {
      fw.addEventListener("pktrx", () => void ++events);
      fw.addEventListener("pkttx", () => void ++events);
    }
    const name = new Name("/s").append(SequenceNum, 0);
    const got = consumer.express(new Interest(name, Interest.Lifetime(1000)));
    setTimeout(() => producer.publish(0, new Data(name, new Uint8Array(10))), 50); // the Interest waits for it
    await clock.advance(200);
    expect((await got).name.equals(name)).toBe(true);
    expect(piped).toBe(layered ? 0 : 2); // Interest and Data, each from the link into a forwarder
    expect(events).toBe(8); // each forwarder: Interest and Data in, Interest and Data out
    a!.close();
    b!.close();
  }
});

test("a closed direct face sends nothing: a Data for an Interest that came in on it stays home", async () => {
  using clock = new VirtualClock({ epoch: 0 }).install();
  const [a, b] = [new NodeForwarder(), new NodeForwarder()];
  using link = new Link("a", "b", { delayMs: 5 }, 1);
  a.fw.addFace(link.faceA).addRoute("/s");
  const bFace = b.fw.addFace(link.faceB);
  using producer = new StreamProducer({ fw: b.fw, prefix: new Name("/s") });
  using consumer = new ConsumerFace(a.fw);
  const name = new Name("/s").append(SequenceNum, 0);
  const got = consumer.express(new Interest(name, Interest.Lifetime(500))).then(() => true, () => false);
  setTimeout(() => bFace.close(), 50); // the Interest waits at the producer
  setTimeout(() => producer.publish(0, new Data(name, new Uint8Array(10))), 100);
  await clock.advance(1000);
  expect(await got).toBe(false);
  expect(link.ba.counters.data).toBe(0);
  a.close();
  b.close();
});

test("the Content Store answers a repeated Interest at the first node that has the Data", async () => {
  using clock = new VirtualClock({ epoch: 0 }).install();
  const n = chain({});
  const results: boolean[] = [];
  setTimeout(async () => results.push(await n.get("/p/a")), 0);
  setTimeout(async () => results.push(await n.get("/p/a")), 100);
  await clock.advance(2000);
  expect(results).toEqual([true, true]);
  expect(n.served()).toBe(1);
  expect(n.consumer.counters.csHits).toBe(1); // the consumer's own node had it
  expect(n.l2.ab.counters.interests).toBe(1);
  n.close();
});

test("MustBeFresh skips stale Data; CanBePrefix finds Data under the name", async () => {
  using clock = new VirtualClock({ epoch: 0 }).install();
  const n = chain({}, 50);
  const results: boolean[] = [];
  setTimeout(async () => results.push(await n.get("/p/b")), 0);
  setTimeout(async () => results.push(await n.get("/p/b", Interest.MustBeFresh)), 200);
  setTimeout(async () => results.push(await n.get("/p", Interest.CanBePrefix)), 400);
  await clock.advance(2000);
  expect(results).toEqual([true, true, true]);
  expect(n.served()).toBe(2); // the stale copy was not used for MustBeFresh
  expect(n.consumer.counters.csHits).toBe(1); // /p with CanBePrefix found /p/b
  n.close();
});

test("equal Interests from two consumers are aggregated: one goes upstream, both get the Data", async () => {
  for (const aggregation of [true, false]) {
    using clock = new VirtualClock({ epoch: 0 }).install();
    const n = chain({ aggregation, csCapacity: 0 });
    const results: boolean[] = [];
    setTimeout(async () => results.push(await n.get("/p/c")), 0);
    setTimeout(async () => results.push(await n.get("/p/c")), 1);
    await clock.advance(2000);
    expect(results).toEqual([true, true]);
    expect(n.l1.ab.counters.interests).toBe(aggregation ? 1 : 2);
    expect(n.consumer.counters.aggregated).toBe(aggregation ? 1 : 0);
    n.close();
  }
});

test("an aggregated Interest nobody answers times out for its consumer, as the first one does", async () => {
  using clock = new VirtualClock({ epoch: 0 }).install();
  const n = chain({ csCapacity: 0 });
  const results: boolean[] = [];
  setTimeout(async () => results.push(await n.get("/nowhere/x")), 0); // no route: never answered
  setTimeout(async () => results.push(await n.get("/nowhere/x")), 1);
  await clock.advance(3000);
  expect(results).toEqual([false, false]);
  expect(n.consumer.counters.aggregated).toBe(1);
  n.close();
});

test.each([1, 6, 7])("a consumer's retransmission is not taken for a loop, nor held behind itself (retransmission jitter seed %i)", async (seed) => {
  using clock = new VirtualClock({ epoch: 0, seed }).install();
  const node = new NodeForwarder();
  let asked = 0;
  // The producer ignores the first Interest: only a retransmission, which NDNts sends as the same
  // Interest object, gets the Data.
  using _p = produce("/q", async (i) => ++asked === 1 ? undefined : new Data(i.name), { fw: node.fw });
  let got: string | undefined;
  setTimeout(() => void consume(new Interest("/q/1", Interest.Lifetime(300)), { fw: node.fw, retx: 2 }).then((d) => (got = d.name.toString()), (err: Error) => (got = err.message)), 0);
  await clock.advance(2000);
  expect(got).toBe("/8=q/8=1");
  expect(asked).toBe(2);
  expect(node.counters.loops).toBe(0);
  expect(node.counters.aggregated).toBe(0);
  node.close();
});

test("with caching off, nothing is cached", async () => {
  using clock = new VirtualClock({ epoch: 0 }).install();
  const n = chain({ csCapacity: 0 });
  const results: boolean[] = [];
  setTimeout(async () => results.push(await n.get("/p/d")), 0);
  setTimeout(async () => results.push(await n.get("/p/d")), 100);
  await clock.advance(2000);
  expect(results).toEqual([true, true]);
  expect(n.served()).toBe(2);
  n.close();
});

test("in a cycle with multicast routes, the nonce guard stops a looping Interest", async () => {
  for (const nonceGuard of [true, false]) {
    using clock = new VirtualClock({ epoch: 0 }).install();
    const nodes = [0, 1, 2].map(() => new NodeForwarder({ nonceGuard, csCapacity: 0, aggregation: false }));
    const links = [[0, 1], [1, 2], [2, 0]].map(([a, b]) => {
      const l = new Link(`n${a}`, `n${b}`, { delayMs: 1 }, 1);
      nodes[a!]!.addNetworkFace(l.faceA).addRoute(new Name("/nowhere"));
      nodes[b!]!.addNetworkFace(l.faceB).addRoute(new Name("/nowhere"));
      return l;
    });
    setTimeout(() => void consume(new Interest("/nowhere/x", Interest.Lifetime(50)), { fw: nodes[0]!.fw, retx: 0 }).catch(() => undefined), 0);
    await clock.advance(200);
    const interests = links.reduce((n, l) => n + l.ab.counters.interests + l.ba.counters.interests, 0);
    if (nonceGuard) {
      expect(interests).toBe(4); // n0 to n1 and n2; n1 and n2 to each other, where it dies
      expect(nodes.reduce((n, x) => n + x.counters.loops, 0)).toBeGreaterThan(0);
    } else {
      expect(interests).toBeGreaterThan(20); // it circles until its lifetime ends
    }
    for (const l of links) {
      l[Symbol.dispose]();
    }
  }
});

test("a retransmission that joins a pending Interest goes upstream with its own nonce, not taken for a loop", async () => {
  using clock = new VirtualClock({ epoch: 0 }).install();
  const nodes = [0, 1, 2].map(() => new NodeForwarder({ csCapacity: 0 }));
  const links = [0, 1].map((i) => {
    const l = new Link(`n${i}`, `n${i + 1}`, { delayMs: 5 }, 1);
    nodes[i]!.addNetworkFace(l.faceA).addRoute(new Name("/p"));
    nodes[i + 1]!.addNetworkFace(l.faceB);
    return l;
  });
  // The producer lets the first Interest go unanswered: its consumer retransmits.
  const nonces: number[] = [];
  const p = produce("/p", async (i) => (nonces.push(i.nonce!), nonces.length === 1 ? undefined : new Data(i.name)), { fw: nodes[2]!.fw });
  const ask = () => consume(new Interest("/p/x", Interest.Lifetime(1000)), { fw: nodes[0]!.fw, retx: 0 }).then(() => true, () => false);
  const first = ask();
  const again = new Promise((resolve) => setTimeout(() => resolve(ask()), 100));
  await clock.advance(2000);
  // NDNts's pending entry sends its first Interest again at each node: with the retransmission's nonce.
  expect(await again).toBe(true);
  expect(await first).toBe(true);
  expect(nonces).toHaveLength(2);
  expect(nodes.map((n) => n.counters.loops)).toEqual([0, 0, 0]);
  p.close();
  for (const l of links) {
    l[Symbol.dispose]();
  }
});

test("Content Store: least recently used goes first", () => {
  const cs = new ContentStore(2);
  const a = new Data("/a", Data.FreshnessPeriod(1000));
  cs.insert(a, 0);
  cs.insert(new Data("/b"), 0);
  expect(Encoder.encode(cs.lookup(new Interest("/a"), 1)!)).toEqual(Encoder.encode(a)); // /a is now the most recent
  cs.insert(new Data("/c"), 2);
  expect(cs.lookup(new Interest("/b"), 3)).toBeUndefined();
  expect(cs.lookup(new Interest("/a", Interest.MustBeFresh), 999)?.name.toString()).toBe("/8=a");
  expect(cs.lookup(new Interest("/a", Interest.MustBeFresh), 1000)).toBeUndefined();
  expect([cs.hits, cs.misses, cs.size]).toEqual([2, 2, 2]);
});

test("Content Store: CanBePrefix finds Data under the name at component boundaries only", () => {
  const cs = new ContentStore(10);
  cs.insert(new Data("/a/bc/1"), 0);
  expect(cs.lookup(new Interest("/a/b", Interest.CanBePrefix), 0)).toBeUndefined();
  expect(cs.lookup(new Interest("/a/bc", Interest.CanBePrefix), 0)?.name.toString()).toBe("/8=a/8=bc/8=1");
  expect(cs.lookup(new Interest("/a", Interest.CanBePrefix), 0)?.name.toString()).toBe("/8=a/8=bc/8=1");
  expect(cs.lookup(new Interest("/a/bc"), 0)).toBeUndefined(); // without CanBePrefix, the exact name only
});

test.each([4, 600])("Content Store: through many evictions and uses, it keeps exactly the most recently used, intact (capacity %i)", (capacity) => {
  const cs = new ContentStore(capacity);
  const model: string[] = []; // least recently used first
  const contents = new Map<string, Uint8Array>();
  const returned: Array<[Data, Uint8Array]> = [];
  const random = new Random(7);
  // Contents of 0 to 2,000 octets, so that the store's log is compacted and grown, and its ring laid out again.
  for (let step = 0; step < 10 * capacity + 2000; ++step) {
    const uri = `/n/${Math.floor(random.next() * 3 * capacity)}`;
    if (random.next() < 0.5) {
      const content = new Uint8Array(Math.floor(random.next() * 2000)).fill(step % 251);
      contents.set(uri, content);
      cs.insert(new Data(uri, content), 0);
    } else {
      const hit = cs.lookup(new Interest(uri), 0);
      expect(hit !== undefined).toBe(model.includes(uri));
      if (!hit) {
        continue;
      }
      expect(hit.name.toString()).toBe(new Name(uri).toString());
      expect(hit.content).toEqual(contents.get(uri));
      returned.push([hit, contents.get(uri)!]);
    }
    const at = model.indexOf(uri);
    if (at >= 0) {
      model.splice(at, 1);
    }
    model.push(uri);
    model.splice(0, Math.max(0, model.length - capacity));
    expect(cs.size).toBe(model.length);
  }
  for (const uri of model) {
    expect(cs.lookup(new Interest(uri), 0)?.content).toEqual(contents.get(uri));
  }
  // What the store handed out is the caller's: its log's compactions since then changed none of it.
  for (const [hit, content] of returned) {
    expect(hit.content).toEqual(content);
  }
});

test("routes: best-route reaches the nearest announcer of a prefix, multicast reaches every one", async () => {
  const topology = parseTopology("[nodes]\nc: _\nnear: _\nfar: _\n[links]\nc:near delay=2ms\nc:far delay=9ms\n", "t.conf");
  for (const strategy of ["best-route", "multicast"] as const) {
    using clock = new VirtualClock({ epoch: 0 }).install();
    using net = new EmulatedNetwork(topology, 1);
    const served: string[] = [];
    const producers = ["near", "far"].map((node) => {
      net.announce(node, new Name("/group"), strategy);
      return produce("/group", async (i) => (served.push(node), new Data(i.name)), { fw: net.fw(node) });
    });
    net.computeRoutes();
    setTimeout(() => void consume(new Interest("/group/x", Interest.Lifetime(100)), { fw: net.fw("c"), retx: 0 }).catch(() => undefined), 0);
    await clock.advance(200);
    expect(served.sort()).toEqual(strategy === "best-route" ? ["near"] : ["far", "near"]);
    for (const p of producers) {
      p.close();
    }
  }
});

test("unicast flows (modes ip and cloud): every request crosses every link, and each consumer gets the producer's own packet", async () => {
  const topology = parseTopology("[nodes]\nc1: _\nc2: _\nr: _\np: _\n[links]\nc1:r delay=5ms\nc2:r delay=5ms\nr:p delay=5ms\n");
  for (const [mode, copies] of [["ip", 2], ["ndn-nocache", 1]] as const) {
    using clock = new VirtualClock({ epoch: 0 }).install();
    using net = new EmulatedNetwork(topology, 1, MODES[mode]);
    net.announce("p", new Name("/p"));
    net.computeRoutes();
    const made = new Map<string, Uint8Array>();
    let served = 0;
    using _p = produce("/p", async (i) => {
      ++served;
      const data = new Data(i.name.length === 1 ? "/p/x" : i.name, Data.FreshnessPeriod(1000), new Uint8Array(50));
      await digestSigning.sign(data);
      made.set(data.name.toString(), Encoder.encode(data));
      return data;
    }, { fw: net.fw("p"), concurrency: 10 });
    const got: Array<Uint8Array | string> = [];
    const get = (node: string, ...args: Interest.CtorArg[]) => consume(new Interest(...args, Interest.Lifetime(1000)), { fw: net.fw(node), retx: 0 })
      .then((d) => got.push(Encoder.encode(d)), (err: Error) => got.push(err.message));
    setTimeout(() => void get("c1", "/p/x"), 0);
    setTimeout(() => void get("c2", "/p/x"), 1);
    setTimeout(() => void get("c1", "/p", Interest.CanBePrefix), 100);
    await clock.advance(1000);
    expect(got).toHaveLength(3);
    for (const g of got) {
      expect(g).toEqual(made.get("/8=p/8=x")); // byte for byte, signature and all
    }
    const fromProducer = net.link("r", "p").ba.counters;
    expect(fromProducer.data).toBe(copies + 1); // the CanBePrefix request is a third
    expect(served).toBe(copies + 1);
  }
});

test("recent memory keeps a key at least its period and at most twice that", () => {
  const memory = new RecentMemory(1000);
  memory.set(1, 11, 5000); // the first use starts the schedule: generations turn at 6000, 7000, …
  memory.set(2, 12, 5999);
  expect(memory.get(1, 5999)).toBe(11);
  expect(memory.get(1, 6999)).toBe(11); // the previous generation
  expect(memory.get(2, 6999)).toBe(12); // at least its period after it was set
  expect(memory.get(1, 7000)).toBeUndefined(); // at most twice its period
  expect(memory.get(2, 7000)).toBeUndefined();
  memory.set(3, 13, 7500);
  expect(memory.get(3, 8400)).toBe(13);
  // After a silence longer than both generations nothing is left, and the schedule starts again.
  expect(memory.get(3, 10_100)).toBeUndefined();
  memory.set(4, 14, 10_100);
  expect(memory.get(4, 12_099)).toBe(14);
  expect(memory.get(4, 12_100)).toBeUndefined();
});

test("int table: keys of any 32 bits, found after others of the same probe were deleted, and none after a clear", () => {
  const table = new IntTable();
  const random = new Random(11);
  const model = new Map<number, number>();
  const keys: number[] = [];
  // Enough keys to grow it several times, deletions among them, checked against a Map throughout.
  for (let i = 0; i < 20_000; ++i) {
    if (keys.length > 0 && random.next() < 0.3) {
      const at = Math.floor(random.next() * keys.length);
      const old = keys[at]!;
      [keys[at], keys[keys.length - 1]] = [keys.at(-1)!, old];
      keys.pop();
      expect(table.delete(old)).toBe(true);
      model.delete(old);
    }
    const key = Math.floor(random.uniform(0, 2 ** 32)) | 0;
    if (!model.has(key)) {
      keys.push(key);
    }
    table.set(key, i);
    model.set(key, i);
  }
  expect(table.size).toBe(model.size);
  for (const [key, value] of model) {
    expect(table.get(key)).toBe(value);
  }
  expect(table.get(123_456_789) ?? table.delete(123_456_789)).toBe(false);
  expect([...table.entryValues()].sort((a, b) => a - b)).toEqual([...model.values()].sort((a, b) => a - b));
  table.clear();
  expect([table.size, table.get(keys[0]!)]).toEqual([0, undefined]);
});

test("Content Store: two names of one hash are told apart by their octets; storing one drops the other", () => {
  // Found by hashing /c/0, /c/1, … until two agreed.
  const [a, b] = ["/c/617598", "/c/759787"];
  expect(nameHash(new Name(a))).toBe(nameHash(new Name(b)));
  const cs = new ContentStore(10);
  cs.insert(new Data(a, Uint8Array.of(1)), 0);
  expect(cs.lookup(new Interest(b), 0)).toBeUndefined();
  expect(cs.lookup(new Interest(a), 0)?.content).toEqual(Uint8Array.of(1));
  cs.insert(new Data(b, Uint8Array.of(2)), 0);
  expect(cs.lookup(new Interest(a), 0)).toBeUndefined();
  expect(cs.lookup(new Interest(b), 0)?.content).toEqual(Uint8Array.of(2));
  expect(cs.size).toBe(1);
});

test("wireOf takes a decoded or encoded Data's own wire without a copy, and has none for a Data never encoded", () => {
  const wire = Encoder.encode(new Data("/w/1", Uint8Array.of(1, 2, 3)));
  const decoded = new Decoder(wire).decode(Data);
  const taken = wireOf(decoded);
  expect(taken).toEqual(wire);
  expect(taken!.buffer).toBe(wire.buffer); // the fast path: if an NDNts upgrade ends it, this fails
  const made = new Data("/w/2", Uint8Array.of(4));
  expect(wireOf(made)).toBeUndefined();
  const sent = Encoder.encode(made); // as a face encodes it
  expect(wireOf(made)!.buffer).toBe(sent.buffer);
});

test("Content Store: a Data made on this node goes in at the next use of the store, with the wire its face made, or encoded then", () => {
  const cs = new ContentStore(10);
  const made = new Data("/m/1", Uint8Array.of(7), Data.FreshnessPeriod(1000));
  cs.insert(made, 0);
  const sent = Encoder.encode(made); // the face it goes out on encodes it
  const hit = cs.lookup(new Interest("/m/1", Interest.MustBeFresh), 500);
  expect(hit && Encoder.encode(hit)).toEqual(sent);
  // Never encoded by a face: the store encodes it itself, when next used.
  cs.insert(new Data("/m/2", Uint8Array.of(8)), 0);
  expect(cs.size).toBe(2);
  expect(cs.lookup(new Interest("/m/2"), 0)?.content).toEqual(Uint8Array.of(8));
  // One deferred, then another inserted: both kept.
  cs.insert(new Data("/m/3", Uint8Array.of(9)), 0);
  cs.insert(new Data("/m/4", Uint8Array.of(10)), 0);
  expect(cs.lookup(new Interest("/m/3"), 0)?.content).toEqual(Uint8Array.of(9));
  expect(cs.lookup(new Interest("/m/4"), 0)?.content).toEqual(Uint8Array.of(10));
});
