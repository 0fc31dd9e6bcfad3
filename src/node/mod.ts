export * from "./content-store.js";
export * from "./node-forwarder.js";
