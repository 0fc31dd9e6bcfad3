import { produce, type Producer } from "@ndn/endpoint";
import type { Forwarder } from "@ndn/fw";
import type { Name } from "@ndn/packet";
import type { DataStore as S } from "@ndn/repo-api";

import { showName } from "../naming/mod.js";

/**
 * Serves a store to the network: one producer per prefix, answering each Interest with
 * `store.find` (exact name, or with CanBePrefix the first packet under it; MustBeFresh honoured),
 * many at once. Each prefix is announced to the forwarder, which readvertises it (to NFD, say)
 * where a readvertise destination is set.
 */
export class RepoProducer implements Disposable {
  private readonly producers: Producer[];

  constructor(fw: Forwarder, store: S.Find, prefixes: readonly Name[]) {
    this.producers = prefixes.map((prefix) => produce(prefix, (interest) => store.find(interest), {
      fw,
      describe: `repo ${showName(prefix)}`,
      concurrency: 256,
    }));
  }

  [Symbol.dispose](): void {
    for (const p of this.producers) {
      p.close();
    }
  }
}
