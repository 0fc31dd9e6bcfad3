export * from "./consumer-face.js";
export * from "./stream-follower.js";
export * from "./stream-producer.js";
