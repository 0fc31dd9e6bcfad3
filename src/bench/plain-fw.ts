import { consume, produce } from "@ndn/endpoint";
import { Forwarder } from "@ndn/fw";
import { Bridge } from "@ndn/l3face";
import { Data, Interest, Name } from "@ndn/packet";

import { NodeForwarder } from "../node/mod.js";
import { round2, secondsSince } from "./measure.js";

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
}

/**
 * Forwarders in a chain of `hops` links (NDNts bridges, no delay), a consumer at one end with
 * `window` exchanges in flight, a producer at the other answering with a ready unsigned Data. With
 * plain @ndn/fw nodes this is the baseline of forwarding speed: no signing, no verification, no
 * node layer, what @ndn/fw alone costs.
 * @returns exchanges per second (of the second round, with `repeat`).
 */
export async function chainExchangesPerSecond(opts: ChainOptions): Promise<number> {
  const layers = Array.from({ length: opts.hops + 1 }, () => (opts.nodes === "node-layer" ? new NodeForwarder() : undefined));
  const fws = layers.map((l) => l?.fw ?? Forwarder.create());
  const bridges = fws.slice(1).map((fw, i) => Bridge.create({ fwA: fws[i]!, fwB: fw, routesAB: ["/p"], routesBA: [] }));
  const content = new Uint8Array(opts.contentSize ?? 20);
  const producer = produce("/p", async (interest) => new Data(interest.name, content, Data.FreshnessPeriod(60_000)), { fw: fws.at(-1)!, concurrency: 1024 });
  const round = async () => {
    let next = 0;
    const worker = async () => {
      while (next < opts.exchanges) {
        await consume(new Interest(new Name("/p").append(`${next++}`)), { fw: fws[0]! });
      }
    };
    const start = process.hrtime.bigint();
    await Promise.all(Array.from({ length: opts.window ?? 16 }, worker));
    return opts.exchanges / secondsSince(start);
  };
  let rate = await round();
  if (opts.repeat) {
    rate = await round();
  }
  producer.close();
  for (const b of bridges) {
    b[Symbol.dispose]();
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

/** Plain @ndn/fw over `hops` hops: the baseline the simulation's speed is compared with. */
export function plainFwExchangesPerSecond(opts: { hops: number; exchanges: number }): Promise<number> {
  return chainExchangesPerSecond({ ...opts, nodes: "plain" });
}

/**
 * Exchanges through our node layer (Content Store and aggregation on, no hits) against plain
 * @ndn/fw forwarding the same exchanges, same run; and the Content Store's hit path against a miss.
 */
export async function benchForwarding(exchanges: number): Promise<Record<string, number>> {
  const hops = 2;
  // Each measured twice, alternating, keeping the better: a run here varies by a tenth or more.
  let [plain, layer] = [0, 0];
  for (let round = 0; round < 2; ++round) {
    plain = Math.max(plain, await chainExchangesPerSecond({ hops, exchanges, nodes: "plain" }));
    layer = Math.max(layer, await chainExchangesPerSecond({ hops, exchanges, nodes: "node-layer" }));
  }
  // As many names as the Content Store holds (10,000 by default), or the second round misses too.
  const hits = await chainExchangesPerSecond({ hops, exchanges: Math.min(exchanges, 10_000), nodes: "node-layer", repeat: true });
  return {
    plainFwExchangesPerSecond: Math.round(plain),
    nodeLayerExchangesPerSecond: Math.round(layer),
    forwardVsPlainFw: round2(layer / plain),
    csHitExchangesPerSecond: Math.round(hits),
    csHitVsMiss: round2(hits / layer),
  };
}
