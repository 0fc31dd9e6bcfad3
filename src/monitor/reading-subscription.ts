import type { Forwarder } from "@ndn/fw";
import { Data, type Name } from "@ndn/packet";
import { Decoder } from "@ndn/tlv";

import { showName, type StreamId, streamPrefix } from "../naming/mod.js";
import { Reading } from "../sensors/mod.js";
import { ConsumerFace, StreamFollower, type StreamFollowerOptions } from "../streams/mod.js";
import { type TrustFailure, trustFailure, type TrustVerifier } from "../trust/mod.js";
import { Random } from "../util/random.js";
import { reportFailure } from "../util/report.js";
import { Tally } from "../util/tally.js";

export interface MonitoredPatient {
  pid: string;
  /** device id → its streams */
  devices: ReadonlyMap<string, readonly StreamId[]>;
  /** Sampling rate of the vital streams, Hz: the followers' Interest lifetime is fitted to it. @defaultValue 1 */
  rateHz?: number;
  /** Breathing supplemental oxygen (NEWS2 scores it 2). @defaultValue false */
  onOxygen?: boolean;
}

/** Why a reading or an alarm was not accepted. */
export type RejectionReason = TrustFailure | "malformed-content";

export interface ReadingSubscriptionOptions {
  fw: Forwarder;
  /** Who subscribes, for reports (`monitor stmary`, `station ward1`). */
  describe: string;
  hospital: string;
  patients: readonly MonitoredPatient[];
  /** Verifies every reading under the trust policy. */
  verifier: TrustVerifier;
  /**
   * Fetch readings from a cloud server's store under this prefix (`/<cloud>/store`) instead of from
   * the homes; each comes wrapped in the server's Data, and the device's signature inside is verified.
   */
  via?: Name;
  /** Called with every reading that passed verification: the device's Data, and what it says. */
  onReading: (data: Data, reading: Reading) => void;
  /** Tuning of the followers (window, retries). */
  follower?: Pick<StreamFollowerOptions, "window" | "maxRetries">;
  /**
   * Start each stream's follower at a random moment within this many ms, rather than all at once:
   * many consumers starting the same instant would send a burst no real network sees.
   * @defaultValue 0
   */
  spreadStartMs?: number;
  /** Seed of the start times. @defaultValue 1 */
  seed?: number;
}

/**
 * Every stream of a hospital's patients, followed and verified: what the live monitor and each
 * monitoring station consume. Readings that fail verification are tallied by reason and go no
 * further; readings given up after retransmissions are counted as lost.
 */
export class ReadingSubscription implements Disposable {
  private readonly face: ConsumerFace;
  private readonly followers: StreamFollower[] = [];
  /** Readings verified and given up (lost); rejected readings are tallied by reason. */
  public readonly counters = { verified: 0, lost: 0 };
  public readonly rejected = new Tally<RejectionReason>();

  constructor(private readonly opts: ReadingSubscriptionOptions) {
    this.face = new ConsumerFace(opts.fw, opts.describe);
    const window = opts.follower?.window ?? 3;
    const random = Random.derive(opts.seed ?? 1, `start ${opts.describe}`);
    for (const p of opts.patients) {
      for (const [did, streams] of p.devices) {
        for (const stream of streams) {
          const own = streamPrefix(opts.hospital, p.pid, did, stream);
          const prefix = opts.via ? opts.via.append(...own.comps) : own;
          const report = reportFailure(`${opts.describe} ${showName(prefix)}`);
          this.followers.push(new StreamFollower({
            ...opts.follower,
            face: this.face,
            prefix,
            window,
            // Interests for readings not made yet wait at the gateway: outlive the window's span.
            lifetimeMs: Math.max(6000, (2 * window * 1000) / (p.rateHz ?? 1)),
            onData: (data) => void this.receive(data).catch(report),
            onLost: () => ++this.counters.lost,
            startDelayMs: random.uniform(0, opts.spreadStartMs ?? 0),
          }));
        }
      }
    }
  }

  /** The hospital whose patients' streams this follows. */
  get hospital(): string {
    return this.opts.hospital;
  }

  /** Readings accounted for: verified, rejected or lost. */
  get accounted(): number {
    return this.counters.verified + this.rejected.total + this.counters.lost;
  }

  private async receive(fetched: Data): Promise<void> {
    let data = fetched;
    if (this.opts.via) {
      try {
        data = new Decoder(fetched.content).decode(Data);
      } catch {
        this.rejected.add("malformed-content");
        return;
      }
      if (!data.name.equals(fetched.name.slice(this.opts.via.length))) {
        this.rejected.add("malformed-content"); // the server answered with another reading
        return;
      }
    }
    const failure = await trustFailure(this.opts.verifier, data);
    if (failure) {
      this.rejected.add(failure);
      return;
    }
    let reading: Reading;
    try {
      reading = Reading.fromContent(data.content);
    } catch {
      this.rejected.add("malformed-content");
      return;
    }
    ++this.counters.verified;
    this.opts.onReading(data, reading);
  }

  [Symbol.dispose](): void {
    for (const f of this.followers) {
      f[Symbol.dispose]();
    }
    this.face[Symbol.dispose]();
  }
}
