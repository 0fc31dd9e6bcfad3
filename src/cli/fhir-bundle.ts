import { nameFromUri } from "../naming/mod.js";
import type { Summary } from "../scenario/mod.js";
import { type FhirObservation, Reading, toFhirObservation } from "../sensors/mod.js";

/** A FHIR R4 collection Bundle of each patient's latest vitals, as the monitor last verified them. */
export function latestObservationsBundle(summary: Summary): { resourceType: "Bundle"; type: "collection"; entry: Array<{ resource: FhirObservation }> } {
  const entry = summary.patients.flatMap((p) => Object.values(p.vitals).map((v) => ({
    resource: toFhirObservation(nameFromUri(v.reading), Reading.create(v.producedAt, v.values)),
  })));
  return { resourceType: "Bundle", type: "collection", entry };
}
