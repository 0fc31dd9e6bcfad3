import type { ForwardingMode } from "../scenario/mod.js";
import { bandwidthSlice, consumerSlice, distinctSorted, modesIn, octetUnit } from "./plots.js";
import type { RunRecord } from "./run-record.js";
import { type MeanCi, mean, meanCi, ratioCi } from "./statistics.js";

/** What the records do not say about the experiment: how and where it was run. */
export interface ReportMeta {
  command: string;
  machine: string;
  wallSeconds: number;
  topology: string;
  /** The bottleneck link, for people: `access → hospital`. */
  bottleneck: string;
}

/** The modes whose bottleneck octets are set against ndn's, in the relief table's order. */
const COMPARED_WITH_NDN: readonly ForwardingMode[] = ["ip", "cloud", "ndn-nocache"];

/** `report.md`: what was run, the relief with its confidence intervals, delivery and latency, producer load, the plots. */
export function formatReport(
  records: readonly RunRecord[],
  plots: ReadonlyArray<{ file: string; title: string }>,
  meta: ReportMeta,
): string {
  const title = "# Congestion relief: NDN against IP and the cloud";
  if (records.length === 0) {
    return `${title}\n\nNo run was recorded (\`${meta.command}\`).\n`;
  }
  return `${[
    title,
    whatWasRun(records, meta),
    reliefSection(records, meta.bottleneck),
    deliverySection(records),
    producerLoadSection(records),
    plotsSection(plots),
    howToRead(),
  ].join("\n\n")}\n`;
}

function whatWasRun(records: readonly RunRecord[], meta: ReportMeta): string {
  const list = (values: readonly number[]) => values.join(", ");
  const seeds = distinctSorted(records.map((r) => r.seed));
  const durations = distinctSorted(records.map((r) => r.durationMs / 1000));
  return [
    "## What was run",
    "",
    `- **Command**: \`${meta.command}\``,
    `- **Topology**: \`${meta.topology}\``,
    `- **Bottleneck**: ${meta.bottleneck}, at ${list(distinctSorted(records.map((r) => r.bottleneckBw)).reverse())} Mbit/s`,
    `- **Modes**: ${modesIn(records).join(", ")}`,
    `- **Consumers K**: ${list(distinctSorted(records.map((r) => r.consumers)))}`,
    `- **Patients**: ${list(distinctSorted(records.map((r) => r.patients)))}`,
    `- **Seeds**: ${seeds.length} (${list(seeds)})`,
    `- **Sensing**: ${list(durations)} s per run (${formatNumber(mean(records.map((r) => r.simulatedSeconds)))} s simulated on average, with the drain)`,
    `- **Runs**: ${records.length}, ${formatDuration(mean(records.map((r) => r.wallSeconds)))} of wall time each on average`,
    `- **Machine**: ${meta.machine}`,
    `- **Wall time**: ${formatDuration(meta.wallSeconds)}`,
  ].join("\n");
}

/** Octets toward the hospital against ndn's, and reading copies, per K: the relief NDN gives. */
function reliefSection(records: readonly RunRecord[], bottleneck: string): string {
  const slice = consumerSlice(records);
  const modes = modesIn(slice.records);
  const heading = "## Relief at the bottleneck";
  if (!modes.includes("ndn")) {
    return `${heading}\n\nMode ndn was not run: there is nothing to set the other modes against.`;
  }
  const compared = COMPARED_WITH_NDN.filter((m) => modes.includes(m));
  const toHospital = (r: RunRecord) => r.bottleneckBytesToHospital;
  const header = [
    "K",
    "ndn octets toward the hospital",
    ...compared.map((m) => `${m} / ndn`),
    "ndn reading copies (ideal 1)",
    ...(modes.includes("ip") ? ["ip reading copies (unicast: K)"] : []),
  ];
  const rows = distinctSorted(slice.records.map((r) => r.consumers)).map((k) => {
    const atK = slice.records.filter((r) => r.consumers === k);
    const copies = (mode: ForwardingMode) => formatCountCi(meanCi(ofMode(atK, mode).map((r) => r.readingCopies)));
    return [
      String(k),
      formatOctetsCi(meanCi(ofMode(atK, "ndn").map(toHospital))),
      ...compared.map((m) => formatRatioCi(ratioCi(matchedPairs(atK, m, "ndn", toHospital)))),
      copies("ndn"),
      ...(modes.includes("ip") ? [copies("ip")] : []),
    ];
  });
  return [
    heading,
    "",
    `Octets toward the hospital on the bottleneck (${bottleneck}) at ${slice.bottleneckBw} Mbit/s and ${slice.patients} patients. ` +
      "Each ratio is taken per seed, between runs of the same seed, K, patients and bandwidth; " +
      "the table gives the mean of those ratios and its 95% confidence interval across seeds. " +
      "Reading copies: reading Data packets that crossed the bottleneck per distinct reading.",
    "",
    markdownTable(header, rows),
  ].join("\n");
}

