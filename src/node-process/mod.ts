export * from "./config.js";
export * from "./iomt-node.js";
