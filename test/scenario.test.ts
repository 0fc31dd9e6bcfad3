import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { beforeAll, describe, expect, test } from "vitest";

import { percentile, runScenario, type ScenarioResult, type Summary } from "../src/scenario/mod.js";
import { parseTopology, readTopologyFile } from "../src/topology/mod.js";

// ann deteriorates from t=1s over 3s; ben falls at 2s; ben's home forges heart-rate 1-2 (wrong
// signer) and spo2 3 (bad signature).
describe("end to end on a small topology, with injected bad readings", () => {
  let s: Summary;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "iomt-e2e-"));
    const topology = await readTopologyFile("test/fixtures/two-homes.conf");
    ({ summary: s } = await runScenario({ topology, durationMs: 6000, seed: 7, dataDir }));
  }, 60_000);

  test("every reading is accounted for: verified, rejected or lost", () => {
    const r = s.readings;
    expect(r.published).toBeGreaterThanOrEqual(2 * 5 * 5 + 1);
    expect(r.verified + r.rejected + r.lost).toBe(r.published);
    expect(r.unmonitored).toBe(0);
    expect(r.lost).toBe(0);
  });

  test("forged readings are rejected with their reason, and counted", () => {
    expect(s.readings.forged).toBe(3);
    expect(s.readings.rejected).toBe(3);
    expect(s.readings.rejectedBy).toEqual({ policy: 2, "bad-signature": 1 });
  });

  test("the deteriorating patient raises escalating NEWS2 alarms at both doctors, with latency", () => {
    const alarms = s.alarms.filter((a) => a.patient === "ann" && a.kind === "news2");
    expect(alarms.length).toBeGreaterThanOrEqual(1);
    expect(alarms.at(-1)!.level).toBe("high");
    expect(alarms.at(-1)!.score).toBeGreaterThanOrEqual(7);
    for (const a of alarms) {
      expect(a.receivedBy.map((r) => r.doctor).sort()).toEqual(["h/doctor1", "h/doctor2"]);
      expect(a.latencyMs).toBeGreaterThan(0);
      expect(a.latencyMs).toBeLessThan(2000);
    }
    expect(s.patients.find((p) => p.id === "ann")).toMatchObject({ name: "/h/patient/ann", hospital: "h", level: "high" });
  });

  test("the fall raises an alarm", () => {
    const fall = s.alarms.find((a) => a.patient === "ben" && a.kind === "fall");
    expect(fall).toMatchObject({ level: "medium", name: "/h/alarm/ben/seq=0" });
    expect(fall!.receivedBy).toHaveLength(2);
  });

  test("the healthy patient stays low", () => {
    expect(s.patients.find((p) => p.id === "ben")!.news2).toBeLessThanOrEqual(4);
    expect(s.alarms.filter((a) => a.patient === "ben" && a.kind === "news2")).toEqual([]);
  });

  test("summary: the alarm latency percentiles are those of the receipts", () => {
    const latencies = s.alarms.flatMap((a) => a.receivedBy.map((r) => r.latencyMs)).sort((x, y) => x - y);
    expect(latencies.length).toBeGreaterThanOrEqual(4);
    expect(s.alarmLatencyMs).toEqual({
      receipts: latencies.length, p50: percentile(latencies, 0.5), p95: percentile(latencies, 0.95), p99: percentile(latencies, 0.99), max: latencies.at(-1),
    });
    expect(s.patients.map((p) => p.id).sort()).toEqual(["ann", "ben"]);
  });

  test("keys persist under each node's data directory", async () => {
    expect((await readdir(path.join(dataDir, "nodes"))).sort()).toEqual(["h", "home1", "home2"]);
    // ann's gateway and her four devices: a private key and a certificate each
    const files = (await readdir(path.join(dataDir, "nodes", "home1", "keys"))).sort();
    expect(files).toHaveLength(10);
    expect(files).toContain("h_patient_ann.key.pem");
    expect(files).toContain("h_patient_ann_device_pulse-oximeter.cert.base64");
  });
});

test("a hospital without a monitor: its readings are reported unmonitored, and the run does not wait for them", async () => {
  const topology = parseTopology("[nodes]\nh: _ role=hospital monitor=no\nx: _ role=home patients=q\n[links]\nx:h delay=1ms\n", "no-monitor.conf");
  const started = Date.now();
  const { summary } = await runScenario({ topology, durationMs: 1500, seed: 1 });
  expect(Date.now() - started).toBeLessThan(5000);
  expect(summary.readings).toMatchObject({ verified: 0, rejected: 0, lost: 0 });
  expect(summary.readings.unmonitored).toBe(summary.readings.published);
  expect(summary.readings.published).toBeGreaterThan(0);
  expect(summary.patients[0]).toMatchObject({ id: "q", news2: null });
});