/** Per mode, delivery, drops, utilisation and latency across the bandwidth sweep, at the most consumers. */
function deliverySection(records: readonly RunRecord[]): string {
  const slice = bandwidthSlice(records);
  const header = [
    "bottleneck (Mbit/s)",
    "readings delivered",
    "alarms delivered",
    "bottleneck drops",
    "utilisation",
    "reading latency p50 / p95 / p99 (ms)",
    "alarm latency p50 / p95 (ms)",
  ];
  const tables = modesIn(slice.records).map((mode) => {
    const rows = distinctSorted(slice.records.map((r) => r.bottleneckBw)).reverse().flatMap((bw) => {
      const runs = ofMode(slice.records, mode).filter((r) => r.bottleneckBw === bw);
      if (runs.length === 0) {
        return [];
      }
      const of = (metric: (r: RunRecord) => number | null) => meanOfKnown(runs.map(metric));
      return [[
        String(bw),
        formatPercent(of((r) => r.deliveryRatio.readings)),
        formatPercent(of((r) => r.deliveryRatio.alarms)),
        formatOptional(of((r) => r.drops.bottleneck)),
        formatPercent(of((r) => r.bottleneckUtilisation)),
        [of((r) => r.readingLatencyMs.p50), of((r) => r.readingLatencyMs.p95), of((r) => r.readingLatencyMs.p99)].map(formatOptional).join(" / "),
        [of((r) => r.alarmLatencyMs.p50), of((r) => r.alarmLatencyMs.p95)].map(formatOptional).join(" / "),
      ]];
    });
    return `### ${mode}\n\n${markdownTable(header, rows)}`;
  });
  return [
    "## Delivery, drops and latency against bandwidth",
    "",
    `At K = ${slice.consumers} and ${slice.patients} patients; means over seeds (latency percentiles: the mean of each seed's). ` +
      "Readings delivered: verified by a consumer / (published × K); alarms delivered: receipts by doctors / " +
      "(alarms a lossless network raises × doctors); – where there was nothing to measure.",
    "",
    tables.join("\n\n"),
  ].join("\n");
}

/** Interests the producers answered, per mode, at the most consumers and the largest bandwidth and patient count. */
function producerLoadSection(records: readonly RunRecord[]): string {
  const slice = consumerSlice(records);
  const consumers = Math.max(...slice.records.map((r) => r.consumers));
  const runs = slice.records.filter((r) => r.consumers === consumers);
  const perReading = (load: (r: RunRecord) => number, modeRuns: readonly RunRecord[]) =>
    formatOptional(ratioCi(modeRuns.map((r) => [load(r), r.readings.published] as const)).mean);
  const rows = modesIn(runs).map((mode) => {
    const modeRuns = ofMode(runs, mode);
    return [
      mode,
      formatOptional(mean(modeRuns.map((r) => r.producerLoad.gateways))),
      perReading((r) => r.producerLoad.gateways, modeRuns),
      formatOptional(mean(modeRuns.map((r) => r.producerLoad.server))),
      perReading((r) => r.producerLoad.server, modeRuns),
    ];
  });
  return [
    "## Producer load",
    "",
    `Interests for readings that the home gateways answered, and the cloud server (mode cloud), at K = ${consumers}, ` +
      `${slice.bottleneckBw} Mbit/s and ${slice.patients} patients; means over seeds.`,
    "",
    markdownTable(["mode", "home gateways", "per reading published", "cloud server", "per reading published"], rows),
  ].join("\n");
}

function plotsSection(plots: ReadonlyArray<{ file: string; title: string }>): string {
  const body = plots.length === 0
    ? "None: the sweep had too few points to draw."
    : plots.map((p) => `![${p.title}](${p.file})`).join("\n\n");
  return `## Plots\n\n${body}`;
}

