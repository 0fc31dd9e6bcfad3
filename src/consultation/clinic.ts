import type { Data } from "@ndn/packet";
import { Encoder } from "@ndn/tlv";

import { patientPrefix, showName } from "../naming/mod.js";
import type { Identity } from "../trust/mod.js";
import { reportFailure } from "../util/report.js";
import { MAX_RECORD } from "./chain.js";
import { RecordKind, writeRecord } from "./record.js";
import type { ConsultationReplica } from "./replica.js";

export interface ClinicOptions {
  hospital: string;
  consortium: string;
  replica: ConsultationReplica;
  /** Health workers who write records. */
  doctors: readonly Identity[];
  /** Each doctor writes a record this often, ms; 0: never. */
  writeEveryMs: number;
  /** Doctors stop writing after this long, ms. @defaultValue forever */
  writeForMs?: number;
  /** The registrar commits this often, ms: waiting records, or else references only, if a block with records awaits its reference. */
  commitEveryMs: number;
  /** Called with each committed block. */
  onCommit?: (blocks: readonly Data[]) => void;
}

/**
 * A hospital's consultation activity: its doctors write records at a steady rate, and its
 * registrar commits them every period, or a block of references only when another hospital's block
 * of records awaits its reference (so that confirmations progress, and stop when writing does).
 * Drives simulations and `iomt node`.
 */
export class Clinic implements Disposable {
  private readonly writers: Array<ReturnType<typeof setInterval>> = [];
  private readonly committer: ReturnType<typeof setInterval>;
  private readonly waiting: Data[] = [];
  private seq = 0;
  /** Records committed so far. */
  public committed = 0;

  constructor(private readonly opts: ClinicOptions) {
    const report = reportFailure(`clinic ${opts.hospital}`);
    if (opts.writeEveryMs > 0) {
      const until = Date.now() + (opts.writeForMs ?? Number.MAX_SAFE_INTEGER);
      for (const doctor of opts.doctors) {
        this.writers.push(setInterval(() => Date.now() < until && void this.write(doctor).catch(report), opts.writeEveryMs));
      }
    }
    this.committer = setInterval(() => void this.commit().catch(report), opts.commitEveryMs);
  }

  /** Queue a record written elsewhere (verified by the caller) for the next block; one over {@link MAX_RECORD} octets is refused. */
  submit(record: Data): void {
    const size = Encoder.encode(record).length;
    if (size > MAX_RECORD) {
      throw new RangeError(`record ${showName(record.name)} is ${size} octets; a record may have at most ${MAX_RECORD}`);
    }
    this.waiting.push(record);
  }

  private async write(doctor: Identity): Promise<void> {
    const n = this.seq++;
    this.waiting.push(await writeRecord(doctor, this.opts.consortium, n, {
      kind: RecordKind.Note, patient: patientPrefix(this.opts.hospital, "consult"), text: `consultation note ${n} at ${this.opts.hospital}`,
    }));
  }

  private async commit(): Promise<void> {
    const { dag } = this.opts.replica;
    if (this.waiting.length === 0 && dag.newest(this.opts.hospital) && !dag.awaitsReferenceFrom(this.opts.hospital)) {
      return;
    }
    const records = this.waiting.splice(0);
    let blocks: Data[];
    try {
      blocks = await this.opts.replica.commit(records);
    } catch (err: unknown) {
      this.waiting.unshift(...records); // for the next round: nothing written is lost
      throw err;
    }
    this.committed += records.length;
    this.opts.onCommit?.(blocks);
  }

  /** Records written or submitted, not committed yet. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Doctors stop writing; the registrar goes on committing what waits, and references. */
  stopWriting(): void {
    for (const t of this.writers) {
      clearInterval(t);
    }
  }

  [Symbol.dispose](): void {
    this.stopWriting();
    clearInterval(this.committer);
  }
}
