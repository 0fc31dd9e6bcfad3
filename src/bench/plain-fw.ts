import { produce, type Producer } from "@ndn/endpoint";
import { Forwarder, type FwFace } from "@ndn/fw";
import { Data, Interest, Name } from "@ndn/packet";

import type { LpFace } from "../faces/mod.js";
import { Link } from "../network/mod.js";
import { NodeForwarder, type NodeLayerOptions } from "../node/mod.js";
import { virtualTime } from "../sim/time-driver.js";
import { ConsumerFace } from "../streams/mod.js";
import { medianRound, round2, secondsSince } from "./measure.js";
import { inOwnProcess } from "./own-process.js";
import { WireBridge } from "./wire-bridge.js";

export interface ChainOptions {
  hops: number;
  /** Exchanges in flight. @defaultValue 16 (the fastest on our machine) */
  window?: number;
  /** Octets of each Data's content. @defaultValue 20 */
  contentSize?: number;
  /** Each node a plain @ndn/fw forwarder, or one inside our node layer. @defaultValue "plain" */
  nodes?: "plain" | "node-layer";
  /** The node layer's options, for `node-layer`. @defaultValue its defaults */
  layerOptions?: NodeLayerOptions;
  /**
   * How the nodes are joined: `bridges`, {@link WireBridge}s with no delay, in real time, every
   * packet encoded and decoded at each; `simulated`, the simulator's own links (5 ms, packet objects) in
   * virtual time: what forwarding costs inside a simulation. @defaultValue "bridges"
   */
  links?: "bridges" | "simulated";
  /**
   * The faces on each bridge's wires: NDNts's `L3Face`, or ours, `LpFace`, which ndn-iomt's nodes
   * put on their UDP and TCP links (a node layer joins it by direct calls). @defaultValue "l3face"
   */
  faces?: "l3face" | "lp-face";
}

/**
 * Forwarders in a chain of `hops` links, a consumer at one end (one long-lived face, as every
 * application of ours has) with `window` exchanges in flight, a producer at the other answering
 * with a ready unsigned Data. With plain @ndn/fw nodes this is the baseline of forwarding speed: no
 * signing, no verification, no node layer, what @ndn/fw alone costs. It stays up between runs, as
 * a network's nodes do: the node layer's tables fill, then keep as much as they hold.
 */
export class ForwardingChain implements Disposable {
  private readonly time?: ReturnType<typeof virtualTime>;
  private readonly layers: Array<NodeForwarder | undefined>;
  private readonly fws: Forwarder[];
  private readonly joins: Disposable[];
  private readonly producer: Producer;
  private readonly consumer: ConsumerFace;
  /** The number in the next new name. */
  private next = 0;

  constructor(private readonly opts: ChainOptions) {
    this.time = opts.links === "simulated" ? virtualTime(1) : undefined;
    const layers = this.layers = Array.from({ length: opts.hops + 1 }, () => (opts.nodes === "node-layer" ? new NodeForwarder(opts.layerOptions) : undefined));
    const fws = this.fws = layers.map((l) => l?.fw ?? Forwarder.create());
    const addFace = (i: number, face: FwFace.RxTx) => layers[i]?.addNetworkFace(face) ?? fws[i]!.addFace(face);
    this.joins = fws.slice(1).map((_, i) => {
      if (!this.time) {
        const bridge = new WireBridge((face) => addFace(i, face), (face) => addFace(i + 1, face), `n${i}-n${i + 1}`, opts.faces);
        bridge.faceA.addRoute(new Name("/p"));
        return bridge;
      }
      const link = new Link(`n${i}`, `n${i + 1}`, { delayMs: 5 }, 1);
      addFace(i, link.faceA).addRoute(new Name("/p"));
      addFace(i + 1, link.faceB);
      return link;
    });
    const content = new Uint8Array(opts.contentSize ?? 20);
    this.producer = produce("/p", async (interest) => new Data(interest.name, content, Data.FreshnessPeriod(60_000)), { fw: fws.at(-1)!, concurrency: 1024 });
    this.consumer = new ConsumerFace(fws[0]!, "bench consumer");
  }

