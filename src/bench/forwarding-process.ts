/**
 * One measurement of {@link chainExchangesPerSecond} in a process of its own:
 * `node forwarding-process.js plain|node-layer|cs-hits EXCHANGES`. A warm-up of a thousand
 * exchanges first (a chain of its own), so that the figure is of compiled code. Prints
 * `{"exchangesPerSecond": N}`.
 */
import { chainExchangesPerSecond, type ChainOptions, FORWARDING_HOPS } from "./plain-fw.js";

const configs: Record<string, Pick<ChainOptions, "nodes" | "repeat">> = {
  plain: { nodes: "plain" },
  "node-layer": { nodes: "node-layer" },
  "cs-hits": { nodes: "node-layer", repeat: true },
};
const [name = "", exchanges] = process.argv.slice(2);
const config = configs[name];
if (!config || !(Number(exchanges) > 0)) {
  throw new Error(`usage: forwarding-process.js ${Object.keys(configs).join("|")} EXCHANGES`);
}
await chainExchangesPerSecond({ hops: FORWARDING_HOPS, exchanges: 1000, ...config });
const exchangesPerSecond = await chainExchangesPerSecond({ hops: FORWARDING_HOPS, exchanges: Number(exchanges), ...config });
process.stdout.write(`${JSON.stringify({ exchangesPerSecond })}\n`);
