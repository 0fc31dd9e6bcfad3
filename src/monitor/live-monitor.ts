import type { Forwarder } from "@ndn/fw";
import { Data, type Name } from "@ndn/packet";
import { Decoder } from "@ndn/tlv";

import { alarmName, alarmStreamPrefix, expectName, showName, type StreamId, streamPrefix } from "../naming/mod.js";
import { Reading } from "../sensors/mod.js";
import { ConsumerFace, StreamFollower, type StreamFollowerOptions, StreamProducer } from "../streams/mod.js";
import { type Identity, type TrustFailure, trustFailure, type TrustVerifier } from "../trust/mod.js";
import { reportFailure } from "../util/report.js";
import { Tally } from "../util/tally.js";
import { Alarm, AlarmKind, alarmLevelOf } from "./alarm.js";
import { news2, type News2Input, NEWS2_LEVELS, type News2Result } from "./news2.js";

export interface MonitoredPatient {
  pid: string;
  /** device id → its streams */
  devices: ReadonlyMap<string, readonly StreamId[]>;
  /** Sampling rate of the vital streams, Hz: the followers' Interest lifetime is fitted to it. @defaultValue 1 */
  rateHz?: number;
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
  /**
   * Fetch readings from a cloud server's store under this prefix (`/<cloud>/store`) instead of from
   * the homes; each comes wrapped in the server's Data, and the device's signature inside is verified.
   */
  via?: Name;
  /** Called with every reading that passed verification, before it is assessed. */
  onReading?: (name: Name, reading: Reading) => void;
  /**
   * How long a patient must stay at low NEWS2 before a new rise alarms again, ms: scores hovering
   * around a threshold would otherwise alarm at every crossing.
   * @defaultValue 120000
   */
  rearmAfterMs?: number;
  /** Tuning of the followers (window, retries). */
  follower?: Pick<StreamFollowerOptions, "window" | "maxRetries">;
}

/** Why a reading or an alarm was not accepted. */
export type RejectionReason = TrustFailure | "malformed-content";

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
  latest: Partial<Record<StreamId, { name: Name; reading: Reading }>>;
  news2?: News2Result;
}

interface PatientState extends PatientView {
  /** Highest NEWS2 level alarmed since the patient was last low for long (index in NEWS2_LEVELS). */
  alarmedLevel: number;
  /** Since when the patient has been low, if they are. */
  lowSince?: number;
  nextAlarm: number;
  /** Alarms of a patient are signed and published one after another, so they leave in order. */
  alarmQueue: Promise<void>;
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
  private readonly face: ConsumerFace;
  private readonly followers: StreamFollower[] = [];
  private readonly alarmStreams = new Map<string, StreamProducer>();
  private readonly views = new Map<string, PatientState>();
  public readonly raised: RaisedAlarm[] = [];
  /** Readings verified and given up (lost); rejected readings are tallied by reason. */
  public readonly counters = { verified: 0, lost: 0 };
  public readonly rejected = new Tally<RejectionReason>();

  constructor(private readonly opts: LiveMonitorOptions) {
    this.face = new ConsumerFace(opts.fw, `monitor ${opts.hospital}`);
    for (const p of opts.patients) {
      this.views.set(p.pid, { pid: p.pid, latest: {}, alarmedLevel: 0, nextAlarm: 0, alarmQueue: Promise.resolve(), onOxygen: p.onOxygen ?? false });
      this.alarmStreams.set(p.pid, new StreamProducer({ fw: opts.fw, prefix: alarmStreamPrefix(opts.hospital, p.pid) }));
      const window = opts.follower?.window ?? 3;
      for (const [did, streams] of p.devices) {
        for (const stream of streams) {
          const own = streamPrefix(opts.hospital, p.pid, did, stream);
          const prefix = opts.via ? opts.via.append(...own.comps) : own;
          this.followers.push(new StreamFollower({
            ...opts.follower,
            face: this.face,
            prefix,
            window,
            // Interests for readings not made yet wait at the gateway: outlive the window's span.
            lifetimeMs: Math.max(6000, (2 * window * 1000) / (p.rateHz ?? 1)),
            onData: (data) => void this.receive(data).catch(reportFailure(`monitor ${showName(prefix)}`)),
            onLost: () => ++this.counters.lost,
          }));
        }
      }
    }
  }

