import type { StreamId } from "../naming/mod.js";
import { Random } from "../util/random.js";
import { STREAMS } from "./catalog.js";

/** A scripted clinical episode a scenario can schedule for a patient. */
export type Episode =
  | {
    /** Sepsis-like decline: heart rate, respiration and temperature rise; SpO2 and blood pressure fall. */
    kind: "deterioration";
    /** Start, in ms since the start of the run. */
    atMs: number;
    /** Time to reach the full decline, in ms. */
    rampMs: number;
  }
  | {
    /** A fall: one event on the fall stream, and a heart-rate surge fading over a minute. */
    kind: "fall";
    atMs: number;
  };

interface VitalState {
  heartRate: number;
  respirationRate: number;
  spo2: number;
  temperature: number;
  systolic: number;
  diastolic: number;
}

/** How far each vital moves at the peak of a deterioration (added to baseline). */
const DETERIORATION: VitalState = {
  heartRate: +50,
  respirationRate: +14,
  spo2: -9,
  temperature: +2.5,
  systolic: -40,
  diastolic: -25,
};

/** Standard deviation of one reading's noise around the model. */
const NOISE: VitalState = {
  heartRate: 1.5,
  respirationRate: 0.7,
  spo2: 0.4,
  temperature: 0.05,
  systolic: 2.5,
  diastolic: 2,
};

/** The state each vital stream reports, one per quantity of the stream. */
const STREAM_STATE: Partial<Record<StreamId, ReadonlyArray<keyof VitalState>>> = {
  "heart-rate": ["heartRate"],
  "respiration-rate": ["respirationRate"],
  spo2: ["spo2"],
  "body-temperature": ["temperature"],
  "blood-pressure": ["systolic", "diastolic"],
};

const FALL_SURGE_BPM = 25;
const FALL_SURGE_MS = 60_000;

/**
 * A patient's physiology: a seeded healthy baseline, noise on every reading, and the episodes the
 * scenario scheduled. Readings are a pure function of (seed, patient, stream, time, episodes), so
 * the same seed gives the same values whatever order streams are sampled in.
 */
export class Physiology {
  private readonly baseline: VitalState;
  private readonly episodes: Episode[] = [];
  /** Called whenever an episode is scheduled ({@link onSchedule}). */
  private readonly scheduled = new Set<() => void>();

  constructor(
    private readonly seed: number,
    private readonly patientKey: string,
  ) {
    const r = Random.derive(seed, `baseline:${patientKey}`);
    this.baseline = {
      heartRate: r.normal(72, 6),
      respirationRate: r.normal(15, 1.2),
      spo2: r.normal(97.5, 0.6),
      temperature: r.normal(36.8, 0.2),
      systolic: r.normal(122, 6),
      diastolic: r.normal(78, 4),
    };
  }

  schedule(episode: Episode): void {
    this.episodes.push(episode);
    for (const listener of this.scheduled) {
      listener();
    }
  }

  /** Call `listener` whenever an episode is scheduled (a device waiting for the next fall looks again). */
  onSchedule(listener: () => void): Disposable {
    this.scheduled.add(listener);
    return { [Symbol.dispose]: () => void this.scheduled.delete(listener) };
  }

  /** The time of the first fall after `fromMs`, if any is scheduled. */
  nextFallAfter(fromMs: number): number | undefined {
    let next: number | undefined;
    for (const e of this.episodes) {
      if (e.kind === "fall" && e.atMs > fromMs && (next === undefined || e.atMs < next)) {
        next = e.atMs;
      }
    }
    return next;
  }

  /** Fall events due in (fromMs, toMs]: their peak impacts in g. */
  fallsBetween(fromMs: number, toMs: number): number[] {
    return this.episodes
      .filter((e) => e.kind === "fall" && e.atMs > fromMs && e.atMs <= toMs)
      .map((e) => this.noiseFor(`fall:${e.atMs}`).uniform(2.5, 6));
  }

  /**
   * Sample a vital stream: one value per quantity.
   * @param index - the sample's sequence number: its noise depends on it, not on sampling order.
   * @param tMs - time since the start of the run.
   */
  sample(stream: StreamId, index: number, tMs: number): number[] {
    const v = this.stateAt(tMs);
    const noise = this.noiseFor(`${stream}:${index}`);
    const state = STREAM_STATE[stream];
    if (!state) {
      throw new Error("the fall stream is event-driven: use fallsBetween()");
    }
    const raw = state.map((k) => noise.normal(v[k], NOISE[k]));
    return raw.map((x, i) => {
      const q = STREAMS[stream].quantities[i]!;
      const k = 10 ** q.decimals;
      return Math.min(q.range[1], Math.max(q.range[0], Math.round(x * k) / k));
    });
  }

  private noiseFor(label: string): Random {
    return Random.derive(this.seed, `noise:${this.patientKey}:${label}`);
  }

  /** The noiseless state at a time: baseline plus every episode's effect. */
  private stateAt(tMs: number): VitalState {
    const s = { ...this.baseline };
    for (const e of this.episodes) {
      if (tMs < e.atMs) {
        continue;
      }
      if (e.kind === "deterioration") {
        const p = Math.min(1, (tMs - e.atMs) / Math.max(1, e.rampMs));
        for (const k of Object.keys(DETERIORATION) as Array<keyof VitalState>) {
          s[k] += DETERIORATION[k] * p;
        }
      } else {
        s.heartRate += FALL_SURGE_BPM * Math.max(0, 1 - (tMs - e.atMs) / FALL_SURGE_MS);
      }
    }
    s.spo2 = Math.min(100, s.spo2);
    return s;
  }
}
