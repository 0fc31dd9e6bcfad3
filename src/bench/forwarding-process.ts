/**
 * One run {@link benchForwarding} measures, in a process of its own:
 * `node forwarding-process.js plain|node-layer EXCHANGES [HOLD_BYTES [bridges|simulated]]` builds a
 * {@link ForwardingChain} (its links as {@link ChainOptions.links}), warms it up with 3,000
 * exchanges, then runs EXCHANGES new names through it without a pause, as a loaded forwarder does,
 * and prints a {@link ForwardingRun}.
 * With `node-layer` it then asks for names it holds again (`hitExchangesPerSecond`). With
 * HOLD_BYTES the process holds that many octets in typed arrays from before the warm-up, as the
 * node layer's Content Store and tables do (`plain` with the layer's octets: what holding them
 * costs @ndn/fw alone). `arrayBufferBytes` is what the process's typed arrays held at the end.
 */
import { type ChainOptions, ForwardingChain, FORWARDING_HOPS, type ForwardingRun } from "./plain-fw.js";

const [nodes = "", exchanges = "", holdBytes = "0", links = "bridges"] = process.argv.slice(2);
if ((nodes !== "plain" && nodes !== "node-layer") || !(Number(exchanges) > 0) || !(Number(holdBytes) >= 0) ||
  (links !== "bridges" && links !== "simulated")) {
  throw new Error("usage: forwarding-process.js plain|node-layer EXCHANGES [HOLD_BYTES [bridges|simulated]]");
}
const chain = new ForwardingChain({ hops: FORWARDING_HOPS, nodes, links: links as ChainOptions["links"] });
const MIB = 1 << 20;
const held = Array.from({ length: Math.ceil(Number(holdBytes) / MIB) },
  (_, i) => new Uint8Array(Math.min(MIB, Number(holdBytes) - i * MIB)).fill(1));
await chain.run(3000);
const run: ForwardingRun = { exchangesPerSecond: Number(exchanges) / await chain.run(Number(exchanges)) };
if (nodes === "node-layer") {
  // Names within the Content Store's capacity, all of them hits.
  const again = Math.min(Number(exchanges), 5000);
  run.hitExchangesPerSecond = again / await chain.run(again, true);
}
run.arrayBufferBytes = process.memoryUsage().arrayBuffers;
run.heldBytes = held.reduce((n, a) => n + a.length, 0);
process.stdout.write(`${JSON.stringify(run)}\n`);
chain[Symbol.dispose]();
