import { execFile } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

import { expect, test } from "vitest";

import { runCongestionPoint } from "../src/experiment/congestion-run.js";
import { planRuns, type Sweep } from "../src/experiment/plan.js";
import type { RunRecord, RunSpec } from "../src/experiment/run-record.js";
import { experimentTopology, findBottleneck } from "../src/experiment/topology-variant.js";
import { parseTopology, readTopologyFile } from "../src/topology/mod.js";

const run = promisify(execFile);

/** One home, one patient, one stream: the analytic case. */
const ONE_STREAM = parseTopology(`
[nodes]
hospital: _ role=hospital doctors=1 monitor=yes
access: _ role=router
cloud: _ role=cloud
home1: _ role=home patients=p1 sensors=heart-rate
[links]
home1:access delay=5ms bw=20
access:hospital delay=10ms bw=10
access:cloud delay=5ms bw=100
`, "one-stream.conf");

const spec = (s: Partial<RunSpec>): RunSpec => ({ id: 0, mode: "ndn", consumers: 1, patients: 1, bottleneckBw: 10, seed: 1, durationMs: 20_000, ...s });

test("the bottleneck is the link every home's path to its hospital crosses, nearest the hospital; or the one named", async () => {
  const t = await readTopologyFile("topologies/congestion.conf");
  expect(findBottleneck(t)).toEqual({ from: "access", to: "hospital" });
  expect(findBottleneck(t, "hospital:access")).toEqual({ from: "access", to: "hospital" }); // oriented toward the hospital
  expect(() => findBottleneck(t, "home1:hospital")).toThrow("has no link between home1 and hospital");
  expect(() => findBottleneck(t, "access")).toThrow("expected a link as a:b");
  const twoWays = parseTopology("[nodes]\nh: _ role=hospital\nr1: _\nr2: _\na: _ role=home\nb: _ role=home\n[links]\na:r1\nb:r2\nr1:h\nr2:h\n", "two-ways.conf");
  expect(() => findBottleneck(twoWays)).toThrow("two-ways.conf: no link is on every home's path to its hospital; name the bottleneck with --bottleneck a:b");
});

test("a run's topology: the first N patients, K-1 stations beside the monitoring hospital, the bottleneck at the run's bandwidth", async () => {
  const base = await readTopologyFile("topologies/congestion.conf");
  const bottleneck = findBottleneck(base);
  const t = experimentTopology(base, { patients: 3, consumers: 4, bottleneck, bottleneckBw: 0.5 });
  expect([...t.nodes.values()].filter((n) => n.role === "home").map((n) => n.name)).toEqual(["home1", "home2", "home3"]);
  expect(t.links.some((l) => l.a === "home4" || l.b === "home4")).toBe(false);
  expect([...t.nodes.values()].filter((n) => n.role === "station").map((n) => `${n.name}@${n.hospital}`))
    .toEqual(["hospital-station1@hospital", "hospital-station2@hospital", "hospital-station3@hospital"]);
  expect(t.links.find((l) => l.a === "access" && l.b === "hospital")?.bandwidthMbps).toBe(0.5);
  expect(base.links.find((l) => l.a === "access" && l.b === "hospital")?.bandwidthMbps).toBe(10); // the base is untouched
  expect(() => experimentTopology(base, { patients: 9, consumers: 1, bottleneck, bottleneckBw: 1 })).toThrow("has 8 patients (use 1 to 8)");
  expect(() => experimentTopology(base, { patients: 1, consumers: 0, bottleneck, bottleneckBw: 1 })).toThrow("at least 1");
});

test("the cross design sweeps each variable with the others at their largest; full runs every combination", () => {
  const sweep: Sweep = { modes: ["ndn", "ip"], consumers: [1, 2, 4], patients: [2, 8], bottleneckBw: [10, 1], seeds: 2, durationMs: 1000, design: "cross" };
  const points = (runs: RunSpec[]) => new Set(runs.map((r) => `${r.consumers}/${r.patients}/${r.bottleneckBw}`));
  const cross = planRuns(sweep);
  expect([...points(cross)].sort()).toEqual(["1/8/10", "2/8/10", "4/2/10", "4/8/1", "4/8/10"]);
  expect(cross).toHaveLength(5 * 2 * 2);
  expect(cross.map((r) => r.id)).toEqual(cross.map((_, i) => i));
  expect(planRuns({ ...sweep, design: "full" })).toHaveLength(3 * 2 * 2 * 2 * 2);
});

