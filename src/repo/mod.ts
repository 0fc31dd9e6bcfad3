export * from "./level-store.js";
export * from "./repo-producer.js";
export * from "./tape.js";
