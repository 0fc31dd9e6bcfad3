export * from "./appender.js";
export * from "./block.js";
export * from "./digest.js";
export * from "./verify.js";
export * from "./replicator.js";
