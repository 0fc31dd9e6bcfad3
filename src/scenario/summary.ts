import type { DoctorApp } from "../doctor/mod.js";
import type { CloudServer } from "../cloud/mod.js";
import { AlarmKind, type LiveMonitor, type ReadingSubscription, type RejectionReason } from "../monitor/mod.js";
import { patientPrefix, showName } from "../naming/mod.js";
import type { LedgerReplicaCounters, LedgerReplicator } from "../ledger/mod.js";
import type { ConsultationSummary } from "./consultation-run.js";
import type { EmulatedNetwork } from "../network/mod.js";
import type { NodeLayerCounters } from "../node/mod.js";
import type { Topology } from "../topology/mod.js";
import { Tally } from "../util/tally.js";
import type { Forger } from "./forgery.js";
import type { ForwardingMode, PatientRecord } from "./run-scenario.js";

/** What a scenario run found: written as `summary.json` and printed for people. */
export interface Summary {
  topology: string;
  seed: number;
  /** Forwarding mode: ndn, ndn-nocache or ip. */
  mode: ForwardingMode;
  /** `virtual`: discrete-event simulation; `real`: real time. */
  clock: "virtual" | "real";
  /** How long the sensors published, ms. */
  durationMs: number;
  /** Scenario time the run covered (sensing and drain), s. */
  simulatedSeconds: number;
  /** Wall-clock time the run took, s. With {@link peakRssMiB}, the only fields that differ between two runs of one seed. */
  wallSeconds: number;
  /** Peak resident memory of the process by the end of the run, MiB: the run's own when it ran alone, as in `iomt simulate`. */
  peakRssMiB: number;
  readings: {
    published: number;
    verified: number;
    rejected: number;
    rejectedBy: Partial<Record<RejectionReason, number>>;
    /** Readings the monitor gave up on after retransmissions. */
    lost: number;
    /** Readings the scenario forged on purpose (each should be rejected). */
    forged: number;
    /** Readings of patients whose hospital runs no monitor: nobody fetched them. */
    unmonitored: number;
  };
  alarms: SummaryAlarm[];
  /** Alarm latency (reading produced → alarm at a doctor) over every receipt, ms. */
  alarmLatencyMs: { receipts: number; p50: number | null; p95: number | null; p99: number | null; max: number | null };
  /**
   * Every application following the patients' streams: the live monitors and the monitoring
   * stations. Each should verify every reading of its hospital's patients.
   */
  consumers: {
    monitors: number;
    stations: number;
    /** Readings published × the consumers following them. */
    expected: number;
    verified: number;
    rejected: number;
    lost: number;
    /** Reading produced → verified by a consumer, over every consumer, ms. */
    latencyMs: { p50: number | null; p95: number | null; p99: number | null };
  };
  /**
   * Interests for readings that reached their producers, and those answered: the home gateways',
   * and the cloud server's in mode `cloud`.
   */
  producerLoad: { gateways: ProducerLoad; server?: ProducerLoad };
  patients: SummaryPatient[];
  /** Traffic of every link, per direction, over the whole run. */
  links: SummaryLink[];
  /** What each node's layer did: Content Store hits and misses, aggregated Interests, loops dropped. */
  nodes: Array<{ node: string } & NodeLayerCounters>;
  /** Every node's repo: where it was written (under the output folder) and how many packets it holds. */
  repos: Array<{ node: string; path: string; packets: number }>;
  /** Reading produced → committed in a block stored at the hospital repo, ms. */
  commitLatencyMs: { readings: number; p50: number | null; p95: number | null; p99: number | null };
  /** The consultation ledger shared by the hospitals, when there are two or more. */
  consultation?: ConsultationSummary;
}

export interface ProducerLoad {
  interests: number;
  answered: number;
}

export interface SummaryLink {
  from: string;
  to: string;
  packets: number;
  bytes: number;
  interests: number;
  data: number;
  drops: number;
  lost: number;
}

