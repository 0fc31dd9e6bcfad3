/**
 * A worker process of the congestion experiment: runs the points its parent sends, one at a
 * time, and answers each with its record (see worker-pool.ts).
 */
import { readTopologyFile, type Topology } from "../topology/mod.js";
import { runCongestionPoint } from "./congestion-run.js";
import type { WorkerReply, WorkerRequest } from "./worker-pool.js";

const topologies = new Map<string, Promise<Topology>>();

process.on("message", (req: WorkerRequest) => {
  void (async (): Promise<WorkerReply> => {
    try {
      let topology = topologies.get(req.topologyFile);
      if (!topology) {
        topology = readTopologyFile(req.topologyFile);
        topologies.set(req.topologyFile, topology);
      }
      return { id: req.spec.id, record: await runCongestionPoint({ topology: await topology, bottleneck: req.bottleneck }, req.spec) };
    } catch (err: unknown) {
      return { id: req.spec.id, error: (err as Error).stack ?? String(err) };
    }
  })().then((reply) => process.send!(reply));
});
// The parent closes the channel when it has no more work.
process.on("disconnect", () => process.exit(0));
