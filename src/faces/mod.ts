export * from "./local-rib.js";
export * from "./lp-face.js";
export * from "./network-face.js";
export * from "./nfd-face.js";
export * from "./stream-listener.js";
export * from "./stream-peer.js";
export * from "./udp-peers.js";
