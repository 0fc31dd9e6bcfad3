import { CsvTable } from "../trace/mod.js";
import type { RunRecord } from "./run-record.js";

const RESULT_COLUMNS = [
  "id", "mode", "consumers", "patients", "bottleneck_bw_mbps", "seed", "duration_s",
  "bottleneck", "bottleneck_bytes", "bottleneck_packets", "bottleneck_bytes_to_hospital", "bottleneck_bytes_to_homes",
  "bottleneck_utilisation", "reading_copies", "bottleneck_reading_bytes", "drops_bottleneck", "drops_total", "total_bytes", "total_packets",
  "readings_published", "readings_delivered", "readings_lost", "readings_rejected", "readings_outstanding", "delivery_ratio_readings",
  "alarms_raised", "alarms_expected", "alarms_expected_from_lossless", "alarms_delivered", "doctors", "delivery_ratio_alarms",
  "reading_latency_p50_ms", "reading_latency_p95_ms", "reading_latency_p99_ms",
  "alarm_latency_p50_ms", "alarm_latency_p95_ms", "alarm_latency_p99_ms",
  "producer_answered_gateways", "producer_answered_server", "simulated_s", "wall_s",
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
      readings_published: r.readings.published, readings_delivered: r.readings.delivered,
      readings_lost: r.readings.lost, readings_rejected: r.readings.rejected, readings_outstanding: r.readings.outstanding,
      delivery_ratio_readings: r.deliveryRatio.readings,
      alarms_raised: r.alarms.raised, alarms_expected: r.alarms.expected,
      alarms_expected_from_lossless: r.alarms.expectedFromLossless ? "yes" : "no", alarms_delivered: r.alarms.delivered, doctors: r.alarms.doctors,
      delivery_ratio_alarms: v(r.deliveryRatio.alarms),
      reading_latency_p50_ms: v(r.readingLatencyMs.p50), reading_latency_p95_ms: v(r.readingLatencyMs.p95), reading_latency_p99_ms: v(r.readingLatencyMs.p99),
      alarm_latency_p50_ms: v(r.alarmLatencyMs.p50), alarm_latency_p95_ms: v(r.alarmLatencyMs.p95), alarm_latency_p99_ms: v(r.alarmLatencyMs.p99),
      producer_answered_gateways: r.producerLoad.gateways, producer_answered_server: r.producerLoad.server,
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
