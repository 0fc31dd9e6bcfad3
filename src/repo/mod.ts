export * from "./level-store.js";
export * from "./repo-producer.js";
