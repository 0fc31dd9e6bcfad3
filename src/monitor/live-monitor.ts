import type { Forwarder } from "@ndn/fw";
import { Data, type Name } from "@ndn/packet";

import { alarmName, alarmStreamPrefix, expectName, type StreamId, streamPrefix } from "../naming/mod.js";
import { Reading } from "../sensors/mod.js";
import { StreamFollower, type StreamFollowerOptions, StreamProducer } from "../streams/mod.js";
import { type Identity, TrustError, type TrustFailure, type TrustVerifier } from "../trust/mod.js";
import { Alarm, AlarmKind, alarmLevelOf } from "./alarm.js";
import { news2, type News2Input, NEWS2_LEVELS, type News2Result } from "./news2.js";

export interface MonitoredPatient {
  pid: string;
  /** device id → its streams */
  devices: ReadonlyMap<string, readonly StreamId[]>;
  /** Breathing supplemental oxygen (NEWS2 scores it 2). @defaultValue false */
  onOxygen?: boolean;
}

export interface LiveMonitorOptions {
  fw: Forwarder;
  hospital: string;
  patients: readonly MonitoredPatient[];
  /** The monitor's own key, which signs alarms. */
  identity: Identity;
  /** Verifies every reading under the trust policy. */
  verifier: TrustVerifier;
  /** Tuning of the followers (window, lifetime, retries). */
  follower?: Pick<StreamFollowerOptions, "window" | "lifetimeMs" | "maxRetries">;
}

/** An alarm the monitor raised. */
export interface RaisedAlarm {
  name: Name;
  pid: string;
  kind: AlarmKind;
  level: string;
  score: number;
  trigger: Name;
  triggerProducedAt: number;
  raisedAt: number;
}

/** The latest vitals of a patient and their NEWS2. */
export interface PatientView {
  pid: string;
  latest: Partial<Record<StreamId, { name: Name; values: number[]; producedAt: number }>>;
  news2?: News2Result;
}

interface PatientState extends PatientView {
  /** Highest NEWS2 level alarmed since the patient was last low (index in NEWS2_LEVELS). */
  alarmedLevel: number;
  nextAlarm: number;
  onOxygen: boolean;
}

/** The NEWS2 parameters and the stream (and value index) each is read from. */
const NEWS2_SOURCES = {
  respirationRate: ["respiration-rate", 0],
  spo2: ["spo2", 0],
  systolic: ["blood-pressure", 0],
  heartRate: ["heart-rate", 0],
  temperature: ["body-temperature", 0],
} as const;

/**
 * The hospital's live monitoring system: follows every stream of every patient, verifies each
 * reading, keeps the latest vitals, scores NEWS2 and, when a patient's level rises (or a fall is
 * reported), publishes a signed alarm under `/<hospital>/alarm/<pid>`.
 */
export class LiveMonitor implements Disposable {
  private readonly followers: StreamFollower[] = [];
  private readonly alarmStreams = new Map<string, StreamProducer>();
  private readonly views = new Map<string, PatientState>();
  public readonly raised: RaisedAlarm[] = [];
  public readonly counters = {
    verified: 0,
    rejected: 0,
    rejectedBy: {} as Partial<Record<TrustFailure | "malformed-content", number>>,
    lost: 0,
  };

  constructor(private readonly opts: LiveMonitorOptions) {
    for (const p of opts.patients) {
      this.views.set(p.pid, { pid: p.pid, latest: {}, alarmedLevel: 0, nextAlarm: 0, onOxygen: p.onOxygen ?? false });
      this.alarmStreams.set(p.pid, new StreamProducer({ fw: opts.fw, prefix: alarmStreamPrefix(opts.hospital, p.pid) }));
      for (const [did, streams] of p.devices) {
        for (const stream of streams) {
          this.followers.push(new StreamFollower({
            ...opts.follower,
            fw: opts.fw,
            prefix: streamPrefix(opts.hospital, p.pid, did, stream),
            onData: (data) => void this.receive(data),
            onLost: () => ++this.counters.lost,
          }));
        }
      }
    }
  }

