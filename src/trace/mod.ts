export * from "./csv.js";
export * from "./tracers.js";