test("analytic case: K consumers of one stream, no loss: NDN carries one copy of each reading across the bottleneck, IP and the cloud K", async () => {
  const setup = { topology: ONE_STREAM, bottleneck: findBottleneck(ONE_STREAM) };
  const K = 4;
  const records: Record<string, RunRecord> = {};
  for (const mode of ["ndn", "ndn-nocache", "ip", "cloud"] as const) {
    records[mode] = await runCongestionPoint(setup, spec({ mode, consumers: K })); // one at a time: one virtual clock
  }
  for (const r of Object.values(records)) {
    expect(r.readings.published).toBeGreaterThanOrEqual(19); // 1 Hz for 20 s, from a random phase
    expect(r.deliveryRatio.readings).toBe(1);
    expect(r.drops.total).toBe(0);
  }
  expect(records.ndn!.readingCopies).toBe(1);
  expect(records["ndn-nocache"]!.readingCopies).toBe(1); // pipelined Interests meet at the hospital's PIT
  expect(records.ip!.readingCopies).toBe(K);
  expect(records.cloud!.readingCopies).toBe(K);
  // In octets too: K copies of each reading, each a few octets longer for its flow component.
  const ratio = records.ip!.bottleneckReadingBytes / records.ndn!.bottleneckReadingBytes;
  expect(ratio).toBeGreaterThanOrEqual(K);
  expect(ratio).toBeLessThan(K * 1.1);
  // All traffic toward the hospital grows less: certificates and ledger blocks cross once in every mode.
  expect(records.ip!.bottleneckBytesToHospital / records.ndn!.bottleneckBytesToHospital).toBeGreaterThan(2);
  // Producer load: every consumer's Interest for every reading reaches the gateway in ip, about one in ndn.
  const published = records.ndn!.readings.published;
  expect(records.ip!.producerLoad.gateways).toBeGreaterThanOrEqual(K * published);
  expect(records.ndn!.producerLoad.gateways).toBeLessThan(2 * published);
}, 60_000);

test("as the bottleneck bandwidth shrinks, ip loses readings before ndn does", async () => {
  const base = await readTopologyFile("topologies/congestion.conf");
  const setup = { topology: base, bottleneck: findBottleneck(base) };
  const bandwidths = [1, 0.3, 0.1, 0.03];
  const firstLoss = async (mode: "ndn" | "ip") => {
    for (const bw of bandwidths) {
      const r = await runCongestionPoint(setup, spec({ mode, consumers: 8, patients: 2, bottleneckBw: bw }));
      if (r.deliveryRatio.readings < 1) {
        return bw;
      }
    }
    return 0;
  };
  const [ip, ndn] = [await firstLoss("ip"), await firstLoss("ndn")];
  expect(ip).toBeGreaterThan(0);
  expect(ip).toBeGreaterThan(ndn);
}, 120_000);

test("iomt experiment congestion --quick writes the CSV, the JSON, the plots and the report; bad arguments are named", async () => {
  const out = await mkdtemp(path.join(tmpdir(), "iomt-exp-"));
  const { stdout } = await run(process.execPath, ["bin/iomt.js", "experiment", "congestion", "--quick", "--out", out], { timeout: 150_000 });
  expect(stdout).toContain("Results in");
  const summary = JSON.parse(await readFile(path.join(out, "summary.json"), "utf8")) as { runs: Array<Record<string, unknown>> };
  expect(new Set(summary.runs.map((r) => r.mode))).toEqual(new Set(["ndn", "ndn-nocache", "ip", "cloud"]));
  expect(new Set(summary.runs.map((r) => r.consumers))).toEqual(new Set([1, 4]));
  for (const r of summary.runs) {
    for (const key of ["mode", "consumers", "patients", "bottleneckBw", "seed", "bottleneckBytes", "drops", "deliveryRatio", "alarmLatencyMs"]) {
      expect(r).toHaveProperty(key);
    }
  }
  const csv = (await readFile(path.join(out, "results.csv"), "utf8")).trim().split("\n");
  expect(csv).toHaveLength(summary.runs.length + 1);
  expect(csv[0]).toContain("bottleneck_bytes");
  for (const plot of ["bottleneck-traffic.svg", "latency.svg", "drops.svg", "delivery.svg"]) {
    expect(await readFile(path.join(out, plot), "utf8")).toMatch(/^<svg/);
  }
  const report = await readFile(path.join(out, "report.md"), "utf8");
  expect(report).toContain("bottleneck-traffic.svg");

  for (const [args, message] of [
    [["--consumers", "0"], "0 is not a positive integer"],
    [["--modes", "ndn,tcp"], "unknown mode \"tcp\""],
    [["--bottleneck-bw", "1,,2"], "expected comma-separated bandwidths"],
    [["--bottleneck", "home1:cloud"], "has no link between home1 and cloud"],
  ] as const) {
    const failed = await run(process.execPath, ["bin/iomt.js", "experiment", "congestion", "--quick", "--out", out, ...args]).then(() => "", (err: { stderr: string }) => err.stderr);
    expect(failed).toContain(message);
  }
}, 180_000);
