import { Data, ValidityPeriod } from "@ndn/packet";
import { describe, expect, test } from "vitest";

import { news2 } from "../src/monitor/mod.js";
import { devicePrefix, readingName, STREAM_IDS } from "../src/naming/mod.js";
import { MedicalDevice, Physiology, Reading, STREAMS, deviceKit, toFhirObservation } from "../src/sensors/mod.js";
import { VirtualClock } from "../src/sim/virtual-clock.js";
import { certifyKeyPair, deriveEcdsaKeyPair } from "../src/trust/mod.js";

const VITALS = STREAM_IDS.filter((s) => STREAMS[s].kind === "vital");

function vitalsAt(p: Physiology, i: number, tMs: number) {
  const [sys] = p.sample("blood-pressure", i, tMs);
  return {
    heartRate: p.sample("heart-rate", i, tMs)[0]!,
    respirationRate: p.sample("respiration-rate", i, tMs)[0]!,
    spo2: p.sample("spo2", i, tMs)[0]!,
    temperature: p.sample("body-temperature", i, tMs)[0]!,
    systolic: sys!,
  };
}

describe("physiology", () => {
  test("healthy baselines stay plausible and score NEWS2 low", () => {
    for (let patient = 0; patient < 20; ++patient) {
      const p = new Physiology(1, `p${patient}`);
      for (let i = 0; i < 120; ++i) {
        for (const s of VITALS) {
          const values = p.sample(s, i, i * 1000);
          STREAMS[s].quantities.forEach((q, k) => {
            expect(values[k]).toBeGreaterThanOrEqual(q.range[0]);
            expect(values[k]).toBeLessThanOrEqual(q.range[1]);
          });
        }
        const v = vitalsAt(p, i, i * 1000);
        expect(v.heartRate).toBeGreaterThan(50);
        expect(v.heartRate).toBeLessThan(100);
        expect(v.spo2).toBeGreaterThanOrEqual(95);
        expect(v.temperature).toBeGreaterThan(36);
        expect(v.temperature).toBeLessThan(37.6);
        expect(news2(v).total).toBeLessThanOrEqual(3);
      }
    }
  });

  test("the same seed gives the same readings, another seed others", () => {
    const a = new Physiology(42, "x");
    const b = new Physiology(42, "x");
    const c = new Physiology(43, "x");
    const seqA = Array.from({ length: 10 }, (_, i) => a.sample("heart-rate", i, i * 1000)[0]);
    expect(Array.from({ length: 10 }, (_, i) => b.sample("heart-rate", i, i * 1000)[0])).toEqual(seqA);
    expect(Array.from({ length: 10 }, (_, i) => c.sample("heart-rate", i, i * 1000)[0])).not.toEqual(seqA);
    // Order of sampling does not matter: a fresh model asked for SpO2 first gives a's value.
    const fresh = new Physiology(42, "x");
    const spo2First = fresh.sample("spo2", 3, 3000);
    expect(fresh.sample("heart-rate", 0, 0)).toEqual([seqA[0]]);
    expect(spo2First).toEqual(a.sample("spo2", 3, 3000));
  });

  test("deterioration: heart rate, respiration, temperature rise; SpO2, blood pressure fall; NEWS2 goes high", () => {
    const p = new Physiology(5, "sick");
    p.schedule({ kind: "deterioration", atMs: 10_000, rampMs: 60_000 });
    const before = vitalsAt(p, 5, 5_000);
    const after = vitalsAt(p, 80, 80_000);
    expect(after.heartRate).toBeGreaterThan(before.heartRate + 30);
    expect(after.respirationRate).toBeGreaterThan(before.respirationRate + 8);
    expect(after.temperature).toBeGreaterThan(before.temperature + 1.5);
    expect(after.spo2).toBeLessThan(before.spo2 - 5);
    expect(after.systolic).toBeLessThan(before.systolic - 25);
    expect(news2(before).level).not.toBe("high");
    expect(news2(after).level).toBe("high");
    // Half-way through the ramp it is on its way.
    const mid = news2(vitalsAt(p, 40, 40_000)).total;
    expect(mid).toBeGreaterThan(news2(before).total);
  });

  test("a fall is one event with a plausible impact, and a heart-rate surge", () => {
    const p = new Physiology(5, "faller");
    p.schedule({ kind: "fall", atMs: 12_000 });
    expect(p.fallsBetween(0, 11_999)).toEqual([]);
    const impacts = p.fallsBetween(11_900, 12_000);
    expect(impacts).toHaveLength(1);
    expect(impacts[0]).toBeGreaterThanOrEqual(2.5);
    expect(p.fallsBetween(12_000, 20_000)).toEqual([]);
    const q = new Physiology(5, "faller");
    expect(p.sample("heart-rate", 13, 13_000)[0]).toBeGreaterThan(q.sample("heart-rate", 13, 13_000)[0]! + 15);
    expect(() => p.sample("fall", 0, 0)).toThrow(/event-driven/);
  });

  test("a device publishes a fall at the first check at or after it, a fall scheduled later too, and waits for falls without a timer per check", async () => {
    const identity = await certifyKeyPair(devicePrefix("h", "p", "patch"), deriveEcdsaKeyPair(5, "patch"), undefined,
      new ValidityPeriod(0, Date.UTC(2036, 0, 1)));
    using clock = new VirtualClock({ epoch: 0 }).install();
    const physiology = new Physiology(5, "faller");
    physiology.schedule({ kind: "fall", atMs: 12_050 });
    const published: number[] = [];
    using _device = new MedicalDevice({
      hospital: "h", pid: "p", did: "patch", streams: ["fall"], identity, physiology, eventPollMs: 100, emit: () => published.push(Date.now()),
    });
    expect(clock.pending).toBe(1); // the check that will find the fall
    await clock.advance(20_000);
    expect(published).toEqual([12_100]);
    expect(clock.pending).toBe(0);
    physiology.schedule({ kind: "fall", atMs: 30_000 });
    await clock.advance(20_000);
    expect(published).toEqual([12_100, 30_000]);
    // A fall scheduled before the one waited for moves the wait earlier; disposing ends it.
    physiology.schedule({ kind: "fall", atMs: 60_000 });
    physiology.schedule({ kind: "fall", atMs: 45_050 });
    expect(clock.pending).toBe(1);
    await clock.advance(10_000);
    expect(published).toEqual([12_100, 30_000, 45_100]);
    _device[Symbol.dispose]();
    expect(clock.pending).toBe(0);
    physiology.schedule({ kind: "fall", atMs: 70_000 });
    expect(clock.pending).toBe(0);
  });

  test("the standard kit carries every stream once", () => {
    const kit = deviceKit();
    expect([...kit.values()].flat().sort()).toEqual([...STREAM_IDS].sort());
  });
});

