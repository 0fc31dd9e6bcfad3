import { shortestPath, type Topology, type TopologyLink, type TopologyNode } from "../topology/mod.js";

/** The link whose congestion the experiment measures, oriented toward the hospital. */
export interface Bottleneck {
  /** The end nearer the homes. */
  from: string;
  /** The end nearer the hospital. */
  to: string;
}

/** How a run changes the topology it is given. */
export interface VariantOptions {
  /** Patients taking part: the first N of the topology, in file order. */
  patients: number;
  /** Consumers of every stream per monitoring hospital: its live monitor and `consumers − 1` stations. */
  consumers: number;
  bottleneck: Bottleneck;
  /** Bandwidth of the bottleneck, Mbit/s. */
  bottleneckBw: number;
}

/** Monitoring stations sit on the hospital's LAN: 1 ms away, and never the bottleneck. */
const STATION_LINK = { delayMs: 1, loss: 0, jitterMs: 0 } as const;

/** How many patients a topology's homes have. */
export function patientCount(topology: Topology): number {
  return [...topology.nodes.values()].reduce((n, node) => n + node.patients.length, 0);
}

/**
 * The bottleneck between homes and hospital: the link named (`a:b`, either order), or else the link
 * every home's shortest path to its hospital crosses, the one nearest the hospital.
 * @throws Error when the named link does not exist, or no link is shared by every home's path.
 */
export function findBottleneck(topology: Topology, named?: string): Bottleneck {
  const homes = [...topology.nodes.values()].filter((n) => n.role === "home" && n.patients.length > 0);
  if (homes.length === 0) {
    throw new Error(`${topology.source} has no home with patients: the experiment needs readings to carry`);
  }
  const paths = homes.map((h) => {
    const path = shortestPath(topology, h.name, h.hospital!);
    if (!path) {
      throw new Error(`${topology.source}: home ${h.name} cannot reach its hospital ${h.hospital}`);
    }
    return path;
  });
  const hops = (path: string[]) => path.slice(1).map((to, i) => `${path[i]}>${to}`);
  if (named !== undefined) {
    const [a, b, extra] = named.split(":");
    if (!a || !b || extra !== undefined) {
      throw new Error(`--bottleneck ${named}: expected a link as a:b`);
    }
    if (!topology.links.some((l) => (l.a === a && l.b === b) || (l.a === b && l.b === a))) {
      throw new Error(`--bottleneck ${named}: ${topology.source} has no link between ${a} and ${b}`);
    }
    // Oriented as readings cross it.
    const crossed = paths.flatMap(hops).find((h) => h === `${a}>${b}` || h === `${b}>${a}`);
    if (!crossed) {
      throw new Error(`--bottleneck ${named}: no home's path to its hospital crosses it`);
    }
    const [from, to] = crossed.split(">");
    return { from: from!, to: to! };
  }
  const shared = paths.slice(1).reduce((common, p) => {
    const mine = new Set(hops(p));
    return common.filter((h) => mine.has(h));
  }, hops(paths[0]!));
  const nearest = shared.at(-1);
  if (!nearest) {
    throw new Error(`${topology.source}: no link is on every home's path to its hospital; name the bottleneck with --bottleneck a:b`);
  }
  const [from, to] = nearest.split(">");
  return { from: from!, to: to! };
}

/**
 * The topology of one run: the first N patients (homes left without patients are removed with
 * their links), the bottleneck at the run's bandwidth, and `consumers − 1` monitoring stations
 * beside each hospital that runs the live monitor. The given topology is not changed.
 */
export function experimentTopology(base: Topology, v: VariantOptions): Topology {
  const total = patientCount(base);
  if (v.patients < 1 || v.patients > total) {
    throw new Error(`patients=${v.patients}: ${base.source} has ${total} patients (use 1 to ${total})`);
  }
  if (!Number.isInteger(v.consumers) || v.consumers < 1) {
    throw new Error(`consumers=${v.consumers}: at least 1 (the live monitor)`);
  }
  const nodes = new Map<string, TopologyNode>();
  let left = v.patients;
  for (const [name, node] of base.nodes) {
    if (node.role === "home") {
      const patients = node.patients.slice(0, left);
      left -= patients.length;
      if (patients.length === 0) {
        continue;
      }
      nodes.set(name, { ...node, patients });
    } else {
      nodes.set(name, node);
    }
  }
  const links: TopologyLink[] = base.links.filter((l) => nodes.has(l.a) && nodes.has(l.b)).map((l) =>
    isLink(l, v.bottleneck) ? { ...l, bandwidthMbps: v.bottleneckBw } : l);
  if (!links.some((l) => isLink(l, v.bottleneck))) {
    throw new Error(`${base.source}: the bottleneck ${v.bottleneck.from}:${v.bottleneck.to} does not join the remaining nodes`);
  }
  for (const h of [...nodes.values()].filter((n) => n.role === "hospital" && n.monitor)) {
    for (let i = 1; i < v.consumers; ++i) {
      const name = `${h.name}-station${i}`;
      if (nodes.has(name)) {
        throw new Error(`${base.source} already has a node ${name}: the experiment adds stations by that name`);
      }
      nodes.set(name, { name, role: "station", line: h.line, params: { role: "station", hospital: h.name }, hospital: h.name, patients: [], doctors: 0, monitor: false });
      links.push({ a: name, b: h.name, line: h.line, ...STATION_LINK });
    }
  }
  return { source: base.source, nodes, links };
}

function isLink(l: TopologyLink, b: Bottleneck): boolean {
  return (l.a === b.from && l.b === b.to) || (l.a === b.to && l.b === b.from);
}
