import { produce } from "@ndn/endpoint";
import { Forwarder, type FwFace } from "@ndn/fw";
import { Bridge } from "@ndn/l3face";
import { Data, Interest, Name } from "@ndn/packet";

import { Link } from "../network/mod.js";
import { NodeForwarder } from "../node/mod.js";
import { virtualTime } from "../sim/time-driver.js";
import { ConsumerFace } from "../streams/mod.js";
import { medianRound, round2, secondsSince } from "./measure.js";
import { inOwnProcess } from "./own-process.js";

export interface ChainOptions {
  hops: number;
  exchanges: number;
  /** Exchanges in flight. @defaultValue 16 (the fastest on our machine) */
  window?: number;
  /** Octets of each Data's content. @defaultValue 20 */
  contentSize?: number;
  /** Each node a plain @ndn/fw forwarder, or one inside our node layer. @defaultValue "plain" */
  nodes?: "plain" | "node-layer";
  /** Ask for every name twice, the second round after the first: the node layer answers it from its Content Store. */
  repeat?: boolean;
  /**
   * How the nodes are joined: `bridges`, NDNts bridges with no delay, in real time, every packet
   * encoded and decoded at each; `simulated`, the simulator's own links (5 ms, packet objects) in
   * virtual time: what forwarding costs inside a simulation. @defaultValue "bridges"
   */
  links?: "bridges" | "simulated";
}

/**
 * Forwarders in a chain of `hops` links, a consumer at one end (one long-lived face, as every
 * application of ours has) with `window` exchanges in flight, a producer at the other answering
 * with a ready unsigned Data. With plain @ndn/fw nodes this is the baseline of forwarding speed: no
 * signing, no verification, no node layer, what @ndn/fw alone costs.
 * @returns exchanges per wall second (of the second round, with `repeat`).
 */
export async function chainExchangesPerSecond(opts: ChainOptions): Promise<number> {
  using time = opts.links === "simulated" ? virtualTime(1) : undefined;
  const layers = Array.from({ length: opts.hops + 1 }, () => (opts.nodes === "node-layer" ? new NodeForwarder() : undefined));
  const fws = layers.map((l) => l?.fw ?? Forwarder.create());
  const addFace = (i: number, face: FwFace.RxTx) => layers[i]?.addNetworkFace(face) ?? fws[i]!.addFace(face);
  const joins: Disposable[] = fws.slice(1).map((fw, i) => {
    if (!time) {
      return Bridge.create({ fwA: fws[i]!, fwB: fw, routesAB: ["/p"], routesBA: [] });
    }
    const link = new Link(`n${i}`, `n${i + 1}`, { delayMs: 5 }, 1);
    addFace(i, link.faceA).addRoute(new Name("/p"));
    addFace(i + 1, link.faceB);
    return link;
  });
  const content = new Uint8Array(opts.contentSize ?? 20);
  const producer = produce("/p", async (interest) => new Data(interest.name, content, Data.FreshnessPeriod(60_000)), { fw: fws.at(-1)!, concurrency: 1024 });
  const consumer = new ConsumerFace(fws[0]!, "bench consumer");
  const round = async () => {
    let next = 0;
    const worker = async () => {
      while (next < opts.exchanges) {
        await consumer.express(new Interest(new Name("/p").append(`${next++}`)));
      }
    };
    const start = process.hrtime.bigint();
    let done = false;
    const all = Promise.all(Array.from({ length: opts.window ?? 16 }, worker)).finally(() => {
      done = true;
    });
    while (time && !done) {
      await time.advance(1000);
    }
    await all;
    return opts.exchanges / secondsSince(start);
  };
  let rate = await round();
  if (opts.repeat) {
    rate = await round();
  }
  consumer[Symbol.dispose]();
  producer.close();
  for (const j of joins) {
    j[Symbol.dispose]();
  }
  for (const [i, fw] of fws.entries()) {
    if (layers[i]) {
      layers[i].close();
    } else {
      fw.close();
    }
  }
  return rate;
}

/** Plain @ndn/fw over `hops` of the simulator's links, in virtual time: the baseline the simulation's speed is compared with. */
export function plainFwSimulatedExchangesPerSecond(opts: { hops: number; exchanges: number }): Promise<number> {
  return chainExchangesPerSecond({ ...opts, nodes: "plain", links: "simulated" });
}

/** Hops of the forwarding chains {@link benchForwarding} measures (forwarding-process.ts). */
export const FORWARDING_HOPS = 2;

/**
 * Exchanges through our node layer (Content Store and aggregation on, no hits) against plain
 * @ndn/fw forwarding the same exchanges, in the same rounds of this run; and the Content Store's
 * hit path against a miss.
 * Each measurement runs in a process of its own ({@link inOwnProcess}): in one process, each round
 * paid for the garbage of the one before, and this machine's speed differs by a tenth from one
 * process to the next, so the rounds alternate which goes first and the median round's ratio counts.
 */
export async function benchForwarding(exchanges: number, rounds: number): Promise<Record<string, number | number[]>> {
  const measure = async (config: "plain" | "node-layer" | "cs-hits", n = exchanges) =>
    (await inOwnProcess<{ exchangesPerSecond: number }>("forwarding-process.js", [config, `${n}`])).exchangesPerSecond;
  const measured: Array<{ plain: number; layer: number }> = [];
  for (let round = 0; round < rounds; ++round) {
    if (round % 2 === 0) {
      const plain = await measure("plain");
      measured.push({ plain, layer: await measure("node-layer") });
    } else {
      const layer = await measure("node-layer");
      measured.push({ layer, plain: await measure("plain") });
    }
  }
  const median = medianRound(measured, (r) => r.layer / r.plain);
  // As many names as the Content Store holds (10,000 by default), or the second round misses too.
  const hits = await measure("cs-hits", Math.min(exchanges, 10_000));
  return {
    hops: FORWARDING_HOPS,
    plainFwExchangesPerSecond: Math.round(median.plain),
    nodeLayerExchangesPerSecond: Math.round(median.layer),
    forwardVsPlainFw: round2(median.layer / median.plain),
    forwardVsPlainFwRounds: measured.map((r) => round2(r.layer / r.plain)),
    csHitExchangesPerSecond: Math.round(hits),
    csHitVsMiss: round2(hits / median.layer),
  };
}
