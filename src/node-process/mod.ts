export * from "./config.js";
export * from "./iomt-node.js";
export * from "./consult-service.js";