export interface SummaryAlarm {
  patient: string;
  hospital: string;
  name: string;
  kind: "news2" | "fall";
  level: string;
  score: number;
  /** When it was raised, ms after the sensors started. */
  raisedAtMs: number;
  /** Reading produced → alarm received by the first doctor; null if no doctor received it. */
  latencyMs: number | null;
  receivedBy: Array<{ doctor: string; latencyMs: number }>;
}

export interface SummaryPatient {
  id: string;
  /** The patient's NDN prefix. */
  name: string;
  hospital: string;
  home: string;
  /** Latest NEWS2 total at the monitor; null until every parameter was seen. */
  news2: number | null;
  level: string | null;
  /** Latest reading of each vital stream the monitor verified. */
  vitals: Record<string, { values: number[]; producedAt: number; reading: string }>;
  /** The patient's ledger as replicated at the hospital. */
  ledger: LedgerReplicaCounters;
}

export interface SummaryInput {
  topology: Topology;
  seed: number;
  durationMs: number;
  sensingStart: number;
  simulatedMs: number;
  wallMs: number;
  clock: "virtual" | "real";
  mode: ForwardingMode;
  net: EmulatedNetwork;
  replicators: ReadonlyMap<string, LedgerReplicator>;
  repos: Summary["repos"];
  consultation?: ConsultationSummary;
  patients: readonly PatientRecord[];
  forgers: readonly Forger[];
  monitors: ReadonlyMap<string, LiveMonitor>;
  /** The monitors' subscriptions and the stations'. */
  consumers: readonly ReadingSubscription[];
  /** Latency of every reading at every consumer, ms, sorted. */
  latencies: readonly number[];
  doctors: readonly DoctorApp[];
  cloud?: CloudServer;
}

