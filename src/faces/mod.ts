export * from "./tcp-listener.js";
