export * from "./catalog.js";
export * from "./fhir.js";
export * from "./medical-device.js";
export * from "./physiology.js";
export * from "./reading.js";
