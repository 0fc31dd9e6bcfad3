import { CsvTable } from "../trace/mod.js";
import type { RunRecord } from "./run-record.js";

const RESULT_COLUMNS = [
  "id", "mode", "consumers", "patients", "bottleneck_bw_mbps", "seed", "duration_s",
  "bottleneck", "bottleneck_bytes", "bottleneck_packets", "bottleneck_bytes_to_hospital", "bottleneck_bytes_to_homes",
  "bottleneck_utilisation", "reading_copies", "bottleneck_reading_bytes", "drops_bottleneck", "drops_total", "total_bytes", "total_packets",
  "readings_published", "readings_delivered", "delivery_ratio_readings",
  "alarms_raised", "alarms_expected", "alarms_delivered", "doctors", "delivery_ratio_alarms",
  "reading_latency_p50_ms", "reading_latency_p95_ms", "reading_latency_p99_ms",
  "alarm_latency_p50_ms", "alarm_latency_p95_ms", "alarm_latency_p99_ms",
  "producer_interests_gateways", "producer_interests_server", "simulated_s", "wall_s",
] as const;

const LINK_COLUMNS = ["id", "mode", "consumers", "patients", "bottleneck_bw_mbps", "seed", "from", "to", "packets", "bytes", "drops"] as const;

/** `results.csv`: a row per run with every scalar metric (docs/experiments.md lists the columns). */
export function resultsCsv(records: readonly RunRecord[]): string {
  const table = new CsvTable(RESULT_COLUMNS);
  const v = (x: number | null) => x ?? "";
  for (const r of records) {
    table.add({
      id: r.id, mode: r.mode, consumers: r.consumers, patients: r.patients, bottleneck_bw_mbps: r.bottleneckBw, seed: r.seed,
      duration_s: r.durationMs / 1000, bottleneck: r.bottleneck, bottleneck_bytes: r.bottleneckBytes, bottleneck_packets: r.bottleneckPackets,
      bottleneck_bytes_to_hospital: r.bottleneckBytesToHospital, bottleneck_bytes_to_homes: r.bottleneckBytesToHomes,
      bottleneck_utilisation: r.bottleneckUtilisation, reading_copies: r.readingCopies, bottleneck_reading_bytes: r.bottleneckReadingBytes,
      drops_bottleneck: r.drops.bottleneck, drops_total: r.drops.total, total_bytes: r.totalBytes, total_packets: r.totalPackets,
      readings_published: r.readings.published, readings_delivered: r.readings.delivered, delivery_ratio_readings: r.deliveryRatio.readings,
      alarms_raised: r.alarms.raised, alarms_expected: r.alarms.expected, alarms_delivered: r.alarms.delivered, doctors: r.alarms.doctors,
      delivery_ratio_alarms: v(r.deliveryRatio.alarms),
      reading_latency_p50_ms: v(r.readingLatencyMs.p50), reading_latency_p95_ms: v(r.readingLatencyMs.p95), reading_latency_p99_ms: v(r.readingLatencyMs.p99),
      alarm_latency_p50_ms: v(r.alarmLatencyMs.p50), alarm_latency_p95_ms: v(r.alarmLatencyMs.p95), alarm_latency_p99_ms: v(r.alarmLatencyMs.p99),
      producer_interests_gateways: r.producerLoad.gateways, producer_interests_server: r.producerLoad.server,
      simulated_s: r.simulatedSeconds, wall_s: r.wallSeconds,
    });
  }
  return table.toString();
}

/** `links.csv`: every direction of every link in every run. */
export function linksCsv(records: readonly RunRecord[]): string {
  const table = new CsvTable(LINK_COLUMNS);
  for (const r of records) {
    for (const l of r.links) {
      table.add({ id: r.id, mode: r.mode, consumers: r.consumers, patients: r.patients, bottleneck_bw_mbps: r.bottleneckBw, seed: r.seed, ...l });
    }
  }
  return table.toString();
}

/**
 * Fill in the alarms a lossless network would have raised, once every run is in: the most any
 * run of the same patients, seed and duration raised, since the physiology is the same in each.
 */
export function settleAlarmExpectations(records: RunRecord[]): void {
  const most = new Map<string, number>();
  const key = (r: RunRecord) => `${r.patients}/${r.seed}/${r.durationMs}`;
  for (const r of records) {
    most.set(key(r), Math.max(most.get(key(r)) ?? 0, r.alarms.raised));
  }
  for (const r of records) {
    r.alarms.expected = most.get(key(r))!;
    const due = r.alarms.expected * r.alarms.doctors;
    r.deliveryRatio.alarms = due === 0 ? null : r.alarms.delivered / due;
  }
}
