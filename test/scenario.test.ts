import { expect, test } from "vitest";

import { runScenario } from "../src/scenario/mod.js";
import { readTopologyFile } from "../src/topology/mod.js";

test("end to end: readings verified, forgeries rejected, alarms reach both doctors", async () => {
  const topology = await readTopologyFile("test/fixtures/two-homes.conf");
  const s = await runScenario({ topology, durationMs: 6000, seed: 7, drainMs: 1500 });
  console.log(JSON.stringify(s.readings));
  const r = s.readings;
  expect(r.forged).toBe(3);
  expect(r.rejected).toBe(3);
  expect(r.rejectedBy).toEqual({ policy: 2, "bad-signature": 1 });
  expect(r.verified + r.rejected + r.lost).toBe(r.published);
}, 30_000);
