import { produce, type Producer } from "@ndn/endpoint";
import { Forwarder, type FwFace } from "@ndn/fw";
import { Data, Interest, Name } from "@ndn/packet";

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
  /** Runs of each side: plain @ndn/fw, the node layer, and plain @ndn/fw holding the layer's octets. */
  pairs: number;
  /** Exchanges a run measures, after its warm-up. */
  exchanges: number;
}

/** What a forwarding process measures (forwarding-process.ts). */
export interface ForwardingRun {
  exchangesPerSecond: number;
  /** The node layer's, for names its Content Store holds. */
  hitExchangesPerSecond?: number;
  /** Octets the process's typed arrays held at the end (`process.memoryUsage().arrayBuffers`). */
  arrayBufferBytes?: number;
  /** Of them, octets it was told to hold. */
  heldBytes?: number;
}

/**
 * Exchanges through our node layer (Content Store and aggregation on, no hits) against plain
 * @ndn/fw forwarding the same exchanges, in the same run; the Content Store's hit path against a
 * miss; and what holding as many octets as the layer's Content Store and tables hold costs plain
 * @ndn/fw alone.
 *
 * Each run is a process of its own, alone on the machine, that forwards without a pause, as a
 * loaded forwarder does. Runs taking turns in two live processes (the ninth session's method) let
 * the idle one's garbage collector finish its work during the other's turn, on the second core: it
 * flattered the side with more of that work, the layer, by a sixth (BENCHMARKS.md). The sides
 * alternate (plain, layer; then layer, plain), and the machine's drift from one process to the next
 * is met by taking the median of `pairs` ratios, each of two adjacent runs. After each pair, plain
 * @ndn/fw runs again holding the octets the layer's process held beyond the plain one's; then both
 * sides run again over the simulator's links (faces joined by direct calls, past NDNts's face
 * pipeline, in virtual time), as in a simulation.
 */
export async function benchForwarding(opts: ForwardingBenchOptions): Promise<Record<string, number | number[]>> {
  const run = (nodes: "plain" | "node-layer", holdBytes = 0, links: "bridges" | "simulated" = "bridges") =>
    inOwnProcess<ForwardingRun>("forwarding-process.js", [nodes, `${opts.exchanges}`, `${holdBytes}`, links]);
  const pairs: Array<{ plain: number; layer: number; hits: number; holding: number; held: number; simulated: number }> = [];
  for (let p = 0; p < opts.pairs; ++p) {
    const [first, second] = p % 2 === 0 ? ["plain", "node-layer"] as const : ["node-layer", "plain"] as const;
    const [a, b] = [await run(first), await run(second)];
    const [plain, layer] = first === "plain" ? [a, b] : [b, a];
    const holding = await run("plain", Math.max(0, layer.arrayBufferBytes! - plain.arrayBufferBytes!));
    const [simA, simB] = [await run(first, 0, "simulated"), await run(second, 0, "simulated")];
    const [simPlain, simLayer] = first === "plain" ? [simA, simB] : [simB, simA];
    pairs.push({
      plain: plain.exchangesPerSecond, layer: layer.exchangesPerSecond, hits: layer.hitExchangesPerSecond!,
      holding: holding.exchangesPerSecond, held: holding.heldBytes!, simulated: simLayer.exchangesPerSecond / simPlain.exchangesPerSecond,
    });
  }
  const median = medianRound(pairs, (r) => r.layer / r.plain);
  const hits = medianRound(pairs, (r) => r.hits / r.layer);
  const holding = medianRound(pairs, (r) => r.holding / r.plain);
  const simulated = medianRound(pairs, (r) => r.simulated);
  return {
    hops: FORWARDING_HOPS,
    plainFwExchangesPerSecond: Math.round(median.plain),
    nodeLayerExchangesPerSecond: Math.round(median.layer),
    forwardVsPlainFw: round2(median.layer / median.plain),
    forwardVsPlainFwPairs: pairs.map((r) => round2(r.layer / r.plain)),
    csHitExchangesPerSecond: Math.round(hits.hits),
    csHitVsMiss: round2(hits.hits / hits.layer),
    layerHeldMiB: round2(holding.held / 2 ** 20),
    plainFwHoldingLayerOctetsVsPlainFw: round2(holding.holding / holding.plain),
    plainFwHoldingLayerOctetsPairs: pairs.map((r) => round2(r.holding / r.plain)),
    forwardVsPlainFwSimulatedLinks: round2(simulated.simulated),
    forwardVsPlainFwSimulatedLinksPairs: pairs.map((r) => round2(r.simulated)),
  };
}
