import { expect, test } from "vitest";

import { parseScenario, readScenarioFile, runScenario } from "../src/scenario/mod.js";
import { readTopologyFile, TopologyError } from "../src/topology/mod.js";

test("the example scenario parses against the default topology", async () => {
  const topology = await readTopologyFile("topologies/home-hospital.conf");
  const s = await readScenarioFile("scenarios/isp-outage.scenario", topology);
  expect(s.episodes).toEqual([{ pid: "dave", episode: { kind: "deterioration", atMs: 60_000, rampMs: 180_000 } }]);
  expect(s.network.map((e) => `${e.atMs} ${e.kind} ${e.target}`)).toEqual([
    "180000 link-down home4:isp", "210000 link-up home4:isp", "420000 node-down isp", "440000 node-up isp",
  ]);
});

test.each([
  ["at soon fall ann", 1, /invalid duration "soon"/],
  ["\nat 1s fall zoe", 2, /unknown patient "zoe": .* has ann, ben/],
  ["at 1s link-down home1:h", 1, /no link "home1:h"/],
  ["at 1s node-down nowhere", 1, /no node "nowhere"/],
  ["at 1s explode r", 1, /unknown event "explode"/],
  ["fall ann", 1, /expected "at <time> <event>/],
  ["at 1s deteriorate ann slowly", 1, /deteriorate takes ramp=<time>/],
  ["at 1s fall ann now", 1, /unexpected "now"/],
])("errors name the line: %s", async (text, line, message) => {
  const topology = await readTopologyFile("test/fixtures/two-homes.conf");
  let err: unknown;
  try {
    parseScenario(text, topology, "s.scenario");
  } catch (e: unknown) {
    err = e;
  }
  expect(err).toBeInstanceOf(TopologyError);
  expect((err as TopologyError).message).toMatch(new RegExp(`^s\\.scenario:${line}: `));
  expect((err as TopologyError).message).toMatch(message);
});

test("a link outage delays readings and alarms, and nothing is lost once it is back", async () => {
  const topology = await readTopologyFile("test/fixtures/two-homes.conf");
  const script = parseScenario("at 1500ms link-down home2:r\nat 4s link-up home2:r\n", topology);
  const { summary } = await runScenario({ topology, script, durationMs: 8000, seed: 7 });
  const uplink = summary.links.filter((l) => (l.from === "home2" && l.to === "r") || (l.from === "r" && l.to === "home2"));
  expect(uplink.reduce((n, l) => n + l.lost, 0)).toBeGreaterThan(0);
  expect(summary.readings.lost).toBe(0);
  expect(summary.readings.verified + summary.readings.rejected).toBe(summary.readings.published);
  const fall = summary.alarms.find((a) => a.kind === "fall")!;
  expect(fall.latencyMs).toBeGreaterThan(2000); // the fall at 2 s could only be fetched after 4 s
});

test("after an outage longer than a ledger block, the hospital replica catches up and is whole", async () => {
  const topology = await readTopologyFile("test/fixtures/two-homes.conf");
  const script = parseScenario("at 20s link-down home1:r\nat 50s link-up home1:r\n", topology);
  const { summary } = await runScenario({ topology, script, durationMs: 90_000, seed: 3, ledger: { everyReadings: 25, everyMs: 10_000 } });
  const ann = summary.patients.find((p) => p.id === "ann")!;
  // Every reading published, ann's included (cut off for 30 s), is committed and replicated.
  expect(summary.patients.reduce((n, p) => n + p.ledger.readingsCommitted, 0)).toBe(summary.readings.published);
  expect(ann.ledger.readingsCommitted).toBeGreaterThanOrEqual(450);
  expect(summary.patients.map((p) => [p.ledger.missingReadings, p.ledger.rejectedBlocks])).toEqual([[0, 0], [0, 0]]);
  expect(summary.commitLatencyMs.p99).toBeGreaterThan(20_000); // what waited out the outage
});
