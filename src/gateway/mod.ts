export * from "./reading-publisher.js";
export * from "./patient-gateway.js";
