/**
 * Runs {@link dependencyCeiling} in a process of its own, on a fresh heap, as the scenarios it is
 * compared with run: `node dependency-ceiling-process.js TOPOLOGY_FILE DURATION_MS`. Prints the
 * figures as JSON.
 */
import { readTopologyFile } from "../topology/mod.js";
import { dependencyCeiling } from "./dependency-ceiling.js";

const [file, durationMs] = process.argv.slice(2);
if (!file || !durationMs) {
  throw new Error("usage: dependency-ceiling-process.js TOPOLOGY_FILE DURATION_MS");
}
const ceiling = await dependencyCeiling(await readTopologyFile(file), Number(durationMs));
process.stdout.write(`${JSON.stringify(ceiling)}\n`);
