export * from "./level-store.js";
