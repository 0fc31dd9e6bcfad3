import { Data, type Name } from "@ndn/packet";

import { readingNameIn, type StreamId, streamPrefix } from "../naming/mod.js";
import type { Identity } from "../trust/mod.js";
import { reportFailure } from "../util/report.js";
import { STREAMS } from "./catalog.js";
import type { Physiology } from "./physiology.js";
import { Reading } from "./reading.js";

/** A reading as its device made it: signed Data, with the fields it was made from. */
export interface SignedReading {
  readonly data: Data;
  readonly did: string;
  readonly stream: StreamId;
  readonly seq: number;
  readonly reading: Reading;
}

export interface MedicalDeviceOptions {
  hospital: string;
  pid: string;
  did: string;
  streams: readonly StreamId[];
  /** The device's key and certificate, enrolled by the patient's gateway. */
  identity: Identity;
  physiology: Physiology;
  /** Sampling rate per vital stream in Hz. @defaultValue the catalog's rate (1 Hz) */
  rateHz?: Partial<Record<StreamId, number>>;
  /**
   * How often an event stream (falls) is checked, in ms: a fall is published at the first check at
   * or after it. Only the checks that find a fall are run. @defaultValue 100
   */
  eventPollMs?: number;
  /** Where each signed reading goes (the gateway's publisher). */
  emit: (r: SignedReading) => void;
  /** First sequence number per stream (after a restart: one past the newest stored). @defaultValue 0 */
  firstSeq?: Partial<Record<StreamId, number>>;
  /**
   * When the device takes its first sample, ms after it starts (then one every interval), below one
   * sampling interval: devices' clocks are not aligned, and a network where every device samples
   * at the same instant sees bursts no real one does. @defaultValue 0
   */
  phaseMs?: number;
}

/**
 * A wearable medical device: samples its streams on timers, encodes each reading in the Reading
 * TLV, names it under the patient's namespace and signs it with its own key.
 */
export class MedicalDevice implements Disposable {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly fallWatches: Disposable[] = [];
  /** Readings being signed. */
  private readonly inFlight = new Set<Promise<void>>();
  private readonly nextSeq = new Map<StreamId, number>();
  /** FreshnessPeriod of each stream's readings: its sampling interval (1 s for events). */
  private readonly freshnessMs = new Map<StreamId, number>();
  /** Each stream's name prefix, made once: a reading's name is it and a sequence number. */
  private readonly prefixes = new Map<StreamId, Name>();
  private readonly startedAt = Date.now();

  constructor(private readonly opts: MedicalDeviceOptions) {
    for (const stream of opts.streams) {
      const info = STREAMS[stream];
      this.nextSeq.set(stream, opts.firstSeq?.[stream] ?? 0);
      this.prefixes.set(stream, streamPrefix(opts.hospital, opts.pid, opts.did, stream));
      const report = reportFailure(`device ${opts.did} of ${opts.hospital}/${opts.pid}, ${stream}`);
      if (info.kind === "vital") {
        const hz = opts.rateHz?.[stream] ?? info.rateHz;
        if (!(hz > 0)) {
          throw new RangeError(`sampling rate of ${stream} must be positive, got ${hz}`);
        }
        this.freshnessMs.set(stream, 1000 / hz);
        const sample = () => void this.sampleVital(stream).catch(report);
        const phaseMs = (opts.phaseMs ?? 0) % (1000 / hz);
        this.timers.push(setTimeout(() => {
          sample();
          this.timers.push(setInterval(sample, 1000 / hz));
        }, phaseMs));
      } else {
        this.freshnessMs.set(stream, 1000);
        this.fallWatches.push(this.watchFalls(stream, opts.eventPollMs ?? 100, report));
      }
    }
  }

  /**
   * Publish each fall at the first check (every `pollMs` from the start) at or after it. A timer
   * waits for the check that will find the next fall, instead of one firing every check: in a
   * simulation those were a sixth of all events.
   */
  private watchFalls(stream: StreamId, pollMs: number, report: (err: unknown) => void): Disposable {
    const { physiology } = this.opts;
    let checkedUntil = 0;
    let timer: NodeJS.Timeout | undefined;
    const check = () => {
      const t = this.elapsed();
      for (const impact of physiology.fallsBetween(checkedUntil, t)) {
        void this.publish(stream, [impact]).catch(report);
      }
      checkedUntil = t;
      arm();
    };
    const arm = () => {
      clearTimeout(timer);
      const next = physiology.nextFallAfter(checkedUntil);
      if (next !== undefined) {
        const due = Math.max(1, Math.ceil(next / pollMs)) * pollMs;
        // Node's timers hold at most 2^31-1 ms; a later fall is waited for in steps.
        timer = setTimeout(check, Math.min(2 ** 31 - 1, Math.max(0, due - this.elapsed())));
      }
    };
    arm();
    const scheduled = physiology.onSchedule(arm);
    return {
      [Symbol.dispose]: () => {
        scheduled[Symbol.dispose]();
        clearTimeout(timer);
      },
    };
  }

  private elapsed(): number {
    return Date.now() - this.startedAt;
  }

  private sampleVital(stream: StreamId): Promise<void> {
    const seq = this.nextSeq.get(stream)!;
    return this.publish(stream, this.opts.physiology.sample(stream, seq, this.elapsed()));
  }

  private publish(stream: StreamId, values: number[]): Promise<void> {
    const job = this.signAndEmit(stream, values);
    this.inFlight.add(job);
    return job.finally(() => this.inFlight.delete(job));
  }

  private async signAndEmit(stream: StreamId, values: number[]): Promise<void> {
    const { did, identity, emit } = this.opts;
    const seq = this.nextSeq.get(stream)!;
    this.nextSeq.set(stream, seq + 1);
    const reading = Reading.create(Date.now(), values);
    const data = new Data(readingNameIn(this.prefixes.get(stream)!, seq), reading.toContent(), Data.FreshnessPeriod(this.freshnessMs.get(stream)!));
    await identity.signer.sign(data);
    emit({ data, did, stream, seq, reading });
  }

  /** Stop sampling; resolves once the readings being signed are emitted. */
  async stop(): Promise<void> {
    this[Symbol.dispose]();
    await Promise.allSettled(this.inFlight);
  }

  [Symbol.dispose](): void {
    for (const t of this.timers) {
      clearTimeout(t); // clears intervals too
    }
    for (const w of this.fallWatches) {
      w[Symbol.dispose]();
    }
  }
}
