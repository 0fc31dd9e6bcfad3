import { readFile } from "node:fs/promises";
import path from "node:path";

import { isIdentifier, isStreamId, STREAM_IDS, type StreamId } from "../naming/mod.js";

/** A peer this node exchanges NDN packets with (UDP or TCP), and the prefixes routed to it. */
export interface PeerConfig {
  host: string;
  port: number;
  /** Prefixes routed to this peer. */
  routes: string[];
}

/** A local NFD: the node registers its own prefixes there, and routes `routes` to it. */
export interface NfdConfig {
  /** NFD's Unix socket, e.g. /run/nfd/nfd.sock; or... */
  unix?: string;
  /** ...its TCP address. */
  tcp?: { host: string; port: number };
  /** Prefixes routed to NFD. */
  routes: string[];
}

/** How a node reaches the others. */
export interface FacesConfig {
  /** This node's UDP port, on 127.0.0.1 (every UDP peer sends here). */
  udpListen?: number;
  udpPeers: PeerConfig[];
  /** A TCP port accepting NDN peers and local applications, on 127.0.0.1. */
  tcpListen?: number;
  /** A Unix socket path accepting local applications. */
  unixListen?: string;
  /** TCP connections this node opens (and reopens when they drop). */
  tcpPeers: PeerConfig[];
  nfd?: NfdConfig;
}

/** role=hospital. */
export interface HospitalConfig {
  consortium: string;
  /** Every member hospital of the consortium, this one included. */
  members: string[];
  /** Certificate files (base64) of the other members' trust anchors. */
  anchors: string[];
  /** Patients (ids) whose medical-devices ledgers this hospital replicates from their home gateways. */
  patients: string[];
  /** A doctor of this hospital writes a consultation record this often, ms (a load generator); 0: never. */
  writeEveryMs: number;
  /** ...for this long after the node starts, ms; then the registrar only commits references. */
  writeForMs: number;
  /** The registrar commits waiting records (or new references) this often, ms. */
  commitEveryMs: number;
  /**
   * Fault injection: a second replica of this hospital, with the same keys, its own repo and its
   * own UDP peers, committing its own chain. Two forks shown to two parts of the consortium: an
   * equivocating hospital, for testing that the others catch it.
   */
  fork?: { udpListen: number; udpPeers: PeerConfig[] };
}

/** A patient of a home gateway. */
export interface HomePatient {
  pid: string;
  streams: StreamId[];
  /** Sampling rate of the vital streams, Hz. */
  rateHz: number;
}

/** role=home: a home gateway, its patients' devices and ledgers. */
export interface HomeConfig {
  /** The hospital caring for the patients (it issued the gateway's certificates). */
  hospital: string;
  patients: HomePatient[];
  /** The ledger commits a block once this many readings wait... */
  ledgerEveryReadings: number;
  /** ...or this often, ms. */
  ledgerEveryMs: number;
}

/** How an `iomt node` process is set up (docs/node.md). */
export type NodeConfig = {
  /** The node's name: for a hospital, its NDN name (`/<name>`). */
  name: string;
  /** Where keys, the repo and state live (relative paths are from the config file); a router keeps none. */
  dataDir: string;
  faces: FacesConfig;
} & ({ role: "hospital"; hospital: HospitalConfig } | { role: "home"; home: HomeConfig } | { role: "router" });

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

const COMMON = ["name", "role", "dataDir", "udpListen", "udpPeers", "tcpListen", "unixListen", "tcpPeers", "nfd"];
const BY_ROLE = {
  hospital: ["consortium", "members", "anchors", "patients", "writeEveryMs", "writeForMs", "commitEveryMs", "fork"],
  home: ["hospital", "patients", "ledgerEveryReadings", "ledgerEveryMs"],
  router: [],
} as const;
type Role = keyof typeof BY_ROLE;