function howToRead(): string {
  return [
    "## How to read this",
    "",
    "The ideal for NDN is one copy of each reading across the bottleneck whatever K: the hospital's Content Store " +
      "and its aggregation of pending Interests serve every consumer beyond the first. That is the dashed line of the " +
      "traffic plot (ndn at the smallest K, carried to every K) and reading copies of 1. A mode with no relief has " +
      "reading copies of K: every consumer's copy crosses the bottleneck. Its octets grow a little slower than the " +
      "dotted line (K times ndn's octets at the smallest K), because certificates and ledger blocks cross once in " +
      "every mode; the cloud's grow faster, each reading being wrapped in the server's Data. A ratio near 1 means " +
      "the mode costs the bottleneck what ndn does. Readings still outstanding when a run ends (8 s after sensing " +
      "stops) count as undelivered: results.csv gives lost, rejected and outstanding apart. " +
      "Intervals are 95% confidence intervals across seeds (Student's t over the per-seed values; one seed gives " +
      "none): where two modes' intervals overlap, the seeds do not tell them apart. Delivery below 100% with drops " +
      "means the bottleneck is too narrow for that mode at that K.",
  ].join("\n");
}

function ofMode(records: readonly RunRecord[], mode: ForwardingMode): RunRecord[] {
  return records.filter((r) => r.mode === mode);
}

/** [numerator mode's metric, denominator mode's metric] for each pair of runs of the same seed, K, patients and bandwidth. */
function matchedPairs(
  records: readonly RunRecord[],
  numerator: ForwardingMode,
  denominator: ForwardingMode,
  metric: (r: RunRecord) => number,
): Array<[number, number]> {
  const key = (r: RunRecord) => `${r.seed}/${r.consumers}/${r.patients}/${r.bottleneckBw}`;
  const denominators = new Map(ofMode(records, denominator).map((r) => [key(r), metric(r)]));
  return ofMode(records, numerator).flatMap((r) => {
    const d = denominators.get(key(r));
    return d === undefined ? [] : [[metric(r), d] as [number, number]];
  });
}

/** The mean of the values measured, leaving out the runs that had nothing to measure (null); undefined if none had. */
function meanOfKnown(values: ReadonlyArray<number | null>): number | undefined {
  const known = values.filter((v) => v !== null);
  return known.length === 0 ? undefined : mean(known);
}

function markdownTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** `7.9× [7.8, 8.0]`: the unit on the mean only, so the interval reads as a range; `7.9× (1 seed)`; – for nothing. */
function formatCi(ci: MeanCi, decimals: number, unit = ""): string {
  if (ci.n === 0) {
    return "–";
  }
  const value = `${ci.mean.toFixed(decimals)}${unit}`;
  return ci.n === 1 ? `${value} (1 seed)` : `${value} [${ci.low.toFixed(decimals)}, ${ci.high.toFixed(decimals)}]`;
}

/** A ratio to one decimal, which the seeds' spread rarely justifies going past. */
function formatRatioCi(ci: MeanCi): string {
  return formatCi(ci, 1, "×");
}

/** Reading copies, to three significant figures: `1.00 [1.00, 1.00]`. */
function formatCountCi(ci: MeanCi): string {
  return formatCi(ci, significantDecimals(ci.mean));
}

/** Octets in kB or MB, the unit chosen by the mean: `123 kB [120, 126]`. */
function formatOctetsCi(ci: MeanCi): string {
  const { name, divisor } = octetUnit(ci.mean);
  const scaled = { ...ci, mean: ci.mean / divisor, low: ci.low / divisor, high: ci.high / divisor };
  return formatCi(scaled, significantDecimals(scaled.mean), ` ${name}`);
}

/** Decimals for three significant figures or so, no exponent: 0.123, 1.23, 12.3, 123, 1234. */
function significantDecimals(x: number): number {
  const magnitude = Math.abs(x);
  return magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3;
}

/** A value alone: whole numbers without decimals, others to three significant figures. */
function formatNumber(x: number): string {
  return x.toFixed(Number.isInteger(x) ? 0 : significantDecimals(x));
}

function formatOptional(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? "–" : formatNumber(x);
}

function formatPercent(x: number | undefined): string {
  return x === undefined ? "–" : `${(x * 100).toFixed(1)}%`;
}

/** `48.3 s`, `3 min 12 s`, `1 h 5 min`. */
function formatDuration(seconds: number): string {
  if (seconds < 60) {
    return `${seconds.toFixed(1)} s`;
  }
  const whole = Math.round(seconds);
  const minutes = Math.floor(whole / 60);
  return minutes < 60 ? `${minutes} min ${whole % 60} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
