import { readFile } from "node:fs/promises";

import { isIdentifier, isStreamId, STREAM_IDS, type StreamId } from "../naming/mod.js";
import type { Episode } from "../sensors/mod.js";
import { parseDuration } from "../util/duration.js";
import { isNdnSimTopology, parseNdnSimTopology } from "./ndnsim-import.js";
import {
  type Forgery, type NodeRole, type PatientSpec, type Topology, TopologyError, type TopologyLink, type TopologyNode,
} from "./topology.js";

const ROLES: readonly NodeRole[] = ["home", "router", "hospital", "cloud", "station"];

/** Node parameters each role understands; anything else is reported, so typos are not ignored. */
const NODE_PARAMS: Record<NodeRole, readonly string[]> = {
  home: ["role", "hospital", "patients", "sensors", "rate", "deteriorate", "fall", "forge"],
  router: ["role"],
  hospital: ["role", "doctors", "monitor"],
  cloud: ["role"],
  station: ["role", "hospital"],
};
const LINK_PARAMS = ["delay", "bw", "loss", "jitter", "max_queue_size", "mark_threshold"];

/**
 * Read a topology file: the Mini-NDN format extended with roles (docs/topology.md), or ndnSIM's
 * annotated format (recognised by its `router` section).
 */
export async function readTopologyFile(path: string): Promise<Topology> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err: unknown) {
    throw new Error(`cannot read topology ${path}: ${(err as Error).message}`);
  }
  return isNdnSimTopology(text) ? parseNdnSimTopology(text, path) : parseTopology(text, path);
}

/**
 * Parse the Mini-NDN topology format:
 * ```
 * [nodes]
 * home1: _ role=home hospital=hosp patients=alice rate=1 deteriorate=5s+15s
 * hosp: _ role=hospital doctors=2
 * [links]
 * home1:hosp delay=10ms bw=10 loss=0.5
 * ```
 * Every error names the file and line.
 */
export function parseTopology(text: string, source = "<topology>"): Topology {
  const nodes = new Map<string, TopologyNode>();
  const links: TopologyLink[] = [];
  const linkKeys = new Set<string>();
  let section: "nodes" | "links" | "switches" | undefined;

  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; ++i) {
    const lineNo = i + 1;
    const fail = (msg: string): never => {
      throw new TopologyError(source, lineNo, msg);
    };
    const line = lines[i]!.replace(/#.*$/, "").trim();
    if (line === "") {
      continue;
    }
    const header = /^\[(.*)\]$/.exec(line);
    if (header) {
      const name = header[1]!.trim();
      if (name !== "nodes" && name !== "links" && name !== "switches") {
        fail(`unknown section [${name}] (expected [nodes], [links] or [switches])`);
      }
      section = name as typeof section;
      continue;
    }
    switch (section) {
      case undefined:
        fail("a line outside any section: start with [nodes]");
        break;
      case "switches": // a Mini-NDN switch relays packets: it joins the network as a plain router
      case "nodes": {
        const m = /^([^\s:]+)\s*:\s*(.*)$/.exec(line);
        if (!m) {
          fail(`expected "name: _ key=value ...", got ${JSON.stringify(line)}`);
        }
        const name = m![1]!;
        if (!isIdentifier(name)) {
          fail(`invalid node name ${JSON.stringify(name)}: use letters, digits, '.', '_', '~', '-' (not a namespace keyword)`);
        }
        if (nodes.has(name)) {
          fail(`node ${name} is already defined on line ${nodes.get(name)!.line}`);
        }
        nodes.set(name, parseNode(name, lineNo, parseParams(m![2]!, fail, true), fail));
        break;
      }
      case "links": {
        const m = /^([^\s:]+):([^\s:]+)\s*(.*)$/.exec(line);
        if (!m) {
          fail(`expected "a:b key=value ...", got ${JSON.stringify(line)}`);
        }
        const [a, b] = [m![1]!, m![2]!];
        for (const n of [a, b]) {
          if (!nodes.has(n)) {
            fail(`link to unknown node ${n} (nodes must be listed in [nodes] first)`);
          }
        }
        if (a === b) {
          fail(`link from ${a} to itself`);
        }
        const key = [a, b].sort().join(":");
        if (linkKeys.has(key)) {
          fail(`duplicate link ${a}:${b}`);
        }
        linkKeys.add(key);
        links.push(parseLink(a, b, lineNo, parseParams(m![3]!, fail, false), fail));
        break;
      }
    }
  }
  if (nodes.size === 0) {
    throw new TopologyError(source, lines.length, "no nodes: a topology needs a [nodes] section");
  }
  const topology = { source, nodes, links };
  resolveHospitals(topology);
  return topology;
}

