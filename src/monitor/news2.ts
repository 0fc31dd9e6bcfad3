/**
 * National Early Warning Score 2 (Royal College of Physicians, 2017), SpO2 scale 1, exactly as the
 * table of design.md gives it. Inputs are first rounded to clinical precision (whole numbers; 0.1 °C
 * for temperature), so that a value between two bands of the table falls where a nurse would chart it.
 */
export interface News2Input {
  respirationRate: number;
  spo2: number;
  systolic: number;
  heartRate: number;
  temperature: number;
  /** Breathing supplemental oxygen (scores 2). @defaultValue false: room air */
  onOxygen?: boolean;
  /** New confusion, or responds only to voice or pain, or unresponsive (scores 3). @defaultValue false: alert */
  notAlert?: boolean;
}

export type News2Level = "low" | "low-medium" | "medium" | "high";

/** Levels in increasing urgency, so they compare by index. */
export const NEWS2_LEVELS: readonly News2Level[] = ["low", "low-medium", "medium", "high"];

export interface News2Result {
  total: number;
  level: News2Level;
  subscores: {
    respirationRate: number;
    spo2: number;
    systolic: number;
    heartRate: number;
    temperature: number;
    oxygen: number;
    consciousness: number;
  };
}

export function scoreRespirationRate(rr: number): number {
  rr = Math.round(rr);
  return rr <= 8 ? 3 : rr <= 11 ? 1 : rr <= 20 ? 0 : rr <= 24 ? 2 : 3;
}

export function scoreSpo2(spo2: number): number {
  spo2 = Math.round(spo2);
  return spo2 <= 91 ? 3 : spo2 <= 93 ? 2 : spo2 <= 95 ? 1 : 0;
}

export function scoreSystolic(sbp: number): number {
  sbp = Math.round(sbp);
  return sbp <= 90 ? 3 : sbp <= 100 ? 2 : sbp <= 110 ? 1 : sbp <= 219 ? 0 : 3;
}

export function scoreHeartRate(hr: number): number {
  hr = Math.round(hr);
  return hr <= 40 ? 3 : hr <= 50 ? 1 : hr <= 90 ? 0 : hr <= 110 ? 1 : hr <= 130 ? 2 : 3;
}

export function scoreTemperature(t: number): number {
  t = Math.round(t * 10);
  return t <= 350 ? 3 : t <= 360 ? 1 : t <= 380 ? 0 : t <= 390 ? 1 : 2;
}

/** Clinical response: 7+ high; 5-6 medium; 0-4 low, but low-medium when one parameter scores 3. */
export function news2Level(total: number, anySingleThree: boolean): News2Level {
  return total >= 7 ? "high" : total >= 5 ? "medium" : anySingleThree ? "low-medium" : "low";
}

export function news2(v: News2Input): News2Result {
  const subscores = {
    respirationRate: scoreRespirationRate(v.respirationRate),
    spo2: scoreSpo2(v.spo2),
    systolic: scoreSystolic(v.systolic),
    heartRate: scoreHeartRate(v.heartRate),
    temperature: scoreTemperature(v.temperature),
    oxygen: v.onOxygen ? 2 : 0,
    consciousness: v.notAlert ? 3 : 0,
  };
  const parts = Object.values(subscores);
  const total = parts.reduce((a, b) => a + b, 0);
  return { total, level: news2Level(total, parts.includes(3)), subscores };
}
