import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { beforeAll, describe, expect, test } from "vitest";

import { runScenario, type Summary } from "../src/scenario/mod.js";
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

  test("summary fields and alarm latency percentiles", () => {
    expect(s.alarmLatencyMs.receipts).toBe(s.alarms.reduce((n, a) => n + a.receivedBy.length, 0));
    expect(s.alarmLatencyMs.p50).toBeLessThanOrEqual(s.alarmLatencyMs.p95!);
    expect(s.patients.map((p) => p.id).sort()).toEqual(["ann", "ben"]);
  });

  test("keys persist under each node's data directory", async () => {
    expect((await readdir(path.join(dataDir, "nodes"))).sort()).toEqual(["h", "home1", "home2"]);
    expect((await readdir(path.join(dataDir, "nodes", "home1", "keys"))).length).toBe(2);
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
