import { readFile } from "node:fs/promises";
import path from "node:path";

import { isIdentifier } from "../naming/mod.js";

/** A UDP peer, reached from this node's UDP port. */
export interface UdpPeer {
  host: string;
  port: number;
  /** Prefixes routed to this peer. */
  routes: string[];
}

/** How an `iomt node` process is set up (docs/node.md). */
export interface NodeConfig {
  /** The node's name: for a hospital, its NDN name (`/<name>`). */
  name: string;
  role: "hospital";
  /** Where keys, the repo and state live (relative paths are from the config file). */
  dataDir: string;
  consortium: string;
  /** Every member hospital of the consortium, this one included. */
  members: string[];
  /** Certificate files (base64) of the other members' trust anchors. */
  anchors: string[];
  /** This node's UDP port, on 127.0.0.1 (every peer sends here). */
  udpListen?: number;
  udpPeers: UdpPeer[];
  /** A TCP port to accept NDN peers (and NFD) on, on 127.0.0.1; undefined: none. */
  tcpListen?: number;
  /** A doctor of this hospital writes a consultation record this often, ms (a load generator); 0: never. */
  writeEveryMs: number;
  /** ...for this long after the node starts, ms; then the registrar only commits references. */
  writeForMs: number;
  /** The registrar commits waiting records (or new references) this often, ms. */
  commitEveryMs: number;
}

export class ConfigError extends Error {
  constructor(file: string, field: string, message: string) {
    super(`${file}: ${field}: ${message}`);
    this.name = "ConfigError";
  }
}

/** Read and check a node config file (JSON); every error names the field. */
export async function readNodeConfig(file: string): Promise<NodeConfig> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err: unknown) {
    throw new Error(`cannot read node config ${file}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err: unknown) {
    throw new ConfigError(file, "(file)", `not JSON: ${(err as Error).message}`);
  }
  return parseNodeConfig(raw, file);
}

export function parseNodeConfig(raw: unknown, file = "<config>"): NodeConfig {
  const fail = (field: string, message: string): never => {
    throw new ConfigError(file, field, message);
  };
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return fail("(file)", "expected a JSON object");
  }
  const o = raw as Record<string, unknown>;
  const known = ["name", "role", "dataDir", "consortium", "members", "anchors", "udpListen", "udpPeers", "tcpListen", "writeEveryMs", "writeForMs", "commitEveryMs"];
  for (const k of Object.keys(o)) {
    if (!known.includes(k)) {
      fail(k, `unknown field (expected ${known.join(", ")})`);
    }
  }
  const str = (k: string): string => typeof o[k] === "string" && o[k] !== "" ? o[k] as string : fail(k, "expected a non-empty string");
  const id = (k: string, v: unknown): string => typeof v === "string" && isIdentifier(v) ? v : fail(k, `expected a name component of letters, digits, '.', '_', '~', '-', got ${JSON.stringify(v)}`);
  const port = (k: string, v: unknown): number => Number.isInteger(v) && (v as number) > 0 && (v as number) < 65536 ? v as number : fail(k, `expected a port number, got ${JSON.stringify(v)}`);
  const ms = (k: string, dflt: number): number => {
    const v = o[k] ?? dflt;
    return typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : fail(k, "expected a number of milliseconds");
  };
  const list = (k: string): unknown[] => o[k] === undefined ? [] : Array.isArray(o[k]) ? o[k] as unknown[] : fail(k, "expected a list");

  const name = id("name", o.name);
  if (o.role !== "hospital") {
    fail("role", `expected "hospital" (homes and routers as processes come later), got ${JSON.stringify(o.role)}`);
  }
  const base = path.dirname(file);
  const dataDir = path.resolve(base, str("dataDir"));
  const consortium = id("consortium", o.consortium);
  const members = list("members").map((m, i) => id(`members[${i}]`, m));
  if (!members.includes(name)) {
    fail("members", `must include this node, ${name}`);
  }
  const anchors = list("anchors").map((a, i) => typeof a === "string" ? path.resolve(base, a) : fail(`anchors[${i}]`, "expected a file path"));
  const udpPeers = list("udpPeers").map((p, i): UdpPeer => {
    const f = `udpPeers[${i}]`;
    if (typeof p !== "object" || p === null) {
      return fail(f, "expected an object { remote, routes }");
    }
    const q = p as Record<string, unknown>;
    const remote = typeof q.remote === "string" ? /^(.+):(\d+)$/.exec(q.remote) : null;
    if (!remote) {
      fail(`${f}.remote`, `expected host:port, got ${JSON.stringify(q.remote)}`);
    }
    const routes = q.routes === undefined ? [] : Array.isArray(q.routes) ? q.routes : fail(`${f}.routes`, "expected a list of names");
    return {
      host: remote![1]!,
      port: port(`${f}.remote`, Number(remote![2])),
      routes: routes.map((r, j) => typeof r === "string" && r.startsWith("/") ? r : fail(`${f}.routes[${j}]`, `expected a name such as /stmary, got ${JSON.stringify(r)}`)),
    };
  });
  const udpListen = o.udpListen === undefined ? undefined : port("udpListen", o.udpListen);
  if (udpPeers.length > 0 && udpListen === undefined) {
    fail("udpListen", "UDP peers need this node's UDP port");
  }
  return {
    name, role: "hospital", dataDir, consortium, members, anchors, udpListen, udpPeers,
    tcpListen: o.tcpListen === undefined ? undefined : port("tcpListen", o.tcpListen),
    writeEveryMs: ms("writeEveryMs", 0),
    writeForMs: ms("writeForMs", Number.MAX_SAFE_INTEGER),
    commitEveryMs: ms("commitEveryMs", 2000),
  };
}