function parseParams(text: string, fail: (msg: string) => never, placeholder: boolean): Record<string, string> {
  const params: Record<string, string> = {};
  const tokens = text.split(/\s+/).filter(Boolean);
  for (const [i, tok] of tokens.entries()) {
    if (placeholder && i === 0 && tok === "_") {
      continue; // Mini-NDN's placeholder for per-node application config
    }
    const eq = tok.indexOf("=");
    if (eq <= 0) {
      fail(`expected key=value, got ${JSON.stringify(tok)}`);
    }
    const key = tok.slice(0, eq);
    if (key in params) {
      fail(`${key} is given twice`);
    }
    params[key] = tok.slice(eq + 1);
  }
  return params;
}

function parseNode(name: string, line: number, params: Record<string, string>, fail: (msg: string) => never): TopologyNode {
  const role = (params.role ?? "router") as NodeRole;
  if (!ROLES.includes(role)) {
    fail(`unknown role ${JSON.stringify(params.role)} (expected ${ROLES.join(", ")})`);
  }
  // A node without a role is a plain Mini-NDN node: its own parameters (radius, angle, network...)
  // are Mini-NDN's and are kept but not interpreted. A node with a role takes only that role's.
  for (const key of params.role === undefined ? [] : Object.keys(params)) {
    if (!NODE_PARAMS[role].includes(key)) {
      fail(`a ${role} node has no parameter ${key} (it takes ${NODE_PARAMS[role].join(", ")})`);
    }
  }
  const node: TopologyNode = { name, role, line, params, patients: [], doctors: 0, monitor: false };
  if (role === "hospital") {
    node.doctors = intParam(params, "doctors", 2, fail);
    node.monitor = boolParam(params, "monitor", true, fail);
  }
  if (role === "home" || role === "station") {
    node.hospital = params.hospital;
  }
  if (role === "home") {
    node.patients = parsePatients(name, params, fail);
  }
  return node;
}

function parsePatients(home: string, params: Record<string, string>, fail: (msg: string) => never): PatientSpec[] {
  const pids = (params.patients ?? home).split(",").filter(Boolean);
  for (const pid of pids) {
    if (!isIdentifier(pid)) {
      fail(`invalid patient id ${JSON.stringify(pid)}`);
    }
  }
  let streams: StreamId[] = [...STREAM_IDS];
  if (params.sensors !== undefined && params.sensors !== "all") {
    streams = params.sensors.split(",").map((s) => {
      if (!isStreamId(s)) {
        fail(`unknown sensor stream ${JSON.stringify(s)} (expected ${STREAM_IDS.join(", ")}, or all)`);
      }
      return s as StreamId;
    });
  }
  const rateHz = params.rate === undefined ? 1 : Number(params.rate);
  if (!(rateHz > 0 && rateHz <= 1000)) {
    fail(`rate=${params.rate}: the vitals' sampling rate is a number of Hz, above 0 and at most 1000`);
  }
  const episodes: Episode[] = [];
  const duration = (text: string, what: string) => {
    try {
      return parseDuration(text, "s");
    } catch (err: unknown) {
      return fail(`${what}: ${(err as Error).message}`);
    }
  };
  for (const spec of (params.deteriorate ?? "").split(",").filter(Boolean)) {
    const [at, ramp = "60s"] = spec.split("+");
    episodes.push({ kind: "deterioration", atMs: duration(at!, "deteriorate"), rampMs: duration(ramp, "deteriorate ramp") });
  }
  for (const at of (params.fall ?? "").split(",").filter(Boolean)) {
    episodes.push({ kind: "fall", atMs: duration(at, "fall") });
  }
  const forgeries: Forgery[] = [];
  for (const spec of (params.forge ?? "").split(",").filter(Boolean)) {
    const m = /^(wrong-signer|bad-signature):([a-z0-9-]+):(\d+)(?:-(\d+))?$/.exec(spec);
    if (!m || !isStreamId(m[2]!)) {
      fail(`forge: expected <wrong-signer|bad-signature>:<stream>:<from>[-<to>], got ${JSON.stringify(spec)}`);
    }
    const [from, to] = [Number(m![3]), Number(m![4] ?? m![3])];
    if (to < from) {
      fail(`forge: range ${from}-${to} is empty`);
    }
    if (!streams.includes(m![2] as StreamId)) {
      fail(`forge: stream ${m![2]} is not among this home's sensors`);
    }
    forgeries.push({ kind: m![1] as Forgery["kind"], stream: m![2] as StreamId, from, to });
  }
  return pids.map((pid, i) => ({
    pid,
    streams,
    rateHz,
    // Episodes and forgeries concern the home's first patient.
    episodes: i === 0 ? episodes : [],
    forgeries: i === 0 ? forgeries : [],
  }));
}

