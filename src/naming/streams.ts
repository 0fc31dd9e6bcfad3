/**
 * The streams a patient's devices publish: the namespace's vocabulary for `<stream>`.
 * Clinical metadata for each (units, LOINC codes, rates) lives in `sensors/catalog.ts`.
 */
export const STREAM_IDS = [
  "heart-rate",
  "spo2",
  "body-temperature",
  "blood-pressure",
  "respiration-rate",
  "fall",
] as const;

export type StreamId = (typeof STREAM_IDS)[number];

export function isStreamId(s: string): s is StreamId {
  return (STREAM_IDS as readonly string[]).includes(s);
}
