import type { ForwardingMode } from "../scenario/mod.js";
import type { RunSpec } from "./run-record.js";

/** The values an experiment sweeps. */
export interface Sweep {
  modes: readonly ForwardingMode[];
  consumers: readonly number[];
  patients: readonly number[];
  /** Mbit/s. */
  bottleneckBw: readonly number[];
  seeds: number;
  durationMs: number;
  /**
   * `cross`: each variable swept with the others at their largest value (consumers at the largest
   * bandwidth and patient count; bandwidth at the most consumers and patients; patients at the most
   * consumers and bandwidth): what the plots and the report read, in far fewer runs.
   * `full`: every combination.
   */
  design: "cross" | "full";
}

/** Every run of a sweep, each mode and seed at every point, in a stable order. */
export function planRuns(sweep: Sweep): RunSpec[] {
  const max = (xs: readonly number[]) => Math.max(...xs);
  const points = new Map<string, { consumers: number; patients: number; bottleneckBw: number }>();
  const add = (consumers: number, patients: number, bottleneckBw: number) =>
    points.set(`${consumers}/${patients}/${bottleneckBw}`, { consumers, patients, bottleneckBw });
  for (const consumers of sweep.consumers) {
    for (const patients of sweep.patients) {
      for (const bottleneckBw of sweep.bottleneckBw) {
        const onAxis = [consumers === max(sweep.consumers), patients === max(sweep.patients), bottleneckBw === max(sweep.bottleneckBw)]
          .filter(Boolean).length >= 2;
        if (sweep.design === "full" || onAxis) {
          add(consumers, patients, bottleneckBw);
        }
      }
    }
  }
  const runs: RunSpec[] = [];
  for (const p of points.values()) {
    for (let seed = 1; seed <= sweep.seeds; ++seed) {
      for (const mode of sweep.modes) {
        runs.push({ id: runs.length, mode, ...p, seed, durationMs: sweep.durationMs });
      }
    }
  }
  return runs;
}
