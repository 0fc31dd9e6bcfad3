import { expect, test } from "vitest";

import { renderPlots } from "../src/experiment/plots.js";
import { formatReport } from "../src/experiment/report.js";
import type { RunRecord } from "../src/experiment/run-record.js";
import { meanCi, ratioCi } from "../src/experiment/statistics.js";
import type { ForwardingMode } from "../src/scenario/mod.js";

const MODES: readonly ForwardingMode[] = ["ndn", "ndn-nocache", "ip", "cloud"];
const NDN_OCTETS = 120_000;

/** A run with plausible figures; `overrides` set what a test is about. */
function record(overrides: Partial<RunRecord>): RunRecord {
  const base: RunRecord = {
    id: 0, mode: "ndn", consumers: 1, patients: 8, bottleneckBw: 10, seed: 1, durationMs: 15_000,
    bottleneck: "access>hospital",
    bottleneckBytes: NDN_OCTETS * 1.1, bottleneckPackets: 1500,
    bottleneckBytesToHospital: NDN_OCTETS, bottleneckBytesToHomes: NDN_OCTETS * 0.1,
    bottleneckUtilisation: 0.01, readingCopies: 1, bottleneckReadingBytes: 100_000,
    drops: { bottleneck: 0, total: 0 },
    totalBytes: NDN_OCTETS * 4, totalPackets: 6000,
    readings: { published: 960, delivered: 960, lost: 0, rejected: 0, outstanding: 0 },
    alarms: { raised: 3, expected: 3, expectedFromLossless: true, delivered: 3, doctors: 1 },
    deliveryRatio: { readings: 1, alarms: 1 },
    readingLatencyMs: { p50: 20, p95: 40, p99: 60 },
    alarmLatencyMs: { p50: 25, p95: 45, p99: 70 },
    readingLatencyQuantiles: Array.from({ length: 101 }, (_, i) => 10 + i),
    producerLoad: { gateways: 960, server: 0 },
    links: [],
    simulatedSeconds: 17, wallSeconds: 2,
  };
  return { ...base, ...overrides };
}

/**
 * 4 modes × K ∈ {1, 4} × bandwidth ∈ `bandwidths` × 3 seeds: ndn and ndn-nocache carry one copy,
 * ip and the cloud K (ip's octets K × ndn's, give or take 1% per seed); the narrow link drops some.
 */
function sweep(bandwidths: readonly number[] = [1, 10]): RunRecord[] {
  const records: RunRecord[] = [];
  for (const consumers of [1, 4]) {
    for (const bottleneckBw of bandwidths) {
      for (const seed of [1, 2, 3]) {
        const ndnOctets = NDN_OCTETS + 1000 * seed;
        for (const mode of MODES) {
          const copies = mode === "ip" || mode === "cloud" ? consumers : 1;
          const octets = ndnOctets * copies * (mode === "ndn" ? 1 : 1 + 0.01 * (seed - 2));
          const congested = bottleneckBw === 1 && copies > 1;
          records.push(record({
            id: records.length, mode, consumers, bottleneckBw, seed,
            bottleneckBytesToHospital: octets, readingCopies: copies,
            drops: { bottleneck: congested ? 50 * seed : 0, total: congested ? 50 * seed : 0 },
            deliveryRatio: { readings: congested ? 0.9 : 1, alarms: 1 },
            producerLoad: { gateways: mode === "cloud" ? 0 : 960 * copies, server: mode === "cloud" ? 960 * consumers : 0 },
          }));
        }
      }
    }
  }
  return records;
}

const META = { command: "iomt experiment congestion --quick", machine: "test machine", wallSeconds: 75, topology: "topologies/congestion.conf", bottleneck: "access → hospital" };

test("meanCi: Student's t interval across seeds; one value has none", () => {
  const ci = meanCi([1, 2, 3]);
  expect(ci.mean).toBe(2);
  expect(ci.n).toBe(3);
  expect(ci.high - ci.mean).toBeCloseTo(4.303 / Math.sqrt(3), 6); // s = 1, df = 2
  expect(ci.mean - ci.low).toBeCloseTo(2.484, 3);
  expect(meanCi([5])).toEqual({ mean: 5, low: 5, high: 5, n: 1 });
  const many = meanCi(Array.from({ length: 40 }, (_, i) => i % 2)); // df 39: past the table, 1.96
  expect(many.high - many.mean).toBeCloseTo(1.96 * Math.sqrt(40 / 39 / 4) / Math.sqrt(40), 9);
});

test("ratioCi: the mean of per-seed ratios, skipping zero denominators", () => {
  expect(ratioCi([[2, 1], [4, 2], [5, 0]])).toEqual({ mean: 2, low: 2, high: 2, n: 2 });
  const ci = ratioCi([[3, 1], [4, 1], [5, 1]]);
  expect(ci.mean).toBe(4);
  expect(ci.high).toBeCloseTo(4 + 4.303 / Math.sqrt(3), 6);
  expect(ratioCi([[1, 0]]).n).toBe(0);
});

