import { ValidityPeriod } from "@ndn/packet";

import { ConsultationChain, ConsultationDag, RecordKind, writeRecord } from "../consultation/mod.js";
import { hospitalPrefix, patientPrefix, staffPrefix } from "../naming/mod.js";
import { runScenario } from "../scenario/mod.js";
import { parseTopology, type Topology } from "../topology/mod.js";
import { certifyKeyPair, deriveEcdsaKeyPair } from "../trust/mod.js";
import { round2, secondsSince } from "./measure.js";


/** Records a hospital commits per second: write (sign) each record, commit it in its own block (sign, add to the DAG). */
export async function benchCommit(records: number): Promise<number> {
  const validity = new ValidityPeriod(Date.UTC(2026, 0, 1), Date.UTC(2036, 0, 1));
  const h = await certifyKeyPair(hospitalPrefix("h"), deriveEcdsaKeyPair(1, "h"), undefined, validity);
  const registrar = await certifyKeyPair(staffPrefix("h", "registrar"), deriveEcdsaKeyPair(1, "r"), h, validity);
  const doctor = await certifyKeyPair(staffPrefix("h", "dr"), deriveEcdsaKeyPair(1, "d"), h, validity);
  const dag = new ConsultationDag("c", ["h", "g", "k"]);
  const chain = new ConsultationChain("h", dag, registrar);
  const t = process.hrtime.bigint();
  for (let i = 0; i < records; ++i) {
    const r = await writeRecord(doctor, "c", i, { kind: RecordKind.Note, patient: patientPrefix("h", "p"), text: `note ${i}` });
    await chain.commit([r]);
  }
  return records / secondsSince(t);
}

export interface ReplicationFigures {
  records: number;
  replicationP50Ms: number | null;
  replicationP95Ms: number | null;
  /** The longest path delay between two hospitals, ms. */
  longestPathMs: number;
  /** Median replication delay (commit → present at every hospital) over the longest path delay. */
  replicationVsLongestPath: number | null;
  /** Link octets (sync, blocks, records, certificates) per record. */
  bytesPerRecord: number | null;
  divergent: number;
}

/**
 * Replication among hospitals alone (no homes), so that every octet on the links is the
 * consultation ledger's: replication delay against the longest path between two hospitals, and
 * octets per record.
 */
export async function benchReplication(durationMs: number): Promise<ReplicationFigures> {
  const delays = [5, 12, 20, 30];
  const topology: Topology = parseTopology([
    "[nodes]", "core: _", ...delays.map((_, i) => `h${i + 1}: _ role=hospital doctors=2`),
    "[links]", ...delays.map((d, i) => `h${i + 1}:core delay=${d}ms bw=100`),
  ].join("\n"), "four-hospitals");
  const longestPathMs = delays[delays.length - 1]! + delays[delays.length - 2]!;
  const { summary } = await runScenario({ topology, durationMs, seed: 1 });
  const k = summary.consultation!;
  const bytes = summary.links.reduce((n, l) => n + l.bytes, 0);
  return {
    records: k.records,
    replicationP50Ms: k.replicationMs.p50 === null ? null : Math.round(k.replicationMs.p50),
    replicationP95Ms: k.replicationMs.p95 === null ? null : Math.round(k.replicationMs.p95),
    longestPathMs,
    replicationVsLongestPath: k.replicationMs.p50 === null ? null : round2(k.replicationMs.p50 / longestPathMs),
    bytesPerRecord: k.records === 0 ? null : Math.round(bytes / k.records),
    divergent: k.divergent,
  };
}
