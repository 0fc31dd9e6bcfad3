import { consume, produce } from "@ndn/endpoint";
import { Forwarder } from "@ndn/fw";
import { Data, Interest, Name } from "@ndn/packet";
import { Link } from "/work/main/dist/network/link.js";
import { VirtualClock } from "/work/main/dist/sim/virtual-clock.js";
import { NodeForwarder } from "/work/main/dist/node/mod.js";
import { ConsumerFace } from "/work/main/dist/streams/mod.js";
const kind = process.argv[2] ?? "plain";
const clock = new VirtualClock({ seed: 1 }).install();
const nodes = [0, 1, 2].map(() => kind === "plain" ? { fw: Forwarder.create(), add: (f) => undefined } : new NodeForwarder());
const fws = nodes.map((n) => n.fw);
for (let i = 0; i < 2; ++i) {
  const link = new Link(`n${i}`, `n${i+1}`, { delayMs: 5 }, 1);
  const a = kind === "plain" ? fws[i].addFace(link.faceA) : nodes[i].addNetworkFace(link.faceA);
  const b = kind === "plain" ? fws[i+1].addFace(link.faceB) : nodes[i+1].addNetworkFace(link.faceB);
  a.addRoute(new Name("/p"));
}
produce("/p", async (i) => new Data(i.name, new Uint8Array(20), Data.FreshnessPeriod(60000)), { fw: fws[2], concurrency: 1024 });
const N = 20000; let next = 0;
const cf = process.argv[3] === "cf" ? new ConsumerFace(fws[0]) : undefined;
const worker = async () => { while (next < N) { const i = new Interest(new Name("/p").append(`${next++}`)); await (cf ? cf.express(i) : consume(i, { fw: fws[0] })); } };
const t = process.hrtime.bigint();
const all = Promise.all(Array.from({ length: 16 }, worker));
let done = false; all.then(() => done = true);
while (!done) await clock.advance(1000);
const s = Number(process.hrtime.bigint() - t) / 1e9;
console.log(kind, "exchanges/s wall", Math.round(N / s), "virtual s", clock.elapsed / 1000);
process.exit(0);
