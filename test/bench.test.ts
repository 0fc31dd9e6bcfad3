import { execFile } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

import { expect, test } from "vitest";

import { dependencyCeiling } from "../src/bench/dependency-ceiling.js";
import { readTopologyFile } from "../src/topology/mod.js";

// Speed is not asserted here (BENCHMARKS.md holds it): only that the quick run writes every figure.
test("npm run bench -- --quick --json FILE writes every figure of issue 7, each a measured number", async () => {
  const file = path.join(await mkdtemp(path.join(tmpdir(), "iomt-bench-")), "bench.json");
  await promisify(execFile)(process.execPath, ["bin/iomt.js", "bench", "--quick", "--json", file], { timeout: 240_000, maxBuffer: 16 << 20 });
  const figures = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
  const positive = expect.toSatisfy((x: unknown) => typeof x === "number" && Number.isFinite(x) && x > 0);
  expect(figures).toMatchObject({
    publishVsRawSign: positive,
    publishCeiling: positive,
    forwardVsPlainFw: positive,
    csHitVsMiss: positive,
    forwardVsPlainFwSameFaces: positive,
    forwardVsPlainFwBothOnLpFace: positive,
    forwardVsPlainFwSimulatedLinks: positive,
    simRealtimeFactor: positive,
    simRealtimeCeiling: positive,
    cityRealtimeFactor: positive,
    repoInsertVsRawLevel: positive,
    repoFindVsRawGet: positive,
    ledgerVerifyVsRawVerify: positive,
    replicationVsLongestPath: positive,
    peakRssMiB: { default: positive, city: positive },
    bytesPerStoredReading: positive,
    machine: { cpus: positive, node: expect.stringMatching(/^v\d+/) },
  });
  // Each ratio comes with the two figures it is made of.
  expect(figures).toMatchObject({
    publish: { publishReadingsPerSecond: positive, rawSignPerSecond: positive },
    forwarding: { nodeLayerExchangesPerSecond: positive, plainFwExchangesPerSecond: positive, nodeLayerOnL3FaceExchangesPerSecond: positive, csMissExchangesPerSecond: positive },
    consultation: { replicationP50Ms: positive, longestPathMs: positive, divergent: 0 },
    storage: { readingPacketOctets: positive },
    simulation: { default: { ceiling: { readingsVerified: positive } } },
  });
}, 300_000);

test("the dependency ceiling carries every reading of the default scenario: signed, stored, forwarded, verified", async () => {
  const ceiling = await dependencyCeiling(await readTopologyFile("topologies/home-hospital.conf"), 10_000);
  // 4 patients, 5 vital streams each at 1 Hz, for 10 s; the monitor has all but those in flight.
  expect(ceiling.readingsPublished).toBe(200);
  expect(ceiling.readingsVerified).toBeGreaterThanOrEqual(180);
  expect(ceiling.readingsVerified).toBeLessThanOrEqual(200);
  expect(ceiling.simulatedSeconds).toBe(10);
  expect(ceiling.realtimeFactor).toBeGreaterThan(0);
});
