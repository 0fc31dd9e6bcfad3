import type { Topology } from "./topology.js";

/** Distances toward one destination, and each node's next hop on a shortest path to it. */
export interface PathsToward {
  /** Every node that can reach the destination: its distance, ms of propagation delay. */
  dist: ReadonlyMap<string, number>;
  /** Every node that can reach the destination but the destination itself: its neighbour on a shortest path. */
  next: ReadonlyMap<string, string>;
}

/**
 * Shortest paths by propagation delay toward `dest` (Dijkstra), as ndnSIM's global routing
 * computes them. Each hop costs its delay plus a microsecond, so equal delays prefer fewer hops;
 * remaining ties go to the node whose name sorts first, so routes never depend on map order.
 */
export function shortestPathsToward(topology: Topology, dest: string): PathsToward {
  const neighbours = new Map<string, Array<{ peer: string; delayMs: number }>>();
  for (const n of topology.nodes.keys()) {
    neighbours.set(n, []);
  }
  for (const l of topology.links) {
    neighbours.get(l.a)!.push({ peer: l.b, delayMs: l.delayMs });
    neighbours.get(l.b)!.push({ peer: l.a, delayMs: l.delayMs });
  }
  const dist = new Map<string, number>([[dest, 0]]);
  const next = new Map<string, string>();
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
    for (const { peer, delayMs } of neighbours.get(u) ?? []) {
      const d = dist.get(u)! + delayMs + 0.001;
      if (!done.has(peer) && d < (dist.get(peer) ?? Infinity)) {
        dist.set(peer, d);
        next.set(peer, u);
      }
    }
  }
  return { dist, next };
}

/** The nodes on a shortest path from `from` to `to`, both included; undefined if unreachable. */
export function shortestPath(topology: Topology, from: string, to: string): string[] | undefined {
  const { next } = shortestPathsToward(topology, to);
  if (from !== to && !next.has(from)) {
    return undefined;
  }
  const path = [from];
  for (let n = from; n !== to; n = next.get(n)!) {
    path.push(next.get(n)!);
  }
  return path;
}
