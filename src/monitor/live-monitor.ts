import type { Forwarder } from "@ndn/fw";
import type { DataStore as S } from "@ndn/repo-api";
import { Data, type Name } from "@ndn/packet";

import { alarmName, alarmStreamPrefix, expectName, showName, type StreamId } from "../naming/mod.js";
import type { Reading } from "../sensors/mod.js";
import { type StreamFollowerOptions, StreamProducer } from "../streams/mod.js";
import type { Identity, TrustVerifier } from "../trust/mod.js";
import { reportFailure } from "../util/report.js";
import { type MonitoredPatient, ReadingSubscription } from "./reading-subscription.js";
import { Alarm, AlarmKind, alarmLevelOf } from "./alarm.js";
import { news2, type News2Input, NEWS2_LEVELS, type News2Result } from "./news2.js";

export interface LiveMonitorOptions {
  fw: Forwarder;
  hospital: string;
  patients: readonly MonitoredPatient[];
  /** The monitor's own key, which signs alarms. */
  identity: Identity;
  /** Verifies every reading under the trust policy. */
  verifier: TrustVerifier;
  /** Fetch readings from a cloud server's store under this prefix (`/<cloud>/store`) instead of from the homes. */
  via?: Name;
  /** Called with every reading that passed verification, before it is assessed. */
  onReading?: (data: Data, reading: Reading) => void;
  /**
   * Where every verified reading is kept (the hospital repo): the hospital's ledger replica then
   * finds the committed readings there instead of fetching them again.
   */
  store?: S.Insert;
  /**
   * How long a patient must stay at low NEWS2 before a new rise alarms again, ms: scores hovering
   * around a threshold would otherwise alarm at every crossing.
   * @defaultValue 120000
   */
  rearmAfterMs?: number;
  /** Tuning of the followers (window, retries), and how their start is spread. */
  follower?: Pick<StreamFollowerOptions, "window" | "maxRetries">;
  spreadStartMs?: number;
  seed?: number;
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
  /** The monitor's readings: followed, verified, counted. */
  readonly subscription: ReadingSubscription;
  private readonly alarmStreams = new Map<string, StreamProducer>();
  private readonly views = new Map<string, PatientState>();
  public readonly raised: RaisedAlarm[] = [];

  constructor(private readonly opts: LiveMonitorOptions) {
    for (const p of opts.patients) {
      this.views.set(p.pid, { pid: p.pid, latest: {}, alarmedLevel: 0, nextAlarm: 0, alarmQueue: Promise.resolve(), onOxygen: p.onOxygen ?? false });
      this.alarmStreams.set(p.pid, new StreamProducer({ fw: opts.fw, prefix: alarmStreamPrefix(opts.hospital, p.pid) }));
    }
    this.subscription = new ReadingSubscription({
      fw: opts.fw, describe: `monitor ${opts.hospital}`, hospital: opts.hospital, patients: opts.patients,
      verifier: opts.verifier, via: opts.via, follower: opts.follower, spreadStartMs: opts.spreadStartMs, seed: opts.seed,
      onReading: (data, reading) => {
        opts.onReading?.(data, reading);
        void opts.store?.insert(data).catch(reportFailure(() => `monitor ${opts.hospital} storing ${showName(data.name)}`));
        this.assessReading(data.name, reading);
      },
    });
  }

  /** What the monitor knows of a patient now (a copy). */
  view(pid: string): PatientView {
    const v = this.views.get(pid);
    if (!v) {
      throw new Error(`unknown patient ${pid} at ${this.opts.hospital}`);
    }
    return { pid: v.pid, latest: { ...v.latest }, news2: v.news2 };
  }

  private assessReading(name: Name, reading: Reading): void {
    const { pid, stream } = expectName(name, "reading");
    const view = this.views.get(pid)!;
    if (stream === "fall") {
      // A fall calls for an urgent response (medium), or more if the patient is already worse.
      this.raise(view, AlarmKind.Fall, Math.max(view.alarmedLevel, 2), name, reading.producedAt);
      return;
    }
    const seen = view.latest[stream];
    if (seen && seen.reading.producedAt > reading.producedAt) {
      return; // an older reading arriving late does not replace a newer one
    }
    view.latest[stream] = { name, reading };
    this.assess(view, name, reading.producedAt);
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
    this.subscription[Symbol.dispose]();
    for (const s of this.alarmStreams.values()) {
      s[Symbol.dispose]();
    }
  }
}
