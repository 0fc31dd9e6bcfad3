import { writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { runScenario } from "../scenario/mod.js";
import { readTopologyFile } from "../topology/mod.js";
import { benchForwarding, plainFwExchangesPerSecond } from "./plain-fw.js";
import { benchCommit, benchReplication } from "./consultation-bench.js";
import { benchUdpReplication } from "./consultation-udp.js";
import { benchPublish } from "./publish-bench.js";
import { benchLedger, benchRepo } from "./repo-bench.js";
import { round2 } from "./measure.js";

export interface BenchOptions {
  /** Shorter runs (about a minute in all). */
  quick: boolean;
  /** Where to write the figures as JSON. */
  json?: string;
  /** The package's topologies folder. */
  topologies: string;
  /** The package's CLI (`bin/iomt.js`), for runs of real processes. */
  cli: string;
}

interface SimFigure {
  topology: string;
  simulatedSeconds: number;
  wallSeconds: number;
  /** Simulated seconds per wall second. */
  realtimeFactor: number;
  readings: number;
  /** Packets put on links per wall second. */
  packetsPerSecond: number;
  /** Readings (Interest-Data exchanges end to end) per wall second. */
  exchangesPerSecond: number;
  /** The same exchanges through plain @ndn/fw (same hop count, no crypto), per second, same run. */
  plainFwExchangesPerSecond: number;
  /** exchangesPerSecond / plainFwExchangesPerSecond. */
  vsPlainFw: number;
  peakRssMiB: number;
}

/** Measure simulation speed on the shipped topologies, each beside its same-run baseline. */
export async function runBenchmarks(opts: BenchOptions): Promise<Record<string, unknown>> {
  const runs: Array<{ name: string; file: string; durationMs: number; hops: number }> = [
    { name: "default", file: "home-hospital.conf", durationMs: opts.quick ? 120_000 : 600_000, hops: 2 },
    { name: "city", file: "city.conf", durationMs: opts.quick ? 20_000 : 120_000, hops: 3 },
  ];
  // Repo and ledger first, on a fresh heap: the simulations leave a large one behind.
  process.stderr.write("bench: repo and ledger…\n");
  const repo = await benchRepo(opts.quick ? 20_000 : 100_000);
  const ledger = await benchLedger(opts.quick ? 3000 : 12_000);
  process.stderr.write("bench: publishing signed readings…\n");
  const publish = await benchPublish(opts.quick ? 3000 : 12_000);
  process.stderr.write("bench: forwarding through the node layer and plain @ndn/fw…\n");
  const forwarding = await benchForwarding(opts.quick ? 5000 : 20_000);
  process.stderr.write("bench: consultation ledger…\n");
  const consultation = {
    commitRecordsPerSecond: Math.round(await benchCommit(opts.quick ? 300 : 2000)),
    ...await benchReplication(opts.quick ? 120_000 : 600_000),
  };
  process.stderr.write("bench: consultation ledger over UDP, 4 processes…\n");
  const consultationUdp = await benchUdpReplication({ cli: opts.cli, writeForMs: opts.quick ? 5000 : 20_000 });
  const figures: Record<string, SimFigure> = {};
  for (const r of runs) {
    const topology = await readTopologyFile(path.join(opts.topologies, r.file));
    process.stderr.write(`bench: ${r.name} (${r.file}), ${r.durationMs / 1000} s simulated…\n`);
    const { summary } = await runScenario({ topology, durationMs: r.durationMs, seed: 1 });
    const packets = summary.links.reduce((n, l) => n + l.packets, 0);
    const exchangesPerSecond = summary.readings.published / summary.wallSeconds;
    const plain = await plainFwExchangesPerSecond({ hops: r.hops, exchanges: Math.min(summary.readings.published, 20_000) });
    figures[r.name] = {
      topology: r.file,
      simulatedSeconds: summary.simulatedSeconds,
      wallSeconds: summary.wallSeconds,
      realtimeFactor: round2(summary.simulatedSeconds / summary.wallSeconds),
      readings: summary.readings.published,
      packetsPerSecond: Math.round(packets / summary.wallSeconds),
      exchangesPerSecond: Math.round(exchangesPerSecond),
      plainFwExchangesPerSecond: Math.round(plain),
      vsPlainFw: round2(exchangesPerSecond / plain),
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    };
  }
  const result = {
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
    quick: opts.quick,
    publishVsRawSign: publish.publishVsRawSign,
    forwardVsPlainFw: forwarding.forwardVsPlainFw,
    simRealtimeFactor: figures.default!.realtimeFactor,
    cityRealtimeFactor: figures.city!.realtimeFactor,
    repoInsertVsRawLevel: repo.repoInsertVsRawLevel,
    ledgerVerifyVsRawVerify: ledger.ledgerVerifyVsRawVerify,
    simulation: figures,
    publish,
    forwarding,
    repo,
    ledger,
    consultation,
    consultationUdp,
  };
  if (opts.json) {
    await writeFile(opts.json, `${JSON.stringify(result, undefined, 2)}\n`);
  }
  return result;
}

