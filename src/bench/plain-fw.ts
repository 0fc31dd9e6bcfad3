import { produce, type Producer } from "@ndn/endpoint";
import { Forwarder, type FwFace } from "@ndn/fw";
import { Data, Interest, Name } from "@ndn/packet";

import { Link } from "../network/mod.js";
import { NodeForwarder, type NodeLayerOptions } from "../node/mod.js";
import { virtualTime } from "../sim/time-driver.js";
import { ConsumerFace } from "../streams/mod.js";
import { medianRound, round2, secondsSince } from "./measure.js";
import { BenchProcess } from "./own-process.js";
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
        const bridge = new WireBridge((face) => addFace(i, face), (face) => addFace(i + 1, face), `n${i}-n${i + 1}`);
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
  /** Pairs of processes, one plain @ndn/fw chain and one node layer chain each. */
  pairs: number;
  /** Turns each process of a pair takes. */
  turns: number;
  /** Exchanges in a turn. */
  exchanges: number;
}

/**
 * Exchanges through our node layer (Content Store and aggregation on, no hits) against plain
 * @ndn/fw forwarding the same exchanges, in the same run; and the Content Store's hit path against
 * a miss.
 *
 * On this machine a process's speed differs from the next one's by a tenth or more, and its speed
 * drifts by as much within a second. So each pair of processes (a plain chain, a node layer chain;
 * which starts first alternates) takes turns, plain-layer-layer-plain, each turn new names through
 * the same long-lived chain: both sides meet the same drift, and each keeps its own heap. A pair's
 * ratio is of its total times; the figure is the median pair's. At the end of each pair, the
 * layer's process asks for its last turn's names again, all Content Store hits.
 */
export async function benchForwarding(opts: ForwardingBenchOptions): Promise<Record<string, number | number[]>> {
  const pairs: Array<{ plain: number; layer: number; hits: number }> = [];
  for (let p = 0; p < opts.pairs; ++p) {
    const start = (nodes: ChainOptions["nodes"]) => BenchProcess.start<ForwardingRequest, ForwardingResponse>("forwarding-process.js", [nodes!]);
    const [first, second] = p % 2 === 0 ? ["plain", "node-layer"] as const : ["node-layer", "plain"] as const;
    using a = await start(first);
    using b = await start(second);
    const [plain, layer] = first === "plain" ? [a, b] : [b, a];
    const seconds = { plain: 0, layer: 0 };
    const turn = async (side: "plain" | "layer") => {
      seconds[side] += (await (side === "plain" ? plain : layer).request({ exchanges: opts.exchanges })).seconds;
    };
    for (let t = 0; t < opts.turns; ++t) {
      const order = t % 2 === 0 ? ["plain", "layer"] as const : ["layer", "plain"] as const;
      await turn(order[0]);
      await turn(order[1]);
    }
    const hitSeconds = (await layer.request({ exchanges: opts.exchanges, again: true })).seconds;
    const rate = (s: number) => (opts.exchanges * opts.turns) / s;
    pairs.push({ plain: rate(seconds.plain), layer: rate(seconds.layer), hits: opts.exchanges / hitSeconds });
  }
  const median = medianRound(pairs, (r) => r.layer / r.plain);
  const hits = medianRound(pairs, (r) => r.hits / r.layer);
  return {
    hops: FORWARDING_HOPS,
    plainFwExchangesPerSecond: Math.round(median.plain),
    nodeLayerExchangesPerSecond: Math.round(median.layer),
    forwardVsPlainFw: round2(median.layer / median.plain),
    forwardVsPlainFwPairs: pairs.map((r) => round2(r.layer / r.plain)),
    csHitExchangesPerSecond: Math.round(hits.hits),
    csHitVsMiss: round2(hits.hits / hits.layer),
  };
}

/** What a forwarding process is asked ({@link ForwardingChain.run}) and answers. */
export interface ForwardingRequest {
  exchanges: number;
  again?: boolean;
}
export interface ForwardingResponse {
  seconds: number;
}
