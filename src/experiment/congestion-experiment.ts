import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { readTopologyFile } from "../topology/mod.js";
import { settleAlarmExpectations } from "./alarm-expectations.js";
import { type Sweep, planRuns } from "./plan.js";
import { renderPlots } from "./plots.js";
import { formatReport } from "./report.js";
import { linksCsv, resultsCsv } from "./results-files.js";
import type { RunRecord } from "./run-record.js";
import { experimentTopology, findBottleneck, patientCount } from "./topology-variant.js";
import { runAll } from "./worker-pool.js";

export interface CongestionExperimentOptions {
  topologyFile: string;
  /** The bottleneck link `a:b`. @defaultValue the link on every home's path to its hospital, nearest the hospital */
  bottleneck?: string;
  /** What to sweep; `patients` defaults to every patient of the topology. */
  sweep: Omit<Sweep, "patients"> & { patients?: readonly number[] };
  /** Worker processes (1: all in this process). */
  workers: number;
  /** Where the results go. */
  out: string;
  /** The command line, for the report. */
  command: string;
  /** Called as each run finishes. */
  onRecord?: (record: RunRecord, done: number, total: number) => void;
  /** Called once the plan is made, with the number of runs. */
  onPlan?: (runs: number) => void;
}

export interface CongestionExperimentResult {
  records: RunRecord[];
  /** Files written, relative to `out`. */
  files: string[];
  wallSeconds: number;
}

/**
 * The congestion-relief experiment (docs/experiments.md): the same scenario in every mode over the
 * sweep, each run measured at the bottleneck and end to end; then `results.csv`, `links.csv`,
 * `summary.json`, the plots and `report.md` in the output folder.
 */
export async function runCongestionExperiment(opts: CongestionExperimentOptions): Promise<CongestionExperimentResult> {
  const started = process.hrtime.bigint();
  const topology = await readTopologyFile(opts.topologyFile);
  const bottleneck = findBottleneck(topology, opts.bottleneck);
  const sweep: Sweep = { ...opts.sweep, patients: opts.sweep.patients ?? [patientCount(topology)] };
  for (const patients of sweep.patients) {
    experimentTopology(topology, { patients, consumers: 1, bottleneck, bottleneckBw: 1 }); // bad counts fail here, not in a worker
  }
  const runs = planRuns(sweep);
  opts.onPlan?.(runs.length);
  const records = await runAll(runs, { topologyFile: opts.topologyFile, bottleneck, workers: opts.workers, onRecord: opts.onRecord });
  settleAlarmExpectations(records);
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;

  await mkdir(opts.out, { recursive: true });
  const plots = await renderPlots(records);
  const files: Record<string, string> = {
    "results.csv": resultsCsv(records),
    "links.csv": linksCsv(records),
    "summary.json": `${JSON.stringify({
      experiment: "congestion", command: opts.command, topology: opts.topologyFile, bottleneck: `${bottleneck.from}>${bottleneck.to}`,
      sweep, machine: machine(), wallSeconds: Math.round(wallSeconds * 10) / 10, runs: records,
    }, undefined, 2)}\n`,
    ...Object.fromEntries(plots.map((p) => [p.file, p.svg])),
    "report.md": formatReport(records, plots, {
      command: opts.command, machine: machine(), wallSeconds, topology: opts.topologyFile, bottleneck: `${bottleneck.from} → ${bottleneck.to}`,
    }),
  };
  for (const [file, text] of Object.entries(files)) {
    await writeFile(path.join(opts.out, file), text);
  }
  return { records, files: Object.keys(files), wallSeconds };
}

function machine(): string {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model ?? "unknown CPU"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()}`;
}
