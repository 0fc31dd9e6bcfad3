/**
 * One side of a pair {@link benchForwarding} measures: `node forwarding-process.js plain|node-layer`
 * builds a {@link ForwardingChain} and warms it up (so that turns measure compiled code), then runs
 * each {@link ForwardingRequest} its parent sends and answers with the seconds it took. With
 * EXCHANGES after the configuration, it runs that many once, after the warm-up, prints
 * `{"exchangesPerSecond": N}` and exits (scripts/forwarding-instructions.sh).
 */
import { serveBenchRequests } from "./own-process.js";
import { ForwardingChain, FORWARDING_HOPS, type ForwardingRequest, type ForwardingResponse } from "./plain-fw.js";

const [nodes = "", once] = process.argv.slice(2);
if ((nodes !== "plain" && nodes !== "node-layer") || (once !== undefined && !(Number(once) > 0))) {
  throw new Error("usage: forwarding-process.js plain|node-layer [EXCHANGES]");
}
const chain = new ForwardingChain({ hops: FORWARDING_HOPS, nodes });
await chain.run(3000);
if (once === undefined) {
  serveBenchRequests<ForwardingRequest, ForwardingResponse>(async ({ exchanges, again }) => ({ seconds: await chain.run(exchanges, again) }));
} else {
  process.stdout.write(`${JSON.stringify({ exchangesPerSecond: Number(once) / await chain.run(Number(once)) })}\n`);
  chain[Symbol.dispose]();
}
