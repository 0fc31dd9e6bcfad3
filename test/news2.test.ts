import { describe, expect, test } from "vitest";

import {
  news2, news2Level, scoreHeartRate, scoreRespirationRate, scoreSpo2, scoreSystolic, scoreTemperature,
} from "../src/monitor/mod.js";

// Every band boundary of the RCP 2017 table (design.md), from both sides.
describe("NEWS2 parameter bands", () => {
  test.each([
    [8, 3], [9, 1], [11, 1], [12, 0], [20, 0], [21, 2], [24, 2], [25, 3], [4, 3], [40, 3],
  ])("respiration rate %d scores %d", (v, s) => expect(scoreRespirationRate(v)).toBe(s));

  test.each([
    [91, 3], [92, 2], [93, 2], [94, 1], [95, 1], [96, 0], [100, 0], [80, 3],
  ])("SpO2 %d%% scores %d", (v, s) => expect(scoreSpo2(v)).toBe(s));

  test.each([
    [90, 3], [91, 2], [100, 2], [101, 1], [110, 1], [111, 0], [219, 0], [220, 3], [60, 3],
  ])("systolic %d scores %d", (v, s) => expect(scoreSystolic(v)).toBe(s));

  test.each([
    [40, 3], [41, 1], [50, 1], [51, 0], [90, 0], [91, 1], [110, 1], [111, 2], [130, 2], [131, 3], [200, 3],
  ])("pulse %d scores %d", (v, s) => expect(scoreHeartRate(v)).toBe(s));

  test.each([
    [35.0, 3], [35.1, 1], [36.0, 1], [36.1, 0], [38.0, 0], [38.1, 1], [39.0, 1], [39.1, 2], [34, 3], [41, 2],
  ])("temperature %d scores %d", (v, s) => expect(scoreTemperature(v)).toBe(s));

  test("values between charted steps round to clinical precision", () => {
    expect(scoreRespirationRate(8.4)).toBe(3);
    expect(scoreRespirationRate(8.6)).toBe(1);
    expect(scoreTemperature(35.04)).toBe(3);
    expect(scoreTemperature(35.06)).toBe(1);
    expect(scoreSpo2(95.5)).toBe(0);
  });
});

describe("NEWS2 aggregate and response level", () => {
  const normal = { respirationRate: 16, spo2: 98, systolic: 125, heartRate: 70, temperature: 36.8 };

  test("a healthy adult scores 0, low", () => {
    expect(news2(normal)).toMatchObject({ total: 0, level: "low" });
  });
  test("oxygen scores 2 and not being alert scores 3", () => {
    expect(news2({ ...normal, onOxygen: true }).total).toBe(2);
    const r = news2({ ...normal, notAlert: true });
    expect(r).toMatchObject({ total: 3, level: "low-medium" });
  });
  test("a single parameter scoring 3 with total ≤ 4 is low-medium", () => {
    expect(news2({ ...normal, spo2: 91 })).toMatchObject({ total: 3, level: "low-medium" });
    expect(news2({ ...normal, spo2: 91, heartRate: 95 })).toMatchObject({ total: 4, level: "low-medium" });
  });
  test("4 without a 3 is low; 5 and 6 medium; 7 and more high", () => {
    expect(news2({ ...normal, respirationRate: 22, spo2: 93 })).toMatchObject({ total: 4, level: "low" });
    expect(news2({ ...normal, respirationRate: 22, spo2: 93, heartRate: 95 })).toMatchObject({ total: 5, level: "medium" });
    expect(news2({ ...normal, respirationRate: 22, spo2: 93, heartRate: 115 })).toMatchObject({ total: 6, level: "medium" });
    expect(news2({ ...normal, respirationRate: 22, spo2: 93, heartRate: 115, temperature: 38.5 })).toMatchObject({ total: 7, level: "high" });
    expect(news2({ respirationRate: 30, spo2: 85, systolic: 80, heartRate: 140, temperature: 39.5, onOxygen: true, notAlert: true }))
      .toMatchObject({ total: 19, level: "high" }); // the maximum: temperature tops out at 2
  });
  test("level thresholds", () => {
    expect(news2Level(4, false)).toBe("low");
    expect(news2Level(4, true)).toBe("low-medium");
    expect(news2Level(5, false)).toBe("medium");
    expect(news2Level(6, true)).toBe("medium");
    expect(news2Level(7, false)).toBe("high");
  });
});