export function buildSummary(s: SummaryInput): Summary {
  const monitors = [...s.monitors.values()];
  const rejected = new Tally<RejectionReason>();
  for (const m of monitors) {
    rejected.merge(m.subscription.rejected);
  }
  const receipts = new Map<string, Array<{ doctor: string; latencyMs: number }>>();
  for (const d of s.doctors) {
    for (const r of d.received) {
      const key = r.name.valueHex;
      receipts.set(key, [...(receipts.get(key) ?? []), { doctor: r.doctor, latencyMs: r.latencyMs }]);
    }
  }
  const alarms: SummaryAlarm[] = [];
  for (const [hospital, m] of s.monitors) {
    for (const a of m.raised) {
      const receivedBy = (receipts.get(a.name.valueHex) ?? []).sort((x, y) => x.latencyMs - y.latencyMs);
      alarms.push({
        patient: a.pid, hospital, name: showName(a.name),
        kind: a.kind === AlarmKind.Fall ? "fall" : "news2",
        level: a.level, score: a.score,
        raisedAtMs: a.raisedAt - s.sensingStart,
        latencyMs: receivedBy[0]?.latencyMs ?? null,
        receivedBy,
      });
    }
  }
  alarms.sort((x, y) => x.raisedAtMs - y.raisedAtMs);
  const latencies = [...receipts.values()].flat().map((r) => r.latencyMs).sort((a, b) => a - b);
  return {
    topology: s.topology.source,
    seed: s.seed,
    mode: s.mode,
    clock: s.clock,
    durationMs: s.durationMs,
    simulatedSeconds: s.simulatedMs / 1000,
    wallSeconds: Math.round(s.wallMs) / 1000,
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    readings: {
      published: sum(s.patients.map((p) => p.publisher.published)),
      verified: sum(monitors.map((m) => m.subscription.counters.verified)),
      rejected: rejected.total,
      rejectedBy: rejected.toJSON(),
      lost: sum(monitors.map((m) => m.subscription.counters.lost)),
      forged: sum(s.forgers.map((f) => f.forged)),
      unmonitored: sum(s.patients.filter((p) => !s.monitors.has(p.hospital)).map((p) => p.publisher.published)),
    },
    alarms,
    alarmLatencyMs: {
      receipts: latencies.length,
      p50: percentile(latencies, 0.5),
      p95: percentile(latencies, 0.95),
      p99: percentile(latencies, 0.99),
      max: latencies.at(-1) ?? null,
    },
    consumers: {
      monitors: s.monitors.size,
      stations: s.consumers.length - s.monitors.size,
      expected: sum(s.consumers.map((c) => publishedFor(c.hospital, s.patients))),
      verified: sum(s.consumers.map((c) => c.counters.verified)),
      rejected: sum(s.consumers.map((c) => c.rejected.total)),
      lost: sum(s.consumers.map((c) => c.counters.lost)),
      latencyMs: percentiles(s.latencies),
    },
    producerLoad: {
      gateways: {
        interests: sum(s.patients.map((p) => p.publisher.load.interests)),
        answered: sum(s.patients.map((p) => p.publisher.load.answered)),
      },
      ...(s.cloud ? { server: s.cloud.load } : {}),
    },
    patients: s.patients.map((p) => {
      const view = s.monitors.get(p.hospital)?.view(p.pid);
      const vitals: SummaryPatient["vitals"] = {};
      for (const [stream, v] of Object.entries(view?.latest ?? {})) {
        vitals[stream] = { values: v.reading.values, producedAt: v.reading.producedAt, reading: showName(v.name) };
      }
      return {
        id: p.pid,
        name: showName(patientPrefix(p.hospital, p.pid)),
        hospital: p.hospital,
        home: p.home,
        news2: view?.news2?.total ?? null,
        level: view?.news2?.level ?? null,
        vitals,
        ledger: s.replicators.get(p.hospital)?.perPatient.get(p.pid) ?? { blocks: 0, readingsCommitted: 0, rejectedBlocks: 0, missingReadings: 0 },
      };
    }),
    repos: s.repos,
    ...(s.consultation ? { consultation: s.consultation } : {}),
    commitLatencyMs: latencySummary([...s.replicators.values()].flatMap((r) => r.commitLatencies)),
    nodes: [...s.net.nodes].map(([node, n]) => ({ node, ...n.counters })),
    links: s.net.links.flatMap((l) => [[l.a, l.b, l.ab.counters], [l.b, l.a, l.ba.counters]] as const).map(([from, to, c]) => ({
      from, to, packets: c.packets, bytes: c.bytes, interests: c.interests, data: c.data, drops: c.drops, lost: c.lost,
    })),
  };
}

function latencySummary(values: number[]): Summary["commitLatencyMs"] {
  const sorted = values.sort((a, b) => a - b);
  return { readings: sorted.length, ...percentiles(sorted) };
}

/** p50, p95 and p99 of sorted values. */
export function percentiles(sorted: readonly number[]): { p50: number | null; p95: number | null; p99: number | null } {
  return { p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), p99: percentile(sorted, 0.99) };
}

/** Readings published by a hospital's patients: what each of its consumers should verify. */
export function publishedFor(hospital: string, patients: readonly PatientRecord[]): number {
  return sum(patients.filter((p) => p.hospital === hospital).map((p) => p.publisher.published));
}

export function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

