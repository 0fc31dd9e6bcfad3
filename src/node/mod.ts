export * from "./content-store.js";
export * from "./int-table.js";
export * from "./name-hash.js";
export * from "./node-forwarder.js";
export * from "./recent-memory.js";
export * from "./unicast-flows.js";
