import type { Episode } from "../sensors/mod.js";
import type { StreamId } from "../naming/mod.js";

/**
 * `station`: a monitoring station (a ward dashboard, a specialist's screen) following every stream
 * of its hospital's patients, as the live monitor does, without scoring them.
 */
export type NodeRole = "home" | "router" | "hospital" | "cloud" | "station";

/** A reading a scenario forges at a home, to test that the monitor rejects it. */
export interface Forgery {
  /** `wrong-signer`: another device of the patient signs; `bad-signature`: the signature is corrupted. */
  kind: "wrong-signer" | "bad-signature";
  stream: StreamId;
  /** Sequence numbers forged, inclusive. */
  from: number;
  to: number;
}

export interface PatientSpec {
  pid: string;
  streams: StreamId[];
  /** Sampling rate of the vital streams, Hz. */
  rateHz: number;
  episodes: Episode[];
  forgeries: Forgery[];
}

export interface TopologyNode {
  name: string;
  role: NodeRole;
  /** Line of the node in its file, for messages. */
  line: number;
  /** Every key=value of the line, as written. */
  params: Record<string, string>;
  /** role=home: the hospital node caring for its patients; role=station: the hospital whose patients it follows. */
  hospital?: string;
  /** role=home: its patients. */
  patients: PatientSpec[];
  /** role=hospital: number of doctors following alarms. */
  doctors: number;
  /** role=hospital: whether it runs the live monitor. */
  monitor: boolean;
}

export interface TopologyLink {
  a: string;
  b: string;
  line: number;
  /** Propagation delay, ms. */
  delayMs: number;
  /** Bandwidth, Mbit/s (undefined: unlimited). */
  bandwidthMbps?: number;
  /** Loss rate, 0..1 (files give percent, as Mini-NDN). */
  loss: number;
  /** Jitter, ms. */
  jitterMs: number;
  /** Queue capacity, packets (undefined: unbounded). */
  maxQueueSize?: number;
  /** Congestion marks on packets joining a queue longer than this (undefined: none). */
  markThreshold?: number;
}

export interface Topology {
  /** Where it was read from. */
  source: string;
  nodes: Map<string, TopologyNode>;
  links: TopologyLink[];
}

export class TopologyError extends Error {
  constructor(
    public readonly file: string,
    public readonly line: number,
    message: string,
  ) {
    super(`${file}:${line}: ${message}`);
    this.name = "TopologyError";
  }
}
