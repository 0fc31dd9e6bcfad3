import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

import type { Summary } from "../scenario/mod.js";
import { round2 } from "./measure.js";
import { plainFwSimulatedExchangesPerSecond } from "./plain-fw.js";

export interface SimulationFigure {
  topology: string;
  simulatedSeconds: number;
  wallSeconds: number;
  /** Simulated seconds per wall second. */
  realtimeFactor: number;
  /** Each run's, when there were several. */
  realtimeFactorRuns?: number[];
  readings: number;
  /** Packets put on links per wall second. */
  packetsPerSecond: number;
  /** Readings (Interest-Data exchanges end to end) per wall second. */
  exchangesPerSecond: number;
  /** As many exchanges through plain @ndn/fw over the simulator's links (same hops, unsigned, nothing else), per wall second, same run. */
  plainFwExchangesPerSecond: number;
  /** exchangesPerSecond / plainFwExchangesPerSecond. */
  vsPlainFw: number;
  /**
   * The real-time factor plain @ndn/fw in the simulator and raw ECDSA (a signature and a
   * verification per reading, at this run's raw rates) would reach on their own, with nothing else.
   */
  ceilingRealtimeFactor: number;
  /** Peak resident memory of the run's own process, MiB. */
  peakRssMiB: number;
}

export interface SimulationBenchOptions {
  /** The package's `bin/iomt.js`. */
  cli: string;
  topologyFile: string;
  durationMs: number;
  /** Hops from a home gateway to its monitor, for the plain @ndn/fw baseline. */
  hops: number;
  /** Raw node:crypto ECDSA P-256 rates measured in the same run, per second. */
  rawCrypto: { signPerSecond: number; verifyPerSecond: number };
  /**
   * Runs of the scenario; the figures are the median run's (by real-time factor): on this
   * machine one run's speed can differ from the next's by half. @defaultValue 1
   */
  runs?: number;
}

/**
 * One scenario as users run it, `iomt simulate`, in a process of its own (so that its peak memory
 * is its own), beside plain @ndn/fw carrying as many exchanges over as many of the simulator's
 * links in this process, and the ceiling that and raw signing and verification set.
 */
export async function benchSimulation(opts: SimulationBenchOptions): Promise<SimulationFigure> {
  const summaries: Summary[] = [];
  for (let run = 0; run < (opts.runs ?? 1); ++run) {
    summaries.push(await simulate(opts));
  }
  const summary = summaries.toSorted((a, b) => a.simulatedSeconds / a.wallSeconds - b.simulatedSeconds / b.wallSeconds)[summaries.length >> 1]!;
  const packets = summary.links.reduce((n, l) => n + l.packets, 0);
  const exchangesPerSecond = summary.readings.published / summary.wallSeconds;
  const plain = await plainFwSimulatedExchangesPerSecond({ hops: opts.hops, exchanges: Math.min(summary.readings.published, 20_000) });
  const readingsPerSimulatedSecond = summary.readings.published / summary.simulatedSeconds;
  const wallPerReading = 1 / plain + 1 / opts.rawCrypto.signPerSecond + 1 / opts.rawCrypto.verifyPerSecond;
  return {
    topology: path.basename(opts.topologyFile),
    simulatedSeconds: summary.simulatedSeconds,
    wallSeconds: summary.wallSeconds,
    realtimeFactor: round2(summary.simulatedSeconds / summary.wallSeconds),
    ...(summaries.length > 1 && { realtimeFactorRuns: summaries.map((x) => round2(x.simulatedSeconds / x.wallSeconds)) }),
    readings: summary.readings.published,
    packetsPerSecond: Math.round(packets / summary.wallSeconds),
    exchangesPerSecond: Math.round(exchangesPerSecond),
    plainFwExchangesPerSecond: Math.round(plain),
    vsPlainFw: round2(exchangesPerSecond / plain),
    ceilingRealtimeFactor: round2(1 / (readingsPerSimulatedSecond * wallPerReading)),
    peakRssMiB: summary.peakRssMiB,
  };
}

/** One run of `iomt simulate` in a process of its own: its summary. */
async function simulate(opts: SimulationBenchOptions): Promise<Summary> {
  const out = await mkdtemp(path.join(tmpdir(), "iomt-bench-sim-"));
  try {
    await promisify(execFile)(process.execPath, [
      opts.cli, "simulate", "--topology", opts.topologyFile, "--duration", `${opts.durationMs}ms`, "--seed", "1", "--quiet", "--out", out,
    ], { maxBuffer: 64 << 20 });
    return JSON.parse(await readFile(path.join(out, "summary.json"), "utf8")) as Summary;
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}
