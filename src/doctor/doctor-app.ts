import type { Forwarder } from "@ndn/fw";
import type { Data, Name } from "@ndn/packet";

import { alarmStreamPrefix } from "../naming/mod.js";
import { Alarm, type RejectionReason } from "../monitor/mod.js";
import { ConsumerFace, StreamFollower } from "../streams/mod.js";
import { trustFailure, type TrustVerifier } from "../trust/mod.js";
import { reportFailure } from "../util/report.js";
import { Tally } from "../util/tally.js";

export interface DoctorAppOptions {
  fw: Forwarder;
  /** The doctor's id, for reports. */
  doctor: string;
  hospital: string;
  /** Patients whose alarms this doctor follows. */
  patients: readonly string[];
  /** Verifies every alarm: only the hospital's monitor may sign one. */
  verifier: TrustVerifier;
  /** Called when a verified alarm arrives. */
  onAlarm?: (alarm: ReceivedAlarm) => void;
}

export interface ReceivedAlarm {
  doctor: string;
  name: Name;
  pid: string;
  alarm: Alarm;
  receivedAt: number;
  /** Reading produced → alarm received here. */
  latencyMs: number;
}

/** A doctor's application: follows the alarm streams of the patients in the doctor's care. */
export class DoctorApp implements Disposable {
  private readonly face: ConsumerFace;
  private readonly followers: StreamFollower[];
  private verifying = 0;
  public readonly received: ReceivedAlarm[] = [];
  public readonly rejected = new Tally<RejectionReason>();

  constructor(private readonly opts: DoctorAppOptions) {
    this.face = new ConsumerFace(opts.fw, `doctor ${opts.doctor}`);
    const queues = new Map<string, Promise<void>>();
    this.followers = opts.patients.map((pid) => new StreamFollower({
      face: this.face,
      prefix: alarmStreamPrefix(opts.hospital, pid),
      window: 2,
      // Alarms are rare: a long-lived Interest waits at the monitor for the next one.
      lifetimeMs: 10_000,
      // A patient's alarms are handled one after another, so the doctor sees them in order.
      onData: (data) => {
        ++this.verifying;
        const next = (queues.get(pid) ?? Promise.resolve()).then(() => this.receive(pid, data))
          .catch(reportFailure(`doctor ${opts.doctor}`)).finally(() => void --this.verifying);
        queues.set(pid, next);
      },
    }));
  }

  /** Alarms received and not yet verified. */
  get pendingVerifications(): number {
    return this.verifying;
  }

  private async receive(pid: string, data: Data): Promise<void> {
    let alarm: Alarm;
    const failure = await trustFailure(this.opts.verifier, data);
    if (failure) {
      this.rejected.add(failure);
      return;
    }
    try {
      alarm = Alarm.fromContent(data.content);
    } catch {
      this.rejected.add("malformed-content");
      return;
    }
    // Received once verified: the latency is until the alarm is in the doctor's hands.
    const receivedAt = Date.now();
    const r: ReceivedAlarm = {
      doctor: this.opts.doctor, name: data.name, pid, alarm, receivedAt,
      // Link serialization makes fractions of a millisecond: keep microseconds.
      latencyMs: Math.round((receivedAt - alarm.triggerProducedAt) * 1000) / 1000,
    };
    this.received.push(r);
    this.opts.onAlarm?.(r);
  }

  [Symbol.dispose](): void {
    for (const f of this.followers) {
      f[Symbol.dispose]();
    }
    this.face[Symbol.dispose]();
  }
}
