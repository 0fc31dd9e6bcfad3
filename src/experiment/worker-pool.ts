import { type ChildProcess, fork } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { readTopologyFile } from "../topology/mod.js";
import { runCongestionPoint } from "./congestion-run.js";
import type { RunRecord, RunSpec } from "./run-record.js";
import type { Bottleneck } from "./topology-variant.js";

export interface WorkerRequest {
  topologyFile: string;
  bottleneck: Bottleneck;
  spec: RunSpec;
}

export type WorkerReply = { id: number; record: RunRecord; error?: undefined } | { id: number; error: string };

export interface PoolOptions {
  topologyFile: string;
  bottleneck: Bottleneck;
  /**
   * Worker processes: each run is a whole simulation on one core, so as many as there are cores.
   * 1 runs everything in this process.
   */
  workers: number;
  /** Called as each run finishes, in the order they finish. */
  onRecord?: (record: RunRecord, done: number, total: number) => void;
}

const WORKER = fileURLToPath(new URL("./congestion-worker.js", import.meta.url));

/**
 * Run every point, in parallel worker processes when there are several workers; the records come
 * back in plan order. Runs are independent and seeded, so how they are spread over workers changes
 * no figure but the wall time. The costliest (most consumers and patients) go first, so that no
 * worker is left with a long run at the end.
 */
export async function runAll(specs: readonly RunSpec[], opts: PoolOptions): Promise<RunRecord[]> {
  const queue = [...specs].sort((a, b) => b.consumers * b.patients - a.consumers * a.patients || a.id - b.id);
  const records = new Map<number, RunRecord>();
  const finish = (record: RunRecord) => {
    records.set(record.id, record);
    opts.onRecord?.(record, records.size, specs.length);
  };
  const workers = Math.min(opts.workers, specs.length);
  if (workers <= 1) {
    const topology = await readTopologyFile(opts.topologyFile);
    for (const spec of queue) {
      finish(await runCongestionPoint({ topology, bottleneck: opts.bottleneck }, spec));
    }
  } else {
    if (!existsSync(WORKER)) {
      throw new Error(`worker ${WORKER} is missing: run the built CLI (npm run build), or use one worker`);
    }
    const children = Array.from({ length: workers }, () =>
      fork(WORKER, [], { stdio: ["ignore", "inherit", "inherit", "ipc"], serialization: "advanced" }));
    try {
      await Promise.all(children.map((child) => work(child, queue, opts, finish)));
    } finally {
      queue.length = 0; // after a failure, no worker takes another run
      for (const child of children) {
        if (child.connected) {
          child.disconnect(); // the worker exits when its channel closes
        }
      }
    }
  }
  return specs.map((s) => records.get(s.id)!);
}

/** One worker process, taking runs from the shared queue until it is empty. */
async function work(child: ChildProcess, queue: RunSpec[], opts: PoolOptions, finish: (r: RunRecord) => void): Promise<void> {
  for (let spec = queue.shift(); spec; spec = queue.shift()) {
    let reply: WorkerReply;
    try {
      reply = await ask(child, { topologyFile: opts.topologyFile, bottleneck: opts.bottleneck, spec });
    } catch (err: unknown) {
      queue.length = 0;
      throw err;
    }
    if (reply.error !== undefined || reply.id !== spec.id) {
      queue.length = 0;
      throw new Error(`run ${describeRun(spec)} failed: ${reply.error ?? `the worker answered for run ${reply.id}`}`);
    }
    finish(reply.record);
  }
}

function ask(child: ChildProcess, req: WorkerRequest): Promise<WorkerReply> {
  return new Promise((resolve, reject) => {
    const done = () => {
      child.off("exit", onExit);
      child.off("error", onError);
      child.off("message", onMessage);
    };
    const onExit = (code: number | null, signal: string | null) => {
      done();
      reject(new Error(`the worker running ${describeRun(req.spec)} exited (${signal ?? `code ${code}`})`));
    };
    const onError = (err: Error) => {
      done();
      reject(new Error(`the worker running ${describeRun(req.spec)} failed: ${err.message}`));
    };
    const onMessage = (reply: WorkerReply) => {
      done();
      resolve(reply);
    };
    child.once("exit", onExit);
    child.once("error", onError);
    child.on("message", onMessage);
    child.send(req);
  });
}

/** A run as people name it: `ip K=8 patients=8 bw=2 Mbit/s seed 3`. */
export function describeRun(s: RunSpec): string {
  return `${s.mode} K=${s.consumers} patients=${s.patients} bw=${s.bottleneckBw} Mbit/s seed ${s.seed}`;
}