/** Check a parsed config; `file` names it in errors, and relative paths are taken from its folder. */
export function parseNodeConfig(raw: unknown, file = "<config>"): NodeConfig {
  const f = new Fields(file);
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return f.fail("(file)", "expected a JSON object");
  }
  const o = raw as Record<string, unknown>;
  const role = o.role;
  if (typeof role !== "string" || !Object.hasOwn(BY_ROLE, role)) {
    return f.fail("role", `expected one of ${Object.keys(BY_ROLE).map((r) => `"${r}"`).join(", ")}, got ${JSON.stringify(role)}`);
  }
  const known: readonly string[] = [...COMMON, ...BY_ROLE[role as Role]];
  for (const k of Object.keys(o)) {
    if (!known.includes(k)) {
      const owner = (Object.keys(BY_ROLE) as Role[]).find((r) => (BY_ROLE[r] as readonly string[]).includes(k));
      f.fail(k, owner ? `only for role ${owner}` : `unknown field (expected ${known.join(", ")})`);
    }
  }
  const name = f.id("name", o.name);
  const base = path.dirname(file);
  const dataDir = role === "router" && o.dataDir === undefined ? "" : path.resolve(base, f.str("dataDir", o.dataDir));
  const faces = parseFaces(f, o, base);
  switch (role as Role) {
    case "hospital":
      return { name, role: "hospital", dataDir, faces, hospital: parseHospital(f, o, name, base) };
    case "home":
      return { name, role: "home", dataDir, faces, home: parseHome(f, o) };
    case "router":
      return { name, role: "router", dataDir, faces };
  }
}

function parseFaces(f: Fields, o: Record<string, unknown>, base: string): FacesConfig {
  const udpPeers = f.peers("udpPeers", o.udpPeers);
  const udpListen = o.udpListen === undefined ? undefined : f.port("udpListen", o.udpListen);
  if (udpPeers.length > 0 && udpListen === undefined) {
    f.fail("udpListen", "UDP peers need this node's UDP port");
  }
  let nfd: NfdConfig | undefined;
  if (o.nfd !== undefined) {
    const n = f.object("nfd", o.nfd, "{ unix | tcp, routes }");
    if ((n.unix === undefined) === (n.tcp === undefined)) {
      f.fail("nfd", "expected one of unix (a socket path) or tcp (host:port)");
    }
    for (const k of Object.keys(n)) {
      if (!["unix", "tcp", "routes"].includes(k)) {
        f.fail(`nfd.${k}`, "unknown field (expected unix, tcp, routes)");
      }
    }
    nfd = {
      unix: n.unix === undefined ? undefined : path.resolve(base, f.str("nfd.unix", n.unix)),
      tcp: n.tcp === undefined ? undefined : f.address("nfd.tcp", n.tcp),
      routes: f.names("nfd.routes", n.routes),
    };
  }
  return {
    udpListen, udpPeers,
    tcpListen: o.tcpListen === undefined ? undefined : f.port("tcpListen", o.tcpListen),
    unixListen: o.unixListen === undefined ? undefined : path.resolve(base, f.str("unixListen", o.unixListen)),
    tcpPeers: f.peers("tcpPeers", o.tcpPeers),
    nfd,
  };
}

function parseHospital(f: Fields, o: Record<string, unknown>, name: string, base: string): HospitalConfig {
  const members = f.list("members", o.members).map((m, i) => f.id(`members[${i}]`, m));
  if (!members.includes(name)) {
    f.fail("members", `must include this node, ${name}`);
  }
  let fork: HospitalConfig["fork"];
  if (o.fork !== undefined) {
    const x = f.object("fork", o.fork, "{ udpListen, udpPeers }");
    fork = { udpListen: f.port("fork.udpListen", x.udpListen), udpPeers: f.peers("fork.udpPeers", x.udpPeers) };
  }
  return {
    consortium: f.id("consortium", o.consortium),
    members,
    anchors: f.list("anchors", o.anchors).map((a, i) => typeof a === "string" ? path.resolve(base, a) : f.fail(`anchors[${i}]`, "expected a file path")),
    patients: f.list("patients", o.patients).map((p, i) => f.id(`patients[${i}]`, p)),
    writeEveryMs: f.ms("writeEveryMs", o.writeEveryMs, 0),
    writeForMs: f.ms("writeForMs", o.writeForMs, Number.MAX_SAFE_INTEGER),
    commitEveryMs: f.ms("commitEveryMs", o.commitEveryMs, 2000),
    fork,
  };
}

