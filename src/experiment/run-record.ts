import type { ForwardingMode } from "../scenario/mod.js";

/** One run of the congestion experiment: the point of the sweep it stands for. */
export interface RunSpec {
  /** Position in the plan, from 0: results are written in this order, whichever worker ran them. */
  id: number;
  mode: ForwardingMode;
  /** Applications following every stream of every patient (K): the hospital's live monitor and K−1 monitoring stations. */
  consumers: number;
  /** Patients taking part: the first N of the topology, in file order. */
  patients: number;
  /** Bandwidth of the bottleneck link, Mbit/s. */
  bottleneckBw: number;
  seed: number;
  /** How long the sensors publish, ms of scenario time. */
  durationMs: number;
}

/** p50, p95 and p99 of a set of latencies, ms (null when there were none). */
export interface Percentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** Traffic of one direction of one link over a run. */
export interface LinkTraffic {
  from: string;
  to: string;
  packets: number;
  bytes: number;
  drops: number;
}

/** What one run measured (summary.json `runs[]`, and a row of results.csv). */
export interface RunRecord extends RunSpec {
  /** The bottleneck link, `from>to` in the direction toward the hospital (the readings' direction). */
  bottleneck: string;
  /** Octets and packets on the bottleneck link, both directions. */
  bottleneckBytes: number;
  bottleneckPackets: number;
  /** Octets toward the hospital (readings) and toward the homes (Interests), on the bottleneck. */
  bottleneckBytesToHospital: number;
  bottleneckBytesToHomes: number;
  /** The busier direction's octets × 8 over the bottleneck's bandwidth × the simulated time: 0..1. */
  bottleneckUtilisation: number;
  /** Reading Data packets that crossed the bottleneck per distinct reading that crossed (ideal NDN 1, IP K). */
  readingCopies: number;
  /** Octets of those reading Data packets (toward the hospital): the part of the traffic K multiplies. */
  bottleneckReadingBytes: number;
  /** Queue drops (drop-tail) on the bottleneck and on every link. */
  drops: { bottleneck: number; total: number };
  /** Octets and packets on every link, both directions summed over all. */
  totalBytes: number;
  totalPackets: number;
  readings: {
    /** Readings the patients' devices published. */
    published: number;
    /** Readings verified by a consumer, summed over consumers; at most published × consumers. */
    delivered: number;
    /** Given up by a consumer after its retransmissions. */
    lost: number;
    /** Failed verification at a consumer (a certificate that could not be fetched counts here). */
    rejected: number;
    /** Neither, when the run ended (the drain after sensing is at most 8 s): still being fetched. */
    outstanding: number;
  };
  alarms: {
    /** Alarms the live monitor raised. */
    raised: number;
    /**
     * Alarms a lossless network would have raised: the most any run of the same patients, seed and
     * duration that delivered every reading raised (the physiology is the same in every mode and
     * bandwidth); 0 until all runs are in.
     */
    expected: number;
    /** Whether `expected` comes from a run that delivered every reading, or is only the most any run raised. */
    expectedFromLossless: boolean;
    /** Receipts by doctors; at most raised × doctors. */
    delivered: number;
    doctors: number;
  };
  /** Readings delivered / (published × consumers); alarms delivered / (expected × doctors) (null: no alarm expected). */
  deliveryRatio: { readings: number; alarms: number | null };
  /** Reading produced at the device → verified at a consumer, over every consumer. */
  readingLatencyMs: Percentiles;
  /** Reading produced → alarm received by a doctor, over every receipt. */
  alarmLatencyMs: Percentiles;
  /**
   * Reading latency at each percent from 0 to 100 (101 values, ms), for the distribution plots;
   * empty when no reading was delivered.
   */
  readingLatencyQuantiles: number[];
  /** Interests for readings the home gateways answered with a reading; and the cloud server (mode cloud), 0 otherwise. */
  producerLoad: { gateways: number; server: number };
  /** Every link, per direction. */
  links: LinkTraffic[];
  /** Simulated seconds the run covered (sensing and drain), and the wall seconds it took. */
  simulatedSeconds: number;
  wallSeconds: number;
}
