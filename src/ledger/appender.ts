import { Data, type Name } from "@ndn/packet";

import { expectName, KW, ledgerBlockName, ledgerPrefix, parseName, patientPrefix } from "../naming/mod.js";
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
  /** Go on with a chain already in the store (after a restart): see {@link resumeLedger}. */
  resume?: LedgerResume;
}

/** Where a stored chain left off. */
export interface LedgerResume {
  /** Height of the next block. */
  height: number;
  /** Full name of the newest stored block. */
  prev: Name;
  /** Readings stored but not yet committed: they go into the next block. */
  waiting: Name[];
}

/**
 * Where a patient's chain in `store` left off, or undefined if it has none: the next height, the
 * newest block, and the readings stored that no block commits (a crash between storing a reading
 * and committing it loses nothing).
 */
export async function resumeLedger(store: LevelStore, hospital: string, pid: string): Promise<LedgerResume | undefined> {
  let newest: Data | undefined;
  let newestHeight = -1;
  const committed = new Set<string>();
  for await (const data of store.listData(ledgerPrefix(hospital, pid))) {
    const height = expectName(data.name, "ledger-block").height;
    for (const n of LedgerBlock.fromContent(data.content).committed) {
      committed.add(n.valueHex);
    }
    if (height > newestHeight) {
      [newest, newestHeight] = [data, height];
    }
  }
  if (!newest) {
    return undefined;
  }
  const waiting: Name[] = [];
  for await (const data of store.listData(patientPrefix(hospital, pid).append(KW.device))) {
    const name = fullName(data);
    if (parseName(data.name).kind === "reading" && !committed.has(name.valueHex)) {
      waiting.push(name);
    }
  }
  return { height: newestHeight + 1, prev: fullName(newest), waiting };
}

/**
 * The patient gateway's side of the medical-devices ledger: stores every reading in the home repo,
 * and commits the readings' full names in hash-linked blocks signed by the gateway, every N
 * readings or T seconds. Block 0 (genesis) commits nothing and binds the chain to the gateway's
 * certificate. With `resume`, it goes on with a stored chain instead.
 */
export class LedgerAppender implements Disposable {
  private readonly waiting: Name[] = [];
  private height = 0;
  private prev?: Name;
  private queue: Promise<void> = Promise.resolve();
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly report = reportFailure("ledger");

  constructor(private readonly opts: LedgerAppenderOptions) {
    if (opts.resume) {
      this.height = opts.resume.height;
      this.prev = opts.resume.prev;
      this.waiting.push(...opts.resume.waiting);
    } else {
      this.enqueue(() => this.commit([], fullName(opts.identity.cert.data)));
    }
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

  /** Store a reading and queue it for the next block; resolves once it is stored. */
  add(reading: Data): Promise<void> {
    const name = fullName(reading);
    return new Promise<void>((stored) => {
      this.enqueue(async () => {
        await this.opts.store.insert(reading);
        stored();
        this.waiting.push(name);
        if (this.waiting.length >= (this.opts.everyReadings ?? 60)) {
          await this.commit(this.waiting.splice(0));
        }
      });
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
