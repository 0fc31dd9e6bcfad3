export * from "./tcp-listener.js";
export * from "./udp-peers.js";
