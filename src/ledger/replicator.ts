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

export interface LedgerReplicaCounters {
  blocks: number;
  readingsCommitted: number;
  rejectedBlocks: number;
  missingReadings: number;
}

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
 * repo lacks (checking it against the committed digest), and stores them with the block (a reading
 * no one could give is counted, and the block still stored as evidence). A reading already fetched by the live monitor is usually in the hospital's own Content
 * Store, so replication costs the access links little.
 */
export class LedgerReplicator implements Disposable {
  private readonly face: ConsumerFace;
  private readonly followers: StreamFollower[];
  private queue: Promise<void> = Promise.resolve();
  private stopping = false;
  /** Reading produced → its block stored at this repo, ms, for every committed reading. */
  readonly commitLatencies: number[] = [];
  /** Per patient: blocks stored, readings they commit, blocks refused (trust), committed readings no replica gave. */
  readonly perPatient = new Map<string, LedgerReplicaCounters>();

  constructor(private readonly opts: LedgerReplicatorOptions) {
    this.face = new ConsumerFace(opts.fw, `replicator ${opts.hospital}`);
    const report = reportFailure(`replicator ${opts.hospital}`);
    this.followers = opts.patients.map((pid) => {
      this.perPatient.set(pid, { blocks: 0, readingsCommitted: 0, rejectedBlocks: 0, missingReadings: 0 });
      return new StreamFollower({
        face: this.face,
        prefix: ledgerPrefix(opts.hospital, pid),
        window: 2,
        // Short enough that an Interest lost while the gateway is unreachable (not up yet, or on
        // the far side of an outage) is soon asked again; the gateway holds it until the next block.
        lifetimeMs: 4000,
        // Blocks of one chain are stored in order, one after another.
        onData: (block) => {
          this.queue = this.queue.then(() => this.replicate(pid, block)).catch(report);
        },
      });
    });
  }

  private async replicate(pid: string, blockData: Data): Promise<void> {
    const p = this.perPatient.get(pid)!;
    if (!await isTrusted(this.opts.verifier, blockData)) {
      ++p.rejectedBlocks;
      return;
    }
    const block = LedgerBlock.fromContent(blockData.content);
    // Each committed reading: from this repo if it has it, else fetched from the network.
    const readings: Array<Data | undefined> = [];
    const fetched: Data[] = [];
    for (const committed of block.committed) {
      let reading = await this.opts.store.get(ImplicitDigest.strip(committed));
      if (!reading) {
        reading = await this.fetchReading(committed);
        if (reading) {
          fetched.push(reading);
        }
      }
      readings.push(reading);
    }
    const missing = readings.filter((r) => !r).length;
    if (missing > 0 && this.stopping) {
      // Readings cut off by our own shutdown are not missing: keep what came, leave the block
      // unstored, and the follower, which starts from the chain's beginning, takes it up again
      // after a restart.
      await this.opts.store.insert(...fetched);
      return;
    }
    // The block is kept even with readings missing: it is the evidence of what they should be,
    // and `iomt ledger verify` names them.
    await this.opts.store.insert(...fetched, blockData);
    p.missingReadings += missing;
    const storedAt = Date.now();
    for (const reading of readings) {
      if (reading) {
        this.commitLatencies.push(storedAt - Reading.fromContent(reading.content).producedAt);
      }
    }
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

  /** Stop following, and resolve once the block in hand is stored (or, with readings cut off, left for a restart). */
  async stop(): Promise<void> {
    this.stopping = true;
    this[Symbol.dispose]();
    await this.queue;
  }

  [Symbol.dispose](): void {
    for (const f of this.followers) {
      f[Symbol.dispose]();
    }
    this.face[Symbol.dispose]();
  }
}
