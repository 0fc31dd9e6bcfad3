import { consume, produce } from "@ndn/endpoint";
import { Forwarder } from "@ndn/fw";
import { Bridge } from "@ndn/l3face";
import { Data, Interest, Name } from "@ndn/packet";
import { secondsSince } from "./measure.js";

/**
 * The baseline for forwarding speed: plain NDNts forwarders in a chain of `hops` links (NDNts
 * bridges, no delay), `window` exchanges in flight (16: the fastest on our machine), producer answering with a ready Data of
 * `contentSize` octets. No signing, no verification, no node layer: what @ndn/fw alone costs.
 * @returns exchanges per second.
 */
export async function plainFwExchangesPerSecond(opts: { hops: number; exchanges: number; window?: number; contentSize?: number }): Promise<number> {
  const fws = Array.from({ length: opts.hops + 1 }, () => Forwarder.create());
  const bridges = fws.slice(1).map((fw, i) => Bridge.create({ fwA: fws[i]!, fwB: fw, routesAB: ["/p"], routesBA: [] }));
  const content = new Uint8Array(opts.contentSize ?? 20);
  const producer = produce("/p", async (interest) => new Data(interest.name, content), { fw: fws.at(-1)!, concurrency: 1024 });
  const window = opts.window ?? 16;
  const start = process.hrtime.bigint();
  let next = 0;
  const worker = async () => {
    while (next < opts.exchanges) {
      await consume(new Interest(new Name("/p").append(`${next++}`)), { fw: fws[0]! });
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
  const seconds = secondsSince(start);
  producer.close();
  for (const b of bridges) {
    b[Symbol.dispose]();
  }
  for (const fw of fws) {
    fw.close();
  }
  return opts.exchanges / seconds;
}
