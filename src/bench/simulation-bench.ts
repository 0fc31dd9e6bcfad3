import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

import type { Summary } from "../scenario/mod.js";
import type { DependencyCeiling } from "./dependency-ceiling.js";
import { round2 } from "./measure.js";
import { inOwnProcess } from "./own-process.js";
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
   * The real-time factor of the scenario's readings through its pinned dependencies alone, in the
   * simulator's clock and links ({@link dependencyCeiling}): the median of as many runs as the
   * scenario's, each in a process of its own; undefined unless asked for.
   */
  ceilingRealtimeFactor?: number;
  ceilingRealtimeFactorRuns?: number[];
  ceiling?: DependencyCeiling;
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
  /** Measure {@link dependencyCeiling} too. @defaultValue false */
  ceiling?: boolean;
  /**
   * Runs of the scenario; the figures are the median run's (by real-time factor): on this
   * machine one run's speed can differ from the next's by half. @defaultValue 1
   */
  runs?: number;
}

/**
 * One scenario as users run it, `iomt simulate`, in a process of its own (so that its peak memory
 * is its own), beside plain @ndn/fw carrying as many exchanges over as many of the simulator's
 * links in this process, and (with `ceiling`) the fastest its readings can go through the pinned
 * dependencies.
 */
export async function benchSimulation(opts: SimulationBenchOptions): Promise<SimulationFigure> {
  const summaries: Summary[] = [];
  const ceilings: DependencyCeiling[] = [];
  for (let run = 0; run < (opts.runs ?? 1); ++run) {
    // With a ceiling, as many runs of it, each before or after the scenario's in turn: the
    // machine's drift falls on both alike.
    if (opts.ceiling && run % 2 === 1) {
      ceilings.push(await measureCeiling(opts));
    }
    summaries.push(await simulate(opts));
    if (opts.ceiling && run % 2 === 0) {
      ceilings.push(await measureCeiling(opts));
    }
  }
  const summary = summaries.toSorted((a, b) => a.simulatedSeconds / a.wallSeconds - b.simulatedSeconds / b.wallSeconds)[summaries.length >> 1]!;
  const ceiling = ceilings.toSorted((a, b) => a.realtimeFactor - b.realtimeFactor)[ceilings.length >> 1];
  const packets = summary.links.reduce((n, l) => n + l.packets, 0);
  const exchangesPerSecond = summary.readings.published / summary.wallSeconds;
  const plain = await plainFwSimulatedExchangesPerSecond({ hops: opts.hops, exchanges: Math.min(summary.readings.published, 20_000) });
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
    ...(ceiling && { ceilingRealtimeFactor: round2(ceiling.realtimeFactor), ceilingRealtimeFactorRuns: ceilings.map((c) => round2(c.realtimeFactor)), ceiling }),
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

/** {@link dependencyCeiling} of the same topology and duration, in a process of its own. */
function measureCeiling(opts: SimulationBenchOptions): Promise<DependencyCeiling> {
  return inOwnProcess("dependency-ceiling-process.js", [opts.topologyFile, `${opts.durationMs}`]);
}