describe("reading content TLV", () => {
  test("round trip", () => {
    const r = Reading.create(1_700_000_000_123, [120, 80.5]);
    const wire = r.toContent();
    expect(wire[0]).toBe(0xC8);
    const back = Reading.fromContent(wire);
    expect(back.producedAt).toBe(1_700_000_000_123);
    expect(back.values).toEqual([120, 80.5]);
    expect(wire.length).toBeLessThan(24); // compact: two values and a time in under 24 bytes
  });
  test("malformed content is refused", () => {
    expect(() => Reading.fromContent(new Uint8Array([0xC8, 0x02, 0xC9, 0x00]))).toThrow();
    expect(() => Reading.fromContent(new Uint8Array([0x01, 0x02, 0x03]))).toThrow();
    expect(() => Reading.create(0, [-1])).toThrow(/non-negative/);
    expect(() => Reading.create(0, [Number.NaN])).toThrow(/finite/);
  });
});

describe("FHIR R4 export", () => {
  test("heart rate: vital-signs profile, LOINC 8867-4, UCUM /min, NDN name as identifier", () => {
    const name = readingName("stmary", "alice", "pulse-oximeter", "heart-rate", 17);
    const obs = toFhirObservation(name, Reading.create(Date.UTC(2026, 0, 2, 3, 4, 5), [88]));
    expect(obs).toMatchObject({
      resourceType: "Observation",
      status: "final",
      meta: { profile: ["http://hl7.org/fhir/StructureDefinition/vitalsigns"] },
      category: [{ coding: [{ system: "http://terminology.hl7.org/CodeSystem/observation-category", code: "vital-signs" }] }],
      code: { coding: [{ system: "http://loinc.org", code: "8867-4" }] },
      valueQuantity: { value: 88, unit: "/min", system: "http://unitsofmeasure.org", code: "/min" },
      effectiveDateTime: "2026-01-02T03:04:05.000Z",
      identifier: [{ system: "urn:ietf:params:ndn:name", value: "/stmary/patient/alice/device/pulse-oximeter/heart-rate/seq=17" }],
      subject: { identifier: { value: "/stmary/patient/alice" } },
    });
  });
  test.each([
    ["spo2", "59408-5", "%", 97],
    ["body-temperature", "8310-5", "Cel", 37.2],
    ["respiration-rate", "9279-1", "/min", 16],
  ] as const)("%s: LOINC %s in %s", (stream, loinc, unit, value) => {
    const obs = toFhirObservation(readingName("h", "p", STREAMS[stream].device, stream, 0), Reading.create(0, [value]));
    expect(obs.code.coding[0]!.code).toBe(loinc);
    expect(obs.valueQuantity).toMatchObject({ value, code: unit });
  });
  test("blood pressure: panel 85354-9 with systolic 8480-6 and diastolic 8462-4 in mm[Hg]", () => {
    const obs = toFhirObservation(readingName("h", "p", "bp-monitor", "blood-pressure", 0), Reading.create(0, [121, 79]));
    expect(obs.code.coding[0]!.code).toBe("85354-9");
    expect(obs.valueQuantity).toBeUndefined();
    expect(obs.component).toEqual([
      expect.objectContaining({ code: { coding: [expect.objectContaining({ code: "8480-6" })] }, valueQuantity: expect.objectContaining({ value: 121, code: "mm[Hg]" }) }),
      expect.objectContaining({ code: { coding: [expect.objectContaining({ code: "8462-4" })] }, valueQuantity: expect.objectContaining({ value: 79, code: "mm[Hg]" }) }),
    ]);
  });
  test("a fall is an activity observation coded in SNOMED CT, outside the vital-signs profile", () => {
    const obs = toFhirObservation(readingName("h", "p", "chest-patch", "fall", 0), Reading.create(0, [3.4]));
    expect(obs.meta).toBeUndefined();
    expect(obs.category[0]!.coding[0]!.code).toBe("activity");
    expect(obs.code.coding[0]).toMatchObject({ system: "http://snomed.info/sct", code: "1912002" });
    expect(obs.valueQuantity).toMatchObject({ value: 3.4, code: "[g]" });
  });
  test("a name that is not a reading, or values that do not fit the stream, are refused", () => {
    expect(() => toFhirObservation(new Data("/h/patient/p").name, Reading.create(0, [1]))).toThrow(/expected a reading name/);
    expect(() => toFhirObservation(readingName("h", "p", "bp-monitor", "blood-pressure", 0), Reading.create(0, [120]))).toThrow(/needs 2/);
  });
});
