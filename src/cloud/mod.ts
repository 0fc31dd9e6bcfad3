export * from "./cloud-server.js";
