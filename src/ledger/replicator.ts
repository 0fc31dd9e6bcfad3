import type { Forwarder } from "@ndn/fw";
import { type Data, ImplicitDigest, Interest, type Name } from "@ndn/packet";

import { ledgerPrefix, showName } from "../naming/mod.js";
import type { LevelStore } from "../repo/mod.js";
import { Reading } from "../sensors/mod.js";
import { ConsumerFace, StreamFollower } from "../streams/mod.js";
import { isTrusted, type TrustVerifier } from "../trust/mod.js";
import { reportFailure } from "../util/report.js";
import { LedgerBlock } from "./block.js";
import { fullName } from "./digest.js";

export interface LedgerReplicatorOptions {
  fw: Forwarder;
  hospital: string;
  /** Patients whose ledgers this hospital keeps. */
  patients: readonly string[];
  /** The hospital repo. */
  store: LevelStore;
  /** Verifies every block under the trust policy. */
  verifier: TrustVerifier;
  /** Retransmissions of a reading before it is reported missing. @defaultValue 5 */
  readingRetries?: number;
}

/**
 * The hospital's replica of its patients' medical-devices ledgers: follows each ledger's blocks as
 * the gateways commit them, verifies each, fetches by name every committed reading the hospital
 * repo lacks (checking it against the committed digest), and stores the block once its readings
 * are in. A reading already fetched by the live monitor is usually in the hospital's own Content
 * Store, so replication costs the access links little.
 */
export class LedgerReplicator implements Disposable {
  private readonly face: ConsumerFace;
  private readonly followers: StreamFollower[];
  private queue: Promise<void> = Promise.resolve();
  /** Reading produced → its block stored at this repo, ms, for every committed reading. */
  readonly commitLatencies: number[] = [];
  readonly counters = { blocks: 0, readings: 0, rejectedBlocks: 0, missingReadings: 0 };
  readonly perPatient = new Map<string, { blocks: number; readingsCommitted: number }>();

  constructor(private readonly opts: LedgerReplicatorOptions) {
    this.face = new ConsumerFace(opts.fw, `replicator ${opts.hospital}`);
    const report = reportFailure(`replicator ${opts.hospital}`);
    this.followers = opts.patients.map((pid) => {
      this.perPatient.set(pid, { blocks: 0, readingsCommitted: 0 });
      return new StreamFollower({
        face: this.face,
        prefix: ledgerPrefix(opts.hospital, pid),
        window: 2,
        lifetimeMs: 30_000,
        // Blocks of one chain are stored in order, one after another.
        onData: (block) => {
          this.queue = this.queue.then(() => this.replicate(pid, block)).catch(report);
        },
      });
    });
  }

  private async replicate(pid: string, blockData: Data): Promise<void> {
    if (!await isTrusted(this.opts.verifier, blockData)) {
      ++this.counters.rejectedBlocks;
      return;
    }
    const block = LedgerBlock.fromContent(blockData.content);
    const fetched: Data[] = [];
    for (const committed of block.committed) {
      const plain = ImplicitDigest.strip(committed);
      if (await this.opts.store.get(plain)) {
        continue;
      }
      const reading = await this.fetchReading(committed);
      if (reading) {
        fetched.push(reading);
      } else {
        ++this.counters.missingReadings;
      }
    }
    await this.opts.store.insert(...fetched, blockData);
    const storedAt = Date.now();
    for (const committed of block.committed) {
      const reading = fetched.find((d) => d.name.equals(ImplicitDigest.strip(committed))) ?? await this.opts.store.get(ImplicitDigest.strip(committed));
      if (reading) {
        this.commitLatencies.push(storedAt - Reading.fromContent(reading.content).producedAt);
      }
    }
    ++this.counters.blocks;
    this.counters.readings += block.committed.length;
    const p = this.perPatient.get(pid)!;
    ++p.blocks;
    p.readingsCommitted += block.committed.length;
  }

  /** Fetch a reading by name and accept it only if it is the committed one. */
  private async fetchReading(committed: Name): Promise<Data | undefined> {
    const data = await this.face.fetch(new Interest(ImplicitDigest.strip(committed), Interest.Lifetime(4000)), 1 + (this.opts.readingRetries ?? 5));
    if (data && !fullName(data).equals(committed)) {
      console.error(`replicator: ${showName(data.name)} does not match its committed digest`);
      return undefined;
    }
    return data;
  }

  /** Resolves once every block received so far is stored. */
  settled(): Promise<void> {
    return this.queue;
  }

  [Symbol.dispose](): void {
    for (const f of this.followers) {
      f[Symbol.dispose]();
    }
    this.face[Symbol.dispose]();
  }
}
