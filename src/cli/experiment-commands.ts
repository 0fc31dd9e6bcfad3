import os from "node:os";
import path from "node:path";

import { type Command, InvalidArgumentError, Option } from "commander";

import { describeRun, runCongestionExperiment, type Sweep } from "../experiment/mod.js";
import { type ForwardingMode, MODES } from "../scenario/mod.js";
import { durationArg, intArg, listArg, minutes, numberArg, PACKAGE_ROOT } from "./args.js";

/** The defaults finish within 5 minutes on 2 cores; `--quick` within 1 (docs/experiments.md). */
const DEFAULTS = {
  full: { consumers: [1, 2, 4, 8, 16], bottleneckBw: [10, 1, 0.1], seeds: 3, durationMs: 15_000 },
  quick: { consumers: [1, 4], bottleneckBw: [10, 0.3], seeds: 2, durationMs: 10_000 },
};

interface ExperimentArgs {
  topology: string;
  bottleneck?: string;
  modes?: ForwardingMode[];
  consumers?: number[];
  patients?: number[];
  bottleneckBw?: number[];
  seeds?: number;
  duration?: number;
  design: Sweep["design"];
  workers: number;
  out?: string;
  quick?: boolean;
}

/** `iomt experiment congestion`. */
export function addExperimentCommands(program: Command): void {
  const experiment = program.command("experiment").description("experiments over many simulation runs");
  experiment.command("congestion")
    .description("how much congestion NDN relieves: the same scenario in modes ndn, ndn-nocache, ip and cloud over a sweep of consumers, patients and bottleneck bandwidth; writes results.csv, summary.json, SVG plots and report.md (docs/experiments.md)")
    .option("--topology <file>", "topology with homes, a hospital and (for mode cloud) a cloud node", path.join(PACKAGE_ROOT, "topologies", "congestion.conf"))
    .option("--bottleneck <a:b>", "the bottleneck link (default: the link on every home's path to its hospital, nearest the hospital)")
    .option("--modes <list>", `forwarding modes (default: all: ${Object.keys(MODES).join(",")})`, modesArg)
    .option("--consumers <list>", `consumers K of every stream: the live monitor and K-1 monitoring stations (default ${DEFAULTS.full.consumers.join(",")})`, listArg(positiveInt, "counts"))
    .option("--patients <list>", "patients taking part, the first N of the topology (default: all)", listArg(positiveInt, "counts"))
    .option("--bottleneck-bw <list>", `bottleneck bandwidths, Mbit/s (default ${DEFAULTS.full.bottleneckBw.join(",")})`, listArg(positiveNumber, "bandwidths in Mbit/s"))
    .option("--seeds <n>", `seeds per point, 1 to N (default ${DEFAULTS.full.seeds})`, positiveInt)
    .option("--duration <time>", `how long the sensors publish in each run (default ${DEFAULTS.full.durationMs / 1000}s)`, durationArg)
    .addOption(new Option("--design <design>", "cross: each variable swept with the others at their largest; full: every combination").choices(["cross", "full"]).default("cross"))
    .option("--workers <n>", "worker processes (1: in this process)", positiveInt, os.availableParallelism())
    .option("--out <dir>", "output folder (default: results/congestion-<time>)")
    .option("--quick", `a short sweep for CI, about a minute on 2 cores: K ${DEFAULTS.quick.consumers.join(",")}, bandwidths ${DEFAULTS.quick.bottleneckBw.join(",")}, ${DEFAULTS.quick.seeds} seeds, ${DEFAULTS.quick.durationMs / 1000}s runs`)
    .action(async (o: ExperimentArgs) => {
      const d = o.quick ? DEFAULTS.quick : DEFAULTS.full;
      const out = o.out ?? path.join(PACKAGE_ROOT, "results", `congestion-${new Date().toISOString().replaceAll(/[:.]/g, "-")}`);
      const tty = process.stderr.isTTY;
      let total = 0;
      const started = Date.now();
      const result = await runCongestionExperiment({
        topologyFile: o.topology,
        bottleneck: o.bottleneck,
        sweep: {
          modes: o.modes ?? (Object.keys(MODES) as ForwardingMode[]),
          consumers: o.consumers ?? d.consumers,
          patients: o.patients,
          bottleneckBw: o.bottleneckBw ?? d.bottleneckBw,
          seeds: o.seeds ?? d.seeds,
          durationMs: o.duration ?? d.durationMs,
          design: o.design,
        },
        workers: o.workers,
        out,
        command: `iomt ${process.argv.slice(2).join(" ")}`,
        onPlan: (runs) => {
          total = runs;
          process.stderr.write(`experiment congestion: ${runs} runs on ${Math.min(o.workers, runs)} worker(s)\n`);
        },
        onRecord: (r, done) => {
          const elapsed = Date.now() - started;
          const eta = (elapsed / done) * (total - done);
          const line = `[${String(done).padStart(String(total).length)}/${total}] ${describeRun(r)}: ${r.wallSeconds.toFixed(1)} s · elapsed ${minutes(elapsed)}, about ${minutes(eta)} left`;
          process.stderr.write(tty ? `\r\x1B[K${line}` : `${line}\n`);
        },
      });
      if (tty) {
        process.stderr.write("\n");
      }
      console.log(`${result.records.length} runs in ${result.wallSeconds.toFixed(0)} s. Results in ${out}/: ${result.files.join(", ")}`);
      console.log(`Read ${path.join(out, "report.md")} first.`);
    });
}

function positiveInt(text: string): number {
  const n = intArg(text);
  if (n < 1) {
    throw new InvalidArgumentError(`${text} is not a positive integer`);
  }
  return n;
}

function positiveNumber(text: string): number {
  const n = numberArg(text);
  if (n <= 0) {
    throw new InvalidArgumentError(`${text} is not above 0`);
  }
  return n;
}

function modesArg(text: string): ForwardingMode[] {
  const modes = [...new Set(text.split(",").map((m) => m.trim()))];
  for (const m of modes) {
    if (!(m in MODES)) {
      throw new InvalidArgumentError(`unknown mode ${JSON.stringify(m)} (expected ${Object.keys(MODES).join(", ")})`);
    }
  }
  return modes as ForwardingMode[];
}
