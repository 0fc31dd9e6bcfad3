#!/usr/bin/env node
// Plain JavaScript, readable by any Node, so an old Node gets one clear line instead of a stack trace.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 11)) {
  console.error(`ndn-iomt needs Node.js >= 22.11 (the @ndn packages require it); this is Node ${process.versions.node}. See .nvmrc.`);
  process.exit(1);
}
try {
  await import("../dist/cli/main.js");
} catch (err) {
  if (err?.code === "ERR_MODULE_NOT_FOUND" && String(err.message).includes("dist/cli/main.js")) {
    console.error("ndn-iomt is not built: run `npm run build` first (npm start builds it for you).");
    process.exit(1);
  }
  throw err;
}
