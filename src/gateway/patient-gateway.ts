import type { Forwarder } from "@ndn/fw";
import { type Data, ImplicitDigest } from "@ndn/packet";

import { expectName, ledgerPrefix, parseName, patientPrefix, type StreamId } from "../naming/mod.js";
import { LedgerAppender, type LedgerResume, resumeLedger } from "../ledger/mod.js";
import type { LevelStore } from "../repo/mod.js";
import type { SignedReading } from "../sensors/mod.js";
import { StreamProducer } from "../streams/mod.js";
import type { Identity } from "../trust/mod.js";
import { ReadingPublisher } from "./reading-publisher.js";

export interface PatientGatewayOptions {
  fw: Forwarder;
  hospital: string;
  pid: string;
  /** device id → its streams */
  devices: ReadonlyMap<string, readonly StreamId[]>;
  /** The gateway's identity for this patient, issued by the hospital: it signs the ledger. */
  identity: Identity;
  /** The home repo: every reading and block is stored here, and answers for old ones. */
  store: LevelStore;
  /** Ledger block every N readings, or T ms (LedgerAppender's defaults: 60, 60 s). */
  ledger?: { everyReadings?: number; everyMs?: number };
}

/**
 * A home gateway's work for one patient: serves each reading the devices sign at once (a stream
 * per device and vital sign), stores it in the home repo, and commits it to the patient's
 * medical-devices ledger, whose blocks it serves as a stream too.
 */
export class PatientGateway implements Disposable {
  readonly publisher: ReadingPublisher;
  readonly appender: LedgerAppender;
  private readonly ledgerStream: StreamProducer;

  private constructor(opts: PatientGatewayOptions, resume: LedgerResume | undefined, newestBlock: Data | undefined,
      /** Per stream (`<did>/<stream>`), the sequence number a restarted device goes on at. */
      readonly nextSeqs: ReadonlyMap<string, number>) {
    const { fw, hospital, pid, store } = opts;
    this.publisher = new ReadingPublisher({ fw, hospital, pid, devices: opts.devices, store });
    this.ledgerStream = new StreamProducer({ fw, prefix: ledgerPrefix(hospital, pid), fallback: (i) => store.find(i) });
    this.appender = new LedgerAppender({
      hospital, pid, identity: opts.identity, store, resume,
      everyReadings: opts.ledger?.everyReadings, everyMs: opts.ledger?.everyMs,
      onBlock: (block) => this.ledgerStream.publish(expectName(block.name, "ledger-block").height, block),
    });
    if (resume && newestBlock) {
      this.ledgerStream.resume(resume.height - 1, newestBlock);
    }
    this.publisher.resumeFrom(nextSeqs);
  }

  /** Start serving a patient; with a stored chain, its ledger goes on from it. */
  static async open(opts: PatientGatewayOptions): Promise<PatientGateway> {
    await opts.store.insert(opts.identity.cert.data);
    const resume = await resumeLedger(opts.store, opts.hospital, opts.pid);
    return new PatientGateway(opts, resume, resume && await opts.store.get(ImplicitDigest.strip(resume.prev)),
      await nextReadingSeqs(opts.store, opts.hospital, opts.pid));
  }

  /**
   * A device's signed reading: stored and queued for the ledger, then served. Stored first, so that
   * no reading the network has seen is lost to a crash, and a restart never reuses its name.
   */
  take(r: SignedReading): Promise<void> {
    return this.appender.add(r.data).then(() => this.publisher.publish(r));
  }

  [Symbol.dispose](): void {
    this.appender[Symbol.dispose]();
    this.ledgerStream[Symbol.dispose]();
    this.publisher[Symbol.dispose]();
  }
}

/** One past the newest reading stored of each of a patient's streams: where a restarted device goes on. */
async function nextReadingSeqs(store: LevelStore, hospital: string, pid: string): Promise<Map<string, number>> {
  const next = new Map<string, number>(); // "<did>/<stream>" → seq
  for await (const name of store.listNames(patientPrefix(hospital, pid))) {
    const p = parseName(name);
    if (p.kind === "reading") {
      const key = `${p.did}/${p.stream}`;
      next.set(key, Math.max(next.get(key) ?? 0, p.seq + 1));
    }
  }
  return next;
}