function formatDuration(ms: number): string {
  return ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) {
    return null;
  }
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** The summary as people read it on a terminal. */
export function formatSummary(s: Summary): string {
  const out: string[] = [];
  const r = s.readings;
  const speed = s.clock === "virtual" ? `, ${(s.simulatedSeconds / s.wallSeconds).toFixed(0)}× real time` : " (real time)";
  out.push(`ndn-iomt simulation of ${s.topology}: ${formatDuration(s.durationMs)} of sensing, seed ${s.seed}, mode ${s.mode}`);
  out.push(`  ${s.simulatedSeconds.toFixed(1)} s simulated in ${s.wallSeconds.toFixed(1)} s wall time${speed}`);
  out.push("");
  out.push(`Readings: ${r.published} published, ${r.verified} verified, ${r.rejected} rejected, ${r.lost} lost${r.unmonitored ? `, ${r.unmonitored} unmonitored` : ""}`);
  if (r.rejected > 0 || r.forged > 0) {
    const why = Object.entries(r.rejectedBy).map(([k, v]) => `${k} ${v}`).join(", ");
    out.push(`  rejected by reason: ${why || "none"} (the scenario forged ${r.forged})`);
  }
  const k = s.consumers;
  if (k.stations > 0) {
    const ms = (v: number | null) => (v === null ? "-" : `${v.toFixed(1)} ms`);
    out.push(`  ${k.monitors} monitor(s) and ${k.stations} monitoring station(s): ${k.verified} of ${k.expected} readings verified, ${k.lost} lost; ` +
      `latency p50 ${ms(k.latencyMs.p50)}, p95 ${ms(k.latencyMs.p95)}, p99 ${ms(k.latencyMs.p99)}`);
  }
  out.push("");
  out.push(`Alarms: ${s.alarms.length} raised`);
  for (const a of s.alarms) {
    const lat = a.latencyMs === null ? "NOT RECEIVED" : `${a.latencyMs.toFixed(1)} ms to ${a.receivedBy.length} doctor(s)`;
    out.push(`  t=${(a.raisedAtMs / 1000).toFixed(1).padStart(6)} s  ${a.patient.padEnd(10)} ${a.kind.padEnd(5)} ${a.level.padEnd(10)} NEWS2 ${String(a.score).padStart(2)}  latency ${lat}`);
  }
  const l = s.alarmLatencyMs;
  if (l.receipts > 0) {
    out.push(`  alarm latency (reading produced → doctor): p50 ${l.p50!.toFixed(1)} ms, p95 ${l.p95!.toFixed(1)} ms, max ${l.max!.toFixed(1)} ms over ${l.receipts} receipts`);
  }
  const blocks = sum(s.patients.map((p) => p.ledger.blocks));
  const committed = sum(s.patients.map((p) => p.ledger.readingsCommitted));
  const c = s.commitLatencyMs;
  out.push("");
  out.push(`Ledgers: ${blocks} blocks committing ${committed} readings, replicated at the hospital` +
    (c.readings > 0 ? `; commit latency (reading produced → block stored at the hospital): p50 ${(c.p50! / 1000).toFixed(1)} s, p95 ${(c.p95! / 1000).toFixed(1)} s, p99 ${(c.p99! / 1000).toFixed(1)} s` : ""));
  if (s.consultation) {
    const k = s.consultation;
    const ms = (v: number | null) => (v === null ? "-" : `${Math.round(v)} ms`);
    out.push(`Consultation ledger among ${k.hospitals} hospitals: ${k.records} records, ${k.confirmed} confirmed everywhere, ` +
      `${k.divergent} divergent; replication p50 ${ms(k.replicationMs.p50)}, p95 ${ms(k.replicationMs.p95)}; ` +
      `confirmation p50 ${ms(k.confirmMs.p50)}, p95 ${ms(k.confirmMs.p95)}`);
  }
  out.push("");
  out.push("Patients (latest at the monitor):");
  for (const p of s.patients) {
    const v = (stream: string) => p.vitals[stream]?.values.join("/") ?? "-";
    const vit = `HR ${v("heart-rate")}  RR ${v("respiration-rate")}  SpO2 ${v("spo2")}%  BP ${v("blood-pressure")}  T ${v("body-temperature")}`;
    out.push(`  ${p.name.padEnd(28)} NEWS2 ${String(p.news2 ?? "-").padStart(2)} ${(p.level ?? "").padEnd(10)} ${vit}`);
  }
  return out.join("\n");
}
