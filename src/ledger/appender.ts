import { Data, type Name } from "@ndn/packet";

import { ledgerBlockName } from "../naming/mod.js";
import type { LevelStore } from "../repo/mod.js";
import type { Identity } from "../trust/mod.js";
import { reportFailure } from "../util/report.js";
import { LedgerBlock } from "./block.js";
import { fullName, merkleRoot } from "./digest.js";

export interface LedgerAppenderOptions {
  hospital: string;
  pid: string;
  /** The patient gateway's identity: it signs every block. */
  identity: Identity;
  /** The home repo, where readings and blocks are stored. */
  store: LevelStore;
  /** Commit a block once this many readings wait. @defaultValue 60 */
  everyReadings?: number;
  /** Commit a block at least this often while readings wait, ms. @defaultValue 60000 */
  everyMs?: number;
  /** Called with each block once it is stored. */
  onBlock?: (block: Data, committed: readonly Name[]) => void;
}

/**
 * The patient gateway's side of the medical-devices ledger: stores every reading in the home repo,
 * and commits the readings' full names in hash-linked blocks signed by the gateway, every N
 * readings or T seconds. Block 0 (genesis) commits nothing and binds the chain to the gateway's
 * certificate.
 */
export class LedgerAppender implements Disposable {
  private readonly waiting: Name[] = [];
  private height = 0;
  private prev?: Name;
  private queue: Promise<void> = Promise.resolve();
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly report = reportFailure("ledger");

  constructor(private readonly opts: LedgerAppenderOptions) {
    this.enqueue(() => this.commit([], fullName(opts.identity.cert.data)));
    this.timer = setInterval(() => {
      if (this.waiting.length > 0) {
        this.enqueue(() => this.commit(this.waiting.splice(0)));
      }
    }, opts.everyMs ?? 60_000);
  }

  /** Blocks committed so far (genesis included). */
  get blocks(): number {
    return this.height;
  }

  /** Store a reading and queue it for the next block. */
  add(reading: Data): void {
    const name = fullName(reading);
    this.enqueue(async () => {
      await this.opts.store.insert(reading);
      this.waiting.push(name);
      if (this.waiting.length >= (this.opts.everyReadings ?? 60)) {
        await this.commit(this.waiting.splice(0));
      }
    });
  }

  /** Commit what waits now (at the end of a run). */
  flush(): Promise<void> {
    this.enqueue(() => this.waiting.length > 0 ? this.commit(this.waiting.splice(0)) : Promise.resolve());
    return this.queue;
  }

  private enqueue(job: () => Promise<void>): void {
    this.queue = this.queue.then(job).catch(this.report);
  }

  private async commit(committed: Name[], patientCert?: Name): Promise<void> {
    const block = new LedgerBlock();
    block.height = this.height;
    block.prev = this.prev;
    block.patientCert = patientCert;
    block.time = Date.now();
    block.committed = committed;
    block.merkleRoot = merkleRoot(committed);
    const data = new Data(ledgerBlockName(this.opts.hospital, this.opts.pid, this.height), block.toContent(), Data.FreshnessPeriod(60_000));
    await this.opts.identity.signer.sign(data);
    await this.opts.store.insert(data);
    this.prev = fullName(data);
    ++this.height;
    this.opts.onBlock?.(data, committed);
  }

  [Symbol.dispose](): void {
    clearInterval(this.timer);
  }
}
