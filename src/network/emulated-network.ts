import { Forwarder, type FwFace } from "@ndn/fw";
import { Bridge } from "@ndn/l3face";
import type { Name } from "@ndn/packet";

import type { Topology } from "../topology/mod.js";

interface Adjacency {
  peer: string;
  /** Face on this node's forwarder toward the peer. */
  face: FwFace;
  delayMs: number;
}

/**
 * A topology brought to life in one process: an NDNts forwarder per node, and an NDNts bridge per
 * link relaying packets with the link's delay, jitter and loss. Routes for announced prefixes are
 * computed from the topology (shortest paths by delay), as ndnSIM's global routing does.
 *
 * Bandwidth and queues are not emulated yet (they come with the virtual-time simulator).
 */
export class EmulatedNetwork implements Disposable {
  private readonly forwarders = new Map<string, Forwarder>();
  private readonly adjacency = new Map<string, Adjacency[]>();
  private readonly bridges: Bridge[] = [];
  private readonly announced: Array<{ node: string; prefix: Name }> = [];

  constructor(readonly topology: Topology) {
    for (const name of topology.nodes.keys()) {
      this.forwarders.set(name, Forwarder.create());
      this.adjacency.set(name, []);
    }
    for (const link of topology.links) {
      const relay = { delay: link.delayMs, jitter: link.jitterMs, loss: link.loss };
      const bridge = Bridge.create({
        bridgeName: `${link.a}:${link.b}`,
        fwA: this.fw(link.a),
        fwB: this.fw(link.b),
        relayAB: relay,
        relayBA: relay,
        routesAB: [],
        routesBA: [],
      });
      this.bridges.push(bridge);
      this.adjacency.get(link.a)!.push({ peer: link.b, face: bridge.faceA, delayMs: link.delayMs });
      this.adjacency.get(link.b)!.push({ peer: link.a, face: bridge.faceB, delayMs: link.delayMs });
    }
  }

  /** The forwarder of a node. */
  fw(node: string): Forwarder {
    const fw = this.forwarders.get(node);
    if (!fw) {
      throw new Error(`no node ${node} in ${this.topology.source}`);
    }
    return fw;
  }

  /**
   * Announce that `node` serves `prefix`: every other node gets a route toward it along a
   * shortest path. Call {@link computeRoutes} once every prefix is announced.
   */
  announce(node: string, prefix: Name): void {
    this.fw(node);
    this.announced.push({ node, prefix });
  }

  /** Install routes for every announced prefix. */
  computeRoutes(): void {
    for (const { node, prefix } of this.announced) {
      for (const face of this.nextHopsToward(node).values()) {
        face.addRoute(prefix, false);
      }
    }
  }

  /** For every node that can reach `dest`: the face of its first hop on a shortest path (Dijkstra on delay). */
  private nextHopsToward(dest: string): Map<string, FwFace> {
    const dist = new Map<string, number>([[dest, 0]]);
    const hop = new Map<string, FwFace>();
    const done = new Set<string>();
    while (true) {
      let u: string | undefined;
      for (const [n, d] of dist) {
        if (!done.has(n) && (u === undefined || d < dist.get(u)! || (d === dist.get(u)! && n < u))) {
          u = n;
        }
      }
      if (u === undefined) {
        break;
      }
      done.add(u);
      for (const { peer, delayMs } of this.adjacency.get(u)!) {
        // One hop costs its delay plus a small constant, so equal delays prefer fewer hops.
        const d = dist.get(u)! + delayMs + 0.001;
        if (!done.has(peer) && d < (dist.get(peer) ?? Infinity)) {
          dist.set(peer, d);
          // The peer reaches dest through its face back toward u.
          hop.set(peer, this.adjacency.get(peer)!.find((a) => a.peer === u)!.face);
        }
      }
    }
    return hop;
  }

  [Symbol.dispose](): void {
    for (const b of this.bridges) {
      b[Symbol.dispose]();
    }
    for (const fw of this.forwarders.values()) {
      fw.close();
    }
  }
}
