export * from "./identity.js";
export * from "./policy.js";
export * from "./verifier.js";
export * from "./sync-ecdsa.js";
export * from "./certificate-file.js";
