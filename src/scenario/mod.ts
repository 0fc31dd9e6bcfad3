export * from "./run-scenario.js";
export * from "./summary.js";