test("renderPlots: four SVGs, the traffic plot with every mode and the reference lines", async () => {
  const plots = await renderPlots(sweep());
  expect(plots.map((p) => p.file)).toEqual(["bottleneck-traffic.svg", "latency.svg", "drops.svg", "delivery.svg"]);
  for (const p of plots) {
    expect(p.svg.startsWith("<svg")).toBe(true);
  }
  const traffic = plots[0]!;
  for (const label of [...MODES, "ideal NDN (one copy)", "K copies (unicast)"]) {
    expect(traffic.svg).toContain(`>${label}</text>`);
  }
  expect(traffic.title).toContain("at 10 Mbit/s and 8 patients");
  expect(traffic.svg).toContain("kB toward the hospital");
  expect(plots[1]!.title).toContain("at K = 4");
  expect(plots[1]!.svg).toContain("1 Mbit/s");
  expect(plots[1]!.svg).toContain("10 Mbit/s");
});

test("renderPlots: one bandwidth leaves nothing to draw against bandwidth", async () => {
  const plots = await renderPlots(sweep([10]));
  expect(plots.map((p) => p.file)).toEqual(["bottleneck-traffic.svg", "latency.svg"]);
});

test("formatReport: ratios with intervals per K, the sweep, per-mode tables, every plot linked", async () => {
  const records = sweep();
  const plots = await renderPlots(records);
  const report = formatReport(records, plots, META);

  const relief = tableAfter(report, "## Relief at the bottleneck");
  const ipOverNdn = relief.header.indexOf("ip / ndn");
  const cloudOverNdn = relief.header.indexOf("cloud / ndn");
  const row = (k: number) => relief.rows.find((r) => r[0] === String(k))!;
  const ratioAtK4 = /^([\d.]+)× \[([\d.]+), ([\d.]+)\]$/.exec(row(4)[ipOverNdn]!)!;
  expect(Number(ratioAtK4[1])).toBeCloseTo(4, 1);
  expect(Number(ratioAtK4[2])).toBeLessThan(4);
  expect(Number(ratioAtK4[3])).toBeGreaterThan(4);
  expect(row(1)[ipOverNdn]).toMatch(/^1\.0× \[/);
  expect(row(4)[cloudOverNdn]).toMatch(/^4\.0× \[/);
  expect(row(4)[relief.header.indexOf("ndn reading copies (ideal 1)")]).toBe("1.00 [1.00, 1.00]");
  expect(row(4)[relief.header.indexOf("ip reading copies (unicast: K)")]).toBe("4.00 [4.00, 4.00]");
  expect(row(1)[relief.header.indexOf("ndn octets toward the hospital")]).toMatch(/^122 kB \[\d+, \d+\]$/);

  expect(report).toContain("`iomt experiment congestion --quick`");
  expect(report).toContain("access → hospital");
  expect(report).toContain("**Consumers K**: 1, 4");
  expect(report).toContain("**Seeds**: 3 (1, 2, 3)");
  expect(report).toContain("**Wall time**: 1 min 15 s");
  for (const p of plots) {
    expect(report).toContain(`![${p.title}](${p.file})`);
  }

  const ip = tableAfter(report, "### ip");
  const narrow = ip.rows.find((r) => r[0] === "1")!;
  expect(narrow[ip.header.indexOf("readings delivered")]).toBe("90.0%");
  expect(narrow[ip.header.indexOf("bottleneck drops")]).toBe("100"); // seeds 50, 100, 150
  expect(narrow[ip.header.indexOf("reading latency p50 / p95 / p99 (ms)")]).toBe("20 / 40 / 60");

  const load = tableAfter(report, "## Producer load");
  expect(load.rows.find((r) => r[0] === "ip")!.slice(1)).toEqual(["3840", "4", "0", "0"]);
  expect(load.rows.find((r) => r[0] === "cloud")!.slice(1)).toEqual(["0", "0", "3840", "4"]);
  expect(report.trimEnd().split("\n").at(-1)).toMatch(/confidence intervals across seeds/);
});

/** The first Markdown table after `heading`: its header cells and its rows' cells. */
function tableAfter(markdown: string, heading: string): { header: string[]; rows: string[][] } {
  const lines = markdown.slice(markdown.indexOf(heading)).split("\n");
  const start = lines.findIndex((l) => l.startsWith("|"));
  const tableLines = lines.slice(start, lines.findIndex((l, i) => i > start && !l.startsWith("|")));
  const cells = (line: string) => line.slice(2, -2).split(" | ");
  return { header: cells(tableLines[0]!), rows: tableLines.slice(2).map(cells) };
}

test("one seed at one K: the traffic plot still drawn, the report says there is no interval", async () => {
  const records = sweep([10]).filter((r) => r.seed === 1 && r.consumers === 4);
  const plots = await renderPlots(records);
  expect(plots.map((p) => p.file)).toEqual(["bottleneck-traffic.svg", "latency.svg"]);
  expect(plots[0]!.title).toContain("1 seed, no CI");
  const relief = tableAfter(formatReport(records, plots, META), "## Relief at the bottleneck");
  expect(relief.rows).toEqual([["4", "121 kB (1 seed)", "4.0× (1 seed)", "4.0× (1 seed)", "1.0× (1 seed)", "1.00 (1 seed)", "4.00 (1 seed)"]]);
});
