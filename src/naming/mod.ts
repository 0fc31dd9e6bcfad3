export * from "./namespace.js";
export * from "./streams.js";
