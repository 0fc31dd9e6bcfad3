import { writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { benchForwarding } from "./plain-fw.js";
import { benchCommit, benchReplication } from "./consultation-bench.js";
import { benchUdpReplication } from "./consultation-udp.js";
import { benchPublish } from "./publish-bench.js";
import { benchLedger, benchRepo, benchStorage } from "./repo-bench.js";
import { benchSimulation } from "./simulation-bench.js";

export interface BenchOptions {
  /** Shorter runs (about a minute and a half in all). */
  quick: boolean;
  /** Where to write the figures as JSON. */
  json?: string;
  /** The package's topologies folder. */
  topologies: string;
  /** The package's CLI (`bin/iomt.js`), for runs of real processes. */
  cli: string;
}

/** Every figure issue 7 names, each beside its same-run baseline (BENCHMARKS.md). */
export async function runBenchmarks(opts: BenchOptions): Promise<Record<string, unknown>> {
  // Repo and ledger first, on a fresh heap: the consultation scenario leaves a large one behind.
  process.stderr.write("bench: repo and ledger…\n");
  const repo = await benchRepo(opts.quick ? 20_000 : 100_000);
  const ledger = await benchLedger(opts.quick ? 3000 : 12_000);
  const storage = await benchStorage(opts.quick ? 3000 : 12_000);
  process.stderr.write("bench: publishing signed readings…\n");
  const publish = await benchPublish(opts.quick ? 2000 : 6000);
  process.stderr.write("bench: forwarding through the node layer and plain @ndn/fw…\n");
  const forwarding = await benchForwarding(opts.quick ? { pairs: 3, exchanges: 10_000 } : { pairs: 8, exchanges: 30_000 });
  process.stderr.write("bench: consultation ledger…\n");
  const consultation = {
    commitRecordsPerSecond: Math.round(await benchCommit(opts.quick ? 300 : 2000)),
    ...await benchReplication(opts.quick ? 120_000 : 600_000),
  };
  process.stderr.write("bench: consultation ledger over UDP, 4 processes…\n");
  const consultationUdp = await benchUdpReplication({ cli: opts.cli, writeForMs: opts.quick ? 5000 : 20_000 });
  const simulate = (name: string, file: string, durationMs: number, hops: number, runs: number, ceiling: boolean) => {
    process.stderr.write(`bench: ${name} (${file}), ${durationMs / 1000} s simulated, ${runs} run(s)${ceiling ? " and its dependency ceiling" : ""}, each in a process of its own…\n`);
    return benchSimulation({ cli: opts.cli, topologyFile: path.join(opts.topologies, file), durationMs, hops, runs, ceiling });
  };
  const simulation = {
    // Three runs of the default scenario, the median's figures, and its ceiling; city.conf once (100 s a run).
    default: await simulate("default", "home-hospital.conf", opts.quick ? 120_000 : 600_000, 2, 3, true),
    city: await simulate("city", "city.conf", opts.quick ? 20_000 : 120_000, 3, 1, false),
  };
  const result = {
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
    quick: opts.quick,
    publishVsRawSign: publish.publishVsRawSign,
    publishCeiling: publish.publishCeiling,
    forwardVsPlainFw: forwarding.forwardVsPlainFw,
    csHitVsMiss: forwarding.csHitVsMiss,
    forwardVsPlainFwSameFaces: forwarding.forwardVsPlainFwSameFaces,
    forwardVsPlainFwBothOnLpFace: forwarding.forwardVsPlainFwBothOnLpFace,
    forwardVsPlainFwSimulatedLinks: forwarding.forwardVsPlainFwSimulatedLinks,
    simRealtimeFactor: simulation.default.realtimeFactor,
    simRealtimeCeiling: simulation.default.ceilingRealtimeFactor,
    cityRealtimeFactor: simulation.city.realtimeFactor,
    repoInsertVsRawLevel: repo.repoInsertVsRawLevel,
    repoFindVsRawGet: repo.repoFindVsRawGet,
    ledgerVerifyVsRawVerify: ledger.ledgerVerifyVsRawVerify,
    replicationVsLongestPath: consultation.replicationVsLongestPath,
    peakRssMiB: { default: simulation.default.peakRssMiB, city: simulation.city.peakRssMiB },
    bytesPerStoredReading: storage.bytesPerStoredReading,
    simulation,
    publish,
    forwarding,
    repo,
    ledger,
    storage,
    consultation,
    consultationUdp,
  };
  if (opts.json) {
    await writeFile(opts.json, `${JSON.stringify(result, undefined, 2)}\n`);
  }
  return result;
}