  /**
   * Exchange `exchanges` names never asked for before, or, with `again`, the last `exchanges`
   * names asked for (which the node layer's Content Store holds, up to its capacity).
   * @returns the wall seconds they took.
   */
  async run(exchanges: number, again = false): Promise<number> {
    let next = again ? this.next - exchanges : this.next;
    const end = next + exchanges;
    const worker = async () => {
      while (next < end) {
        await this.consumer.express(new Interest(new Name("/p").append(`${next++}`)));
      }
    };
    const start = process.hrtime.bigint();
    let done = false;
    const all = Promise.all(Array.from({ length: this.opts.window ?? 16 }, worker)).finally(() => {
      done = true;
    });
    while (this.time && !done) {
      await this.time.advance(1000);
    }
    await all;
    this.next = Math.max(this.next, end);
    return secondsSince(start);
  }

  [Symbol.dispose](): void {
    this.consumer[Symbol.dispose]();
    this.producer.close();
    for (const j of this.joins) {
      j[Symbol.dispose]();
    }
    for (const [i, fw] of this.fws.entries()) {
      if (this.layers[i]) {
        this.layers[i].close();
      } else {
        fw.close();
      }
    }
    this.time?.[Symbol.dispose]();
  }
}

/** Exchanges per wall second through a new {@link ForwardingChain}. */
export async function chainExchangesPerSecond(opts: ChainOptions & { exchanges: number }): Promise<number> {
  using chain = new ForwardingChain(opts);
  return opts.exchanges / await chain.run(opts.exchanges);
}

/** Plain @ndn/fw over `hops` of the simulator's links, in virtual time: the baseline the simulation's speed is compared with. */
export function plainFwSimulatedExchangesPerSecond(opts: { hops: number; exchanges: number }): Promise<number> {
  return chainExchangesPerSecond({ ...opts, nodes: "plain", links: "simulated" });
}

/** Hops of the forwarding chains {@link benchForwarding} measures (forwarding-process.ts). */
export const FORWARDING_HOPS = 2;

export interface ForwardingBenchOptions {
  /** Runs of each side (below). */
  pairs: number;
  /** Exchanges a run measures, after its warm-up. */
  exchanges: number;
}

/** What a forwarding process measures (forwarding-process.ts). */
export interface ForwardingRun {
  exchangesPerSecond: number;
  /** The node layer's, for names its Content Store holds. */
  hitExchangesPerSecond?: number;
}

/**
 * Exchanges through our node layer (Content Store and aggregation on, no hits) against plain
 * @ndn/fw forwarding the same exchanges, in the same run, and the Content Store's hit path against
 * a miss.
 *
 * `forwardVsPlainFw` compares the two as each is run: an ndn-iomt node, the layer with our
 * {@link LpFace} on its links, against @ndn/fw with NDNts's L3Face on the same wires.
 * `forwardVsPlainFwSameFaces` puts the layer on L3Face too, and `forwardVsPlainFwBothOnLpFace`
 * plain @ndn/fw on LpFace (through its own face pipeline, where the layer joins it directly): what
 * the layer's functions cost. In all three the consumer's face joins the layer directly, as our
 * applications' faces do, and plain @ndn/fw through its pipeline. `forwardVsPlainFwSimulatedLinks`
 * runs both over the simulator's links, in virtual time, as in a simulation. Every run is measured
 * after a major garbage collection (forwarding-process.ts).
 *
 * Each run is a process of its own, alone on the machine, that forwards without a pause, as a
 * loaded forwarder does: runs taking turns in two live processes let the idle one's garbage
 * collector work during the other's turn and flattered the side with more of that work
 * (BENCHMARKS.md). The sides' order is reversed from one pair to the next, and the machine's drift
 * from one process to the next is met by taking the median of `pairs` ratios, each of runs made
 * one after the other; each ratio comes with the two rates of its median pair.
 */
