import { STREAM_IDS, type StreamId } from "../naming/mod.js";

/** One measured quantity of a stream, as FHIR R4 codes it. */
export interface Quantity {
  /** LOINC code of this quantity ("" when the stream is not a vital sign). */
  loinc: string;
  display: string;
  /** UCUM unit code. */
  unit: string;
  /** Decimal places kept on the wire. */
  decimals: number;
  /** Range a plausible reading stays in; a model value outside it is clamped. */
  range: readonly [number, number];
}

export interface StreamInfo {
  id: StreamId;
  /** "vital": sampled at a rate; "event": published only when something happens. */
  kind: "vital" | "event";
  /** Device that carries this stream on a standard patient kit. */
  device: string;
  /** Default sampling rate in Hz (vitals). */
  rateHz: number;
  /** LOINC code of the whole observation (a panel when there are several quantities); "" for events. */
  loinc: string;
  display: string;
  quantities: readonly Quantity[];
}

/** A vital sign measured as one quantity, whose observation code is the quantity's own. */
function singleVital(id: StreamId, device: string, loinc: string, display: string, unit: string, decimals: number,
    range: readonly [number, number]): StreamInfo {
  return { id, kind: "vital", device, rateHz: 1, loinc, display, quantities: [{ loinc, display, unit, decimals, range }] };
}

/** Every stream, with the codes of design.md (FHIR vital-signs profile). */
export const STREAMS: Readonly<Record<StreamId, StreamInfo>> = {
  "heart-rate": singleVital("heart-rate", "pulse-oximeter", "8867-4", "Heart rate", "/min", 0, [20, 250]),
  spo2: singleVital("spo2", "pulse-oximeter", "59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "%", 0, [50, 100]),
  "body-temperature": singleVital("body-temperature", "thermometer", "8310-5", "Body temperature", "Cel", 1, [30, 43]),
  "respiration-rate": singleVital("respiration-rate", "chest-patch", "9279-1", "Respiratory rate", "/min", 0, [4, 60]),
  "blood-pressure": {
    id: "blood-pressure", kind: "vital", device: "bp-monitor", rateHz: 1, loinc: "85354-9", display: "Blood pressure panel with all children optional",
    quantities: [
      { loinc: "8480-6", display: "Systolic blood pressure", unit: "mm[Hg]", decimals: 0, range: [50, 260] },
      { loinc: "8462-4", display: "Diastolic blood pressure", unit: "mm[Hg]", decimals: 0, range: [30, 160] },
    ],
  },
  fall: {
    // A fall is an event, not a vital sign: no LOINC vital-sign code fits, so the observation is coded
    // with SNOMED CT 1912002 "Fall" and carries the accelerometer's peak impact (outside the
    // vital-signs profile; see fhir.ts).
    id: "fall", kind: "event", device: "chest-patch", rateHz: 0, loinc: "", display: "Fall",
    quantities: [{ loinc: "", display: "Peak acceleration at impact", unit: "[g]", decimals: 1, range: [0, 20] }],
  },
};

/** The devices of the standard patient kit that carry the given streams: device id → its streams. */
export function deviceKit(streams: readonly StreamId[] = STREAM_IDS): Map<string, StreamId[]> {
  const kit = new Map<string, StreamId[]>();
  for (const s of streams) {
    const did = STREAMS[s].device;
    kit.set(did, [...(kit.get(did) ?? []), s]);
  }
  return kit;
}
