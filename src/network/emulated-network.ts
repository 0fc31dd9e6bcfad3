import type { Forwarder, FwFace } from "@ndn/fw";
import type { Name } from "@ndn/packet";

import { type NodeLayerOptions, NodeForwarder } from "../node/mod.js";
import { shortestPathsToward, type Topology } from "../topology/mod.js";
import { Link } from "./link.js";

/** How a node forwards Interests for a prefix that several nodes announce. */
export type Strategy = "best-route" | "multicast";

interface Adjacency {
  peer: string;
  /** Face on this node's forwarder toward the peer. */
  face: FwFace;
}

/**
 * A topology brought to life in one process: a node (an NDNts forwarder inside our node layer) per
 * topology node, and an emulated link (bandwidth, queue, delay, jitter, loss, MTU) per topology
 * link. Routes for announced prefixes are computed from the topology (shortest paths by delay), as
 * ndnSIM's global routing does. It runs on the global timers: in real time, or in simulated time
 * under a virtual clock.
 */
export class EmulatedNetwork implements Disposable {
  readonly nodes = new Map<string, NodeForwarder>();
  private readonly adjacency = new Map<string, Adjacency[]>();
  /** Every link, in the order of the topology file. */
  readonly links: Link[] = [];
  private readonly announced: Array<{ node: string; prefix: Name; strategy: Strategy }> = [];

  /**
   * @param seed - seed of the links' loss and jitter.
   * @param nodeLayer - the node layer's functions at every node (the mode).
   */
  constructor(readonly topology: Topology, seed = 1, nodeLayer: NodeLayerOptions = {}) {
    for (const [i, name] of [...topology.nodes.keys()].entries()) {
      this.nodes.set(name, new NodeForwarder(nodeLayer, i));
      this.adjacency.set(name, []);
    }
    for (const l of topology.links) {
      const link = new Link(l.a, l.b, {
        delayMs: l.delayMs, jitterMs: l.jitterMs, loss: l.loss, bandwidthMbps: l.bandwidthMbps,
        maxQueueSize: l.maxQueueSize, markThreshold: l.markThreshold,
      }, seed);
      this.links.push(link);
      const faceA = this.node(l.a).addNetworkFace(link.faceA);
      const faceB = this.node(l.b).addNetworkFace(link.faceB);
      this.adjacency.get(l.a)!.push({ peer: l.b, face: faceA });
      this.adjacency.get(l.b)!.push({ peer: l.a, face: faceB });
    }
  }

  /** The link between two nodes. */
  link(a: string, b: string): Link {
    const link = this.links.find((l) => (l.a === a && l.b === b) || (l.a === b && l.b === a));
    if (!link) {
      throw new Error(`no link ${a}:${b} in ${this.topology.source}`);
    }
    return link;
  }

  /** The forwarder of a node, for its applications and faces. */
  fw(node: string): Forwarder {
    return this.node(node).fw;
  }

  private node(name: string): NodeForwarder {
    const n = this.nodes.get(name);
    if (!n) {
      throw new Error(`no node ${name} in ${this.topology.source}`);
    }
    return n;
  }

  /**
   * Announce that `node` serves `prefix`: every other node gets a route toward it along a
   * shortest path. Call {@link computeRoutes} once every prefix is announced.
   */
  announce(node: string, prefix: Name, strategy: Strategy = "best-route"): void {
    this.fw(node);
    this.announced.push({ node, prefix, strategy });
  }

  /**
   * Install routes for every announced prefix. A prefix announced at several nodes: with
   * best-route, each node routes toward the nearest announcer only; with multicast, toward every
   * announcer, and the forwarder sends an Interest to all of them (sync groups).
   */
  computeRoutes(): void {
    const byPrefix = new Map<string, Array<(typeof this.announced)[number]>>();
    for (const a of this.announced) {
      byPrefix.set(a.prefix.valueHex, [...(byPrefix.get(a.prefix.valueHex) ?? []), a]);
    }
    for (const announcers of byPrefix.values()) {
      const { prefix } = announcers[0]!;
      const multicast = announcers.some((a) => a.strategy === "multicast");
      const paths = announcers.map((a) => this.routesToward(a.node));
      for (const node of this.nodes.keys()) {
        const reachable = paths.filter((p) => p.hop.has(node));
        const chosen = multicast ? reachable : reachable.sort((x, y) => x.dist.get(node)! - y.dist.get(node)!).slice(0, 1);
        for (const p of chosen) {
          p.hop.get(node)!.addRoute(prefix, false);
        }
      }
    }
  }

  /** For every node that can reach `dest`: its distance, and its face toward the next hop of a shortest path. */
  private routesToward(dest: string): { dist: ReadonlyMap<string, number>; hop: Map<string, FwFace> } {
    const { dist, next } = shortestPathsToward(this.topology, dest);
    const hop = new Map<string, FwFace>();
    for (const [node, peer] of next) {
      hop.set(node, this.adjacency.get(node)!.find((a) => a.peer === peer)!.face);
    }
    return { dist, hop };
  }

  [Symbol.dispose](): void {
    for (const l of this.links) {
      l[Symbol.dispose]();
    }
    for (const n of this.nodes.values()) {
      n.close();
    }
  }
}