export async function benchForwarding(opts: ForwardingBenchOptions): Promise<Record<string, number | number[]>> {
  const run = (nodes: "plain" | "node-layer", faces: "l3face" | "lp-face", links: "bridges" | "simulated" = "bridges") =>
    inOwnProcess<ForwardingRun>("forwarding-process.js", [nodes, `${opts.exchanges}`, faces, links], ["--expose-gc"]);
  const sides = {
    plain: () => run("plain", "l3face"),
    layer: () => run("node-layer", "lp-face"),
    layerOnL3Face: () => run("node-layer", "l3face"),
    plainOnLpFace: () => run("plain", "lp-face"),
    simulatedPlain: () => run("plain", "l3face", "simulated"),
    simulatedLayer: () => run("node-layer", "l3face", "simulated"),
  };
  type Side = keyof typeof sides;
  const pairs: Array<Record<Side, ForwardingRun>> = [];
  for (let p = 0; p < opts.pairs; ++p) {
    const order = Object.keys(sides) as Side[];
    if (p % 2 === 1) {
      order.reverse();
    }
    const runs: Partial<Record<Side, ForwardingRun>> = {};
    for (const side of order) {
      runs[side] = await sides[side]();
    }
    pairs.push(runs as Record<Side, ForwardingRun>);
  }
  const rate = (r: ForwardingRun) => r.exchangesPerSecond;
  /** The median pair's ratio of two sides' rates, its two rates, and every pair's ratio. */
  const ratio = (of: Side, to: Side) => {
    const median = medianRound(pairs, (r) => rate(r[of]) / rate(r[to]));
    return {
      ratio: round2(rate(median[of]) / rate(median[to])), of: Math.round(rate(median[of])), to: Math.round(rate(median[to])),
      pairs: pairs.map((r) => round2(rate(r[of]) / rate(r[to]))),
    };
  };
  const forward = ratio("layer", "plain");
  const sameFaces = ratio("layerOnL3Face", "plain");
  const bothOnLpFace = ratio("layer", "plainOnLpFace");
  const simulated = ratio("simulatedLayer", "simulatedPlain");
  const hits = medianRound(pairs, (r) => r.layer.hitExchangesPerSecond! / rate(r.layer));
  return {
    hops: FORWARDING_HOPS,
    forwardVsPlainFw: forward.ratio,
    nodeLayerExchangesPerSecond: forward.of,
    plainFwExchangesPerSecond: forward.to,
    forwardVsPlainFwPairs: forward.pairs,
    forwardVsPlainFwSameFaces: sameFaces.ratio,
    nodeLayerOnL3FaceExchangesPerSecond: sameFaces.of,
    sameFacesPlainFwExchangesPerSecond: sameFaces.to,
    forwardVsPlainFwSameFacesPairs: sameFaces.pairs,
    forwardVsPlainFwBothOnLpFace: bothOnLpFace.ratio,
    bothOnLpFaceNodeLayerExchangesPerSecond: bothOnLpFace.of,
    plainFwOnLpFaceExchangesPerSecond: bothOnLpFace.to,
    forwardVsPlainFwBothOnLpFacePairs: bothOnLpFace.pairs,
    csHitVsMiss: round2(hits.layer.hitExchangesPerSecond! / rate(hits.layer)),
    csHitExchangesPerSecond: Math.round(hits.layer.hitExchangesPerSecond!),
    csMissExchangesPerSecond: Math.round(rate(hits.layer)),
    forwardVsPlainFwSimulatedLinks: simulated.ratio,
    simulatedNodeLayerExchangesPerSecond: simulated.of,
    simulatedPlainFwExchangesPerSecond: simulated.to,
    forwardVsPlainFwSimulatedLinksPairs: simulated.pairs,
  };
}