  /** What the monitor knows of a patient now. */
  view(pid: string): PatientView {
    const v = this.views.get(pid);
    if (!v) {
      throw new Error(`unknown patient ${pid} at ${this.opts.hospital}`);
    }
    return { pid: v.pid, latest: v.latest, news2: v.news2 };
  }

  private async receive(data: Data): Promise<void> {
    try {
      await this.opts.verifier.verify(data);
    } catch (err: unknown) {
      this.reject(err instanceof TrustError ? err.failure : "bad-signature");
      return;
    }
    let reading: Reading;
    try {
      reading = Reading.fromContent(data.content);
    } catch {
      this.reject("malformed-content");
      return;
    }
    ++this.counters.verified;
    const { pid, stream } = expectName(data.name, "reading");
    const view = this.views.get(pid)!;
    if (stream === "fall") {
      // A fall calls for an urgent response (medium), or more if the patient is already worse.
      await this.raise(view, AlarmKind.Fall, Math.max(view.alarmedLevel, 2), data.name, reading.producedAt);
      return;
    }
    const seen = view.latest[stream];
    if (seen && seen.producedAt > reading.producedAt) {
      return; // an older reading arriving late does not replace a newer one
    }
    view.latest[stream] = { name: data.name, values: reading.values, producedAt: reading.producedAt };
    this.assess(view, data.name, reading.producedAt);
  }

  private assess(view: PatientState, trigger: Name, producedAt: number): void {
    const input: News2Input = { respirationRate: 0, spo2: 0, systolic: 0, heartRate: 0, temperature: 0, onOxygen: view.onOxygen };
    for (const [param, [stream, index]] of Object.entries(NEWS2_SOURCES) as Array<[keyof typeof NEWS2_SOURCES, readonly [StreamId, number]]>) {
      const v = view.latest[stream]?.values[index];
      if (v === undefined) {
        return; // NEWS2 needs every parameter
      }
      input[param] = v;
    }
    view.news2 = news2(input);
    const level = NEWS2_LEVELS.indexOf(view.news2.level);
    if (level === 0) {
      view.alarmedLevel = 0; // back to low: the next rise alarms again
    } else if (level > view.alarmedLevel) {
      view.alarmedLevel = level;
      void this.raise(view, AlarmKind.News2, level, trigger, producedAt);
    }
  }

  private async raise(view: PatientState, kind: AlarmKind, level: number, trigger: Name, triggerProducedAt: number): Promise<void> {
    const alarm = new Alarm();
    alarm.kind = kind;
    alarm.level = alarmLevelOf(NEWS2_LEVELS[level]!)!;
    alarm.score = view.news2?.total ?? 0;
    const s = view.news2?.subscores;
    alarm.subscores = s ? [s.respirationRate, s.spo2, s.systolic, s.heartRate, s.temperature] : [];
    alarm.trigger = trigger;
    alarm.triggerProducedAt = triggerProducedAt;
    alarm.raisedAt = Date.now();
    const seq = view.nextAlarm++;
    const name = alarmName(this.opts.hospital, view.pid, seq);
    const data = new Data(name, alarm.toContent(), Data.FreshnessPeriod(60_000));
    await this.opts.identity.signer.sign(data);
    this.raised.push({
      name, pid: view.pid, kind, level: alarm.levelName, score: alarm.score,
      trigger, triggerProducedAt, raisedAt: alarm.raisedAt,
    });
    this.alarmStreams.get(view.pid)!.publish(seq, data);
  }

  private reject(reason: TrustFailure | "malformed-content"): void {
    ++this.counters.rejected;
    this.counters.rejectedBy[reason] = (this.counters.rejectedBy[reason] ?? 0) + 1;
  }

  [Symbol.dispose](): void {
    for (const f of this.followers) {
      f[Symbol.dispose]();
    }
    for (const s of this.alarmStreams.values()) {
      s[Symbol.dispose]();
    }
  }
}
