export * from "./block.js";
export * from "./chain.js";
export * from "./dag.js";
export * from "./record.js";
export * from "./replica.js";
export * from "./clinic.js";
