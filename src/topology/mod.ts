export * from "./conf-parser.js";
export * from "./topology.js";
export * from "./lookup.js";
export * from "./ndnsim-import.js";
export * from "./paths.js";