  /** What the monitor knows of a patient now (a copy). */
  view(pid: string): PatientView {
    const v = this.views.get(pid);
    if (!v) {
      throw new Error(`unknown patient ${pid} at ${this.opts.hospital}`);
    }
    return { pid: v.pid, latest: { ...v.latest }, news2: v.news2 };
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
    this.opts.onReading?.(data.name, reading);
    ++this.counters.verified;
    const { pid, stream } = expectName(data.name, "reading");
    const view = this.views.get(pid)!;
    if (stream === "fall") {
      // A fall calls for an urgent response (medium), or more if the patient is already worse.
      this.raise(view, AlarmKind.Fall, Math.max(view.alarmedLevel, 2), data.name, reading.producedAt);
      return;
    }
    const seen = view.latest[stream];
    if (seen && seen.reading.producedAt > reading.producedAt) {
      return; // an older reading arriving late does not replace a newer one
    }
    view.latest[stream] = { name: data.name, reading };
    this.assess(view, data.name, reading.producedAt);
  }

  private assess(view: PatientState, trigger: Name, producedAt: number): void {
    const input: News2Input = { respirationRate: 0, spo2: 0, systolic: 0, heartRate: 0, temperature: 0, onOxygen: view.onOxygen };
    for (const [param, [stream, index]] of Object.entries(NEWS2_SOURCES) as Array<[keyof typeof NEWS2_SOURCES, readonly [StreamId, number]]>) {
      const v = view.latest[stream]?.reading.values[index];
      if (v === undefined) {
        return; // NEWS2 needs every parameter
      }
      input[param] = v;
    }
    view.news2 = news2(input);
    const level = NEWS2_LEVELS.indexOf(view.news2.level);
    if (level === 0) {
      view.lowSince ??= producedAt;
      if (producedAt - view.lowSince >= (this.opts.rearmAfterMs ?? 120_000)) {
        view.alarmedLevel = 0; // low for long: the next rise alarms again
      }
      return;
    }
    view.lowSince = undefined;
    if (level > view.alarmedLevel) {
      view.alarmedLevel = level;
      this.raise(view, AlarmKind.News2, level, trigger, producedAt);
    }
  }

  /** Queue an alarm for signing and publication after the patient's earlier ones. */
  private raise(view: PatientState, kind: AlarmKind, level: number, trigger: Name, triggerProducedAt: number): void {
    // The score and subscores are those of the moment the alarm is raised, not when it is signed.
    const alarm = new Alarm();
    alarm.kind = kind;
    alarm.level = alarmLevelOf(NEWS2_LEVELS[level]!)!;
    alarm.score = view.news2?.total ?? 0;
    const s = view.news2?.subscores;
    // In the order of the NEWS2 chart; they add up to the score.
    alarm.subscores = s ? [s.respirationRate, s.spo2, s.oxygen, s.systolic, s.heartRate, s.consciousness, s.temperature] : [];
    alarm.trigger = trigger;
    alarm.triggerProducedAt = triggerProducedAt;
    view.alarmQueue = view.alarmQueue
      .then(() => this.publishAlarm(view, alarm))
      .catch(reportFailure(`monitor alarm for ${view.pid}`));
  }

  private async publishAlarm(view: PatientState, alarm: Alarm): Promise<void> {
    alarm.raisedAt = Date.now();
    const seq = view.nextAlarm++;
    const name = alarmName(this.opts.hospital, view.pid, seq);
    const data = new Data(name, alarm.toContent(), Data.FreshnessPeriod(60_000));
    await this.opts.identity.signer.sign(data);
    this.raised.push({
      name, pid: view.pid, kind: alarm.kind, level: alarm.levelName, score: alarm.score,
      trigger: alarm.trigger, triggerProducedAt: alarm.triggerProducedAt, raisedAt: alarm.raisedAt,
    });
    this.alarmStreams.get(view.pid)!.publish(seq, data);
  }

  [Symbol.dispose](): void {
    for (const f of this.followers) {
      f[Symbol.dispose]();
    }
    for (const s of this.alarmStreams.values()) {
      s[Symbol.dispose]();
    }
    this.face[Symbol.dispose]();
  }
}
