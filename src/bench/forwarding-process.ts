/**
 * One run {@link benchForwarding} measures, in a process of its own, started with `--expose-gc`:
 * `node --expose-gc forwarding-process.js plain|node-layer EXCHANGES [l3face|lp-face [bridges|simulated [steady|fresh]]]`
 * builds a {@link ForwardingChain} (its faces and links as {@link ChainOptions}), warms it up with
 * 3,000 exchanges, then runs EXCHANGES new names through it without a pause, as a loaded forwarder
 * does, and prints a {@link ForwardingRun}.
 *
 * `steady` (the default) makes a major garbage collection after the warm-up, as every forwarder
 * that has run for a while has had: until its first one, @ndn/fw over L3Face promotes almost
 * nothing from each young collection, and forwards some 20% faster than it ever does again
 * (BENCHMARKS.md). `fresh` leaves it out, to see that first state; when the process's start
 * allocated enough to need a major collection already, there is none to see. With `node-layer`
 * the run then asks for names it holds again (`hitExchangesPerSecond`).
 */
import { type ChainOptions, ForwardingChain, FORWARDING_HOPS, type ForwardingRun } from "./plain-fw.js";

const [nodes = "", exchanges = "", faces = "l3face", links = "bridges", state = "steady"] = process.argv.slice(2);
const collect = (globalThis as { gc?: () => void }).gc;
if ((nodes !== "plain" && nodes !== "node-layer") || !(Number(exchanges) > 0) || (faces !== "l3face" && faces !== "lp-face") ||
  (links !== "bridges" && links !== "simulated") || (state !== "steady" && state !== "fresh") || !collect) {
  throw new Error("usage: node --expose-gc forwarding-process.js plain|node-layer EXCHANGES [l3face|lp-face [bridges|simulated [steady|fresh]]]");
}
const chain = new ForwardingChain({ hops: FORWARDING_HOPS, nodes, faces: faces as ChainOptions["faces"], links: links as ChainOptions["links"] });
await chain.run(3000);
if (state === "steady") {
  collect();
}
const run: ForwardingRun = { exchangesPerSecond: Number(exchanges) / await chain.run(Number(exchanges)) };
if (nodes === "node-layer") {
  // Names within the Content Store's capacity, all of them hits.
  const again = Math.min(Number(exchanges), 5000);
  run.hitExchangesPerSecond = again / await chain.run(again, true);
}
process.stdout.write(`${JSON.stringify(run)}\n`);
chain[Symbol.dispose]();