function parseHome(f: Fields, o: Record<string, unknown>): HomeConfig {
  const patients = f.list("patients", o.patients).map((p, i): HomePatient => {
    const at = `patients[${i}]`;
    const x = f.object(at, p, "{ pid, streams, rateHz }");
    const streams = x.streams === undefined ? [...STREAM_IDS] : f.list(`${at}.streams`, x.streams).map((s, j) =>
      typeof s === "string" && isStreamId(s) ? s : f.fail(`${at}.streams[${j}]`, `expected one of ${STREAM_IDS.join(", ")}, got ${JSON.stringify(s)}`));
    const rateHz = x.rateHz ?? 1;
    return {
      pid: f.id(`${at}.pid`, x.pid), streams,
      rateHz: typeof rateHz === "number" && rateHz > 0 && rateHz <= 100 ? rateHz : f.fail(`${at}.rateHz`, "expected a rate in Hz, above 0 and at most 100"),
    };
  });
  if (patients.length === 0) {
    f.fail("patients", "a home needs at least one patient");
  }
  return {
    hospital: f.id("hospital", o.hospital),
    patients,
    ledgerEveryReadings: f.count("ledgerEveryReadings", o.ledgerEveryReadings, 60),
    ledgerEveryMs: f.ms("ledgerEveryMs", o.ledgerEveryMs, 60_000),
  };
}

/** Field checkers: each error names its field. */
class Fields {
  constructor(private readonly file: string) {}

  fail(field: string, message: string): never {
    throw new ConfigError(this.file, field, message);
  }

  str(k: string, v: unknown): string {
    return typeof v === "string" && v !== "" ? v : this.fail(k, "expected a non-empty string");
  }

  id(k: string, v: unknown): string {
    return typeof v === "string" && isIdentifier(v) ? v : this.fail(k, `expected a name component of letters, digits, '.', '_', '~', '-', got ${JSON.stringify(v)}`);
  }

  port(k: string, v: unknown): number {
    return Number.isInteger(v) && (v as number) > 0 && (v as number) < 65536 ? v as number : this.fail(k, `expected a port number, got ${JSON.stringify(v)}`);
  }

  ms(k: string, v: unknown, dflt: number): number {
    const x = v ?? dflt;
    return typeof x === "number" && Number.isFinite(x) && x >= 0 ? x : this.fail(k, "expected a number of milliseconds");
  }

  count(k: string, v: unknown, dflt: number): number {
    const x = v ?? dflt;
    return Number.isInteger(x) && (x as number) > 0 ? x as number : this.fail(k, "expected a positive whole number");
  }

  list(k: string, v: unknown): unknown[] {
    return v === undefined ? [] : Array.isArray(v) ? v : this.fail(k, "expected a list");
  }

  object(k: string, v: unknown, shape: string): Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v) ? v as Record<string, unknown> : this.fail(k, `expected an object ${shape}`);
  }

  address(k: string, v: unknown): { host: string; port: number } {
    const m = typeof v === "string" ? /^(.+):(\d+)$/.exec(v) : null;
    return m ? { host: m[1]!, port: this.port(k, Number(m[2])) } : this.fail(k, `expected host:port, got ${JSON.stringify(v)}`);
  }

  names(k: string, v: unknown): string[] {
    return this.list(k, v).map((r, j) => typeof r === "string" && r.startsWith("/") ? r : this.fail(`${k}[${j}]`, `expected a name such as /stmary, got ${JSON.stringify(r)}`));
  }

  peers(k: string, v: unknown): PeerConfig[] {
    return this.list(k, v).map((p, i) => {
      const q = this.object(`${k}[${i}]`, p, "{ remote, routes }");
      return { ...this.address(`${k}[${i}].remote`, q.remote), routes: this.names(`${k}[${i}].routes`, q.routes) };
    });
  }
}
