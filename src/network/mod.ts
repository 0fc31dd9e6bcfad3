export * from "./emulated-network.js";
export * from "./link.js";
