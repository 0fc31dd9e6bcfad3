export * from "./run-scenario.js";
export * from "./summary.js";
export * from "./scenario-file.js";
