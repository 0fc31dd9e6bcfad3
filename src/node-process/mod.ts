export * from "./config.js";
export * from "./consult-service.js";
export * from "./home-role.js";
export * from "./hospital-role.js";
export * from "./iomt-node.js";
export * from "./node-faces.js";
export * from "./provision.js";
