export * from "./congestion-experiment.js";
export * from "./congestion-run.js";
export * from "./plan.js";
export * from "./run-record.js";
export * from "./topology-variant.js";
export * from "./worker-pool.js";
