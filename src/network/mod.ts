export * from "./emulated-network.js";
