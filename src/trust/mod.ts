export * from "./identity.js";
export * from "./policy.js";
export * from "./verifier.js";