function parseLink(a: string, b: string, line: number, params: Record<string, string>, fail: (msg: string) => never): TopologyLink {
  for (const key of Object.keys(params)) {
    if (!LINK_PARAMS.includes(key)) {
      fail(`unknown link attribute ${key} (expected ${LINK_PARAMS.join(", ")})`);
    }
  }
  const num = (key: string, parse: (s: string) => number): number | undefined => {
    if (params[key] === undefined) {
      return undefined;
    }
    let v: number;
    try {
      v = parse(params[key]);
    } catch (err: unknown) {
      return fail(`${key}: ${(err as Error).message}`);
    }
    if (!Number.isFinite(v) || v < 0) {
      fail(`${key}=${params[key]} is not a non-negative number`);
    }
    return v;
  };
  const loss = num("loss", Number) ?? 0;
  if (loss > 100) {
    fail(`loss=${params.loss} is a percentage: 0 to 100`);
  }
  return {
    a, b, line,
    delayMs: num("delay", (s) => parseDuration(s, "ms")) ?? 0,
    bandwidthMbps: num("bw", Number),
    loss: loss / 100,
    jitterMs: num("jitter", (s) => parseDuration(s, "ms")) ?? 0,
    maxQueueSize: num("max_queue_size", Number),
    markThreshold: num("mark_threshold", Number),
  };
}

function intParam(params: Record<string, string>, key: string, dflt: number, fail: (msg: string) => never): number {
  if (params[key] === undefined) {
    return dflt;
  }
  const v = Number(params[key]);
  if (!Number.isInteger(v) || v < 0) {
    fail(`${key}=${params[key]} is not a non-negative integer`);
  }
  return v;
}

function boolParam(params: Record<string, string>, key: string, dflt: boolean, fail: (msg: string) => never): boolean {
  const v = params[key];
  if (v === undefined) {
    return dflt;
  }
  if (["yes", "true", "1"].includes(v)) {
    return true;
  }
  if (["no", "false", "0"].includes(v)) {
    return false;
  }
  return fail(`${key}=${v}: expected yes or no`);
}

/** Every home and station needs a hospital: the one it names, or the only one there is. */
function resolveHospitals({ source, nodes }: Topology): void {
  const hospitals = [...nodes.values()].filter((n) => n.role === "hospital");
  for (const node of nodes.values()) {
    if (node.role !== "home" && node.role !== "station") {
      continue;
    }
    if (node.hospital === undefined) {
      if (hospitals.length !== 1) {
        throw new TopologyError(source, node.line,
          `${node.role} ${node.name} must name its hospital (hospital=...): there are ${hospitals.length} hospitals`);
      }
      node.hospital = hospitals[0]!.name;
    } else if (nodes.get(node.hospital)?.role !== "hospital") {
      throw new TopologyError(source, node.line, `hospital=${node.hospital} is not a hospital node of this topology`);
    }
  }
  const seen = new Map<string, string>();
  for (const node of nodes.values()) {
    for (const p of node.patients) {
      const key = `${node.hospital}/${p.pid}`;
      if (seen.has(key)) {
        throw new TopologyError(source, node.line, `patient ${p.pid} of ${node.hospital} is also at ${seen.get(key)}`);
      }
      seen.set(key, node.name);
    }
  }
}