test("the same topology, scenario and seed give identical traces and summaries", async () => {
  const topology = await readTopologyFile("test/fixtures/two-homes.conf");
  const runs = [];
  for (let i = 0; i < 2; ++i) {
    runs.push(await runScenario({ topology, durationMs: 20_000, seed: 11 }));
  }
  const [a, b] = runs as [ScenarioResult, ScenarioResult];
  for (const file of ["links.csv", "readings.csv", "alarms.csv"]) {
    expect(b.traces[file]).toBe(a.traces[file]);
  }
  expect(a.traces["readings.csv"]!.split("\n").length).toBeGreaterThan(150);
  const { wallSeconds: _wa, peakRssMiB: _ma, ...sa } = a.summary;
  const { wallSeconds: _wb, peakRssMiB: _mb, ...sb } = b.summary;
  expect(sb).toEqual(sa);
  expect(JSON.stringify(b.observations)).toBe(JSON.stringify(a.observations));
  // Another seed, another run.
  const c = await runScenario({ topology, durationMs: 20_000, seed: 12 });
  expect(c.summary.patients).not.toEqual(a.summary.patients); // other baselines and noise
});

test("the same scenario runs in real time too, with the NDNts keychain", async () => {
  const topology = await readTopologyFile("test/fixtures/two-homes.conf");
  const { summary } = await runScenario({ topology, durationMs: 4000, seed: 7, clock: "real" });
  expect(summary.clock).toBe("real");
  expect(summary.readings.rejected).toBe(summary.readings.forged);
  expect(summary.readings.verified + summary.readings.rejected + summary.readings.lost).toBe(summary.readings.published);
  expect(summary.alarms.some((a) => a.kind === "fall" && a.receivedBy.length === 2)).toBe(true);
}, 30_000);

test("modes: ndn and ndn-nocache aggregate the two doctors' equal alarm Interests; ip and cloud switch the node layer off", async () => {
  const topology = await readTopologyFile("test/fixtures/two-homes.conf");
  const runs = new Map<string, Summary>();
  for (const mode of ["ndn", "ndn-nocache", "ip", "cloud"] as const) {
    runs.set(mode, (await runScenario({ topology, durationMs: 6000, seed: 7, mode })).summary);
  }
  const at = (mode: string, node: string) => runs.get(mode)!.nodes.find((n) => n.node === node)!;
  expect(runs.get("ndn")!.mode).toBe("ndn");
  expect(at("ndn", "h").aggregated).toBeGreaterThan(0);
  expect(at("ndn-nocache", "h").aggregated).toBeGreaterThan(0);
  expect(at("ndn-nocache", "h").csHits).toBe(0);
  expect(at("ip", "h")).toMatchObject({ aggregated: 0, csHits: 0 });
  for (const s of runs.values()) {
    expect(s.readings.verified).toBe(runs.get("ndn")!.readings.verified);
    expect(s.alarms.every((a) => a.receivedBy.length === 2)).toBe(true);
  }
});

test("cloud mode: readings reach the monitor through the central server, still verified end to end", async () => {
  const topology = await readTopologyFile("test/fixtures/two-homes.conf");
  const { summary } = await runScenario({ topology, durationMs: 6000, seed: 7, mode: "cloud" });
  const carried = (from: string, to: string) => summary.links.find((l) => l.from === from && l.to === to)!.data;
  expect(carried("r", "c")).toBeGreaterThan(40); // every reading goes up to the cloud...
  expect(carried("c", "r")).toBeGreaterThan(40); // ...and down again to the monitor
  expect(summary.readings.rejectedBy).toEqual({ policy: 2, "bad-signature": 1 }); // forgeries are still caught
  expect(summary.readings.verified + summary.readings.rejected + summary.readings.lost).toBe(summary.readings.published);
  const ndn = (await runScenario({ topology, durationMs: 6000, seed: 7 })).summary;
  expect(ndn.links.find((l) => l.from === "r" && l.to === "c")!.packets).toBe(0); // the cloud is idle in ndn mode
});

test("cloud mode without a cloud node says so", async () => {
  const topology = parseTopology("[nodes]\nh: _ role=hospital\nx: _ role=home\n[links]\nx:h\n", "t.conf");
  await expect(runScenario({ topology, durationMs: 1000, seed: 1, mode: "cloud" })).rejects.toThrow(/mode cloud needs a node with role=cloud in t.conf/);
});

test("hospitals share the consultation ledger: every record confirmed at every hospital by the end, in the same order, none divergent", async () => {
  const topology = await readTopologyFile("test/fixtures/three-hospitals.conf");
  const { summary } = await runScenario({ topology, durationMs: 180_000, seed: 5 });
  const k = summary.consultation!;
  expect(k.hospitals).toBe(3);
  expect(k.records).toBeGreaterThan(3);
  expect(k.divergent).toBe(0);
  expect(k.equivocations).toBe(0);
  expect(k.confirmed).toBe(k.records); // the drain waits for the last records' confirmation
  expect(k.replicationMs.p50).toBeGreaterThan(0);
  expect(k.replicationMs.p95).toBeLessThan(1000);
  expect(k.confirmMs.p50).toBeGreaterThan(k.replicationMs.p50!);
  const single = (await runScenario({ topology: await readTopologyFile("test/fixtures/two-homes.conf"), durationMs: 2000, seed: 1 })).summary;
  expect(single.consultation).toBeUndefined();
}, 60_000);

test("percentile is nearest-rank", () => {
  const xs = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
  expect([percentile(xs, 0.5), percentile(xs, 0.95), percentile(xs, 0.99), percentile(xs, 0.1)]).toEqual([50, 100, 100, 10]);
  expect(percentile([], 0.5)).toBeNull();
});
