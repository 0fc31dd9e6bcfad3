import type { Name } from "@ndn/packet";

import { expectName, showName } from "../naming/mod.js";
import { STREAMS } from "./catalog.js";
import type { Reading } from "./reading.js";

/** The parts of a FHIR R4 Observation resource that ndn-iomt fills. */
export interface FhirObservation {
  resourceType: "Observation";
  id: string;
  meta?: { profile: string[] };
  identifier: Array<{ system: string; value: string }>;
  status: "final";
  category: Array<{ coding: Array<{ system: string; code: string; display: string }> }>;
  code: { coding: Array<{ system: string; code: string; display: string }>; text: string };
  subject: { identifier: { system: string; value: string }; display: string };
  device: { identifier: { system: string; value: string } };
  effectiveDateTime: string;
  valueQuantity?: FhirQuantity;
  component?: Array<{ code: { coding: Array<{ system: string; code: string; display: string }> }; valueQuantity: FhirQuantity }>;
}

interface FhirQuantity {
  value: number;
  unit: string;
  system: "http://unitsofmeasure.org";
  code: string;
}

const LOINC = "http://loinc.org";
const SNOMED = "http://snomed.info/sct";
const UCUM = "http://unitsofmeasure.org" as const;
const NDN_NAME = "urn:ietf:params:ndn:name";
const VITAL_SIGNS_PROFILE = "http://hl7.org/fhir/StructureDefinition/vitalsigns";
const OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category";

/**
 * Export a reading to a FHIR R4 Observation: vital signs follow the vital-signs profile
 * (category vital-signs, LOINC code, UCUM unit; blood pressure as the 85354-9 panel with systolic
 * and diastolic components); a fall is an "activity" observation coded in SNOMED CT.
 * The Observation is identified by the reading's NDN name, so it can always be traced back.
 */
export function toFhirObservation(name: Name, reading: Reading): FhirObservation {
  const p = expectName(name, "reading");
  const info = STREAMS[p.stream];
  const values = reading.values;
  if (values.length !== info.quantities.length) {
    throw new Error(`reading ${showName(name)} has ${values.length} values; ${p.stream} needs ${info.quantities.length}`);
  }
  const uri = showName(name);
  const quantity = (i: number): FhirQuantity => {
    const q = info.quantities[i]!;
    return { value: values[i]!, unit: q.unit, system: UCUM, code: q.unit };
  };
  const obs: FhirObservation = {
    resourceType: "Observation",
    id: `${p.hospital}.${p.pid}.${p.did}.${p.stream}.${p.seq}`,
    identifier: [{ system: NDN_NAME, value: uri }],
    status: "final",
    category: [info.kind === "vital" ?
      { coding: [{ system: OBSERVATION_CATEGORY, code: "vital-signs", display: "Vital Signs" }] } :
      { coding: [{ system: OBSERVATION_CATEGORY, code: "activity", display: "Activity" }] }],
    code: info.kind === "vital" ?
      { coding: [{ system: LOINC, code: info.loinc, display: info.display }], text: info.display } :
      { coding: [{ system: SNOMED, code: "1912002", display: "Fall" }], text: info.display },
    subject: { identifier: { system: NDN_NAME, value: showName(name.getPrefix(3)) }, display: p.pid },
    device: { identifier: { system: NDN_NAME, value: showName(name.getPrefix(5)) } },
    effectiveDateTime: new Date(reading.producedAt).toISOString(),
  };
  if (info.kind === "vital") {
    obs.meta = { profile: [VITAL_SIGNS_PROFILE] };
  }
  if (info.quantities.length === 1) {
    obs.valueQuantity = quantity(0);
  } else {
    obs.component = info.quantities.map((q, i) => ({
      code: { coding: [{ system: LOINC, code: q.loinc, display: q.display }] },
      valueQuantity: quantity(i),
    }));
  }
  return obs;
}

export interface FhirBundle {
  resourceType: "Bundle";
  type: "collection";
  entry: Array<{ resource: FhirObservation }>;
}

/** A FHIR R4 collection Bundle of readings as Observations. */
export function toFhirBundle(readings: Iterable<{ name: Name; reading: Reading }>): FhirBundle {
  return {
    resourceType: "Bundle",
    type: "collection",
    entry: Array.from(readings, ({ name, reading }) => ({ resource: toFhirObservation(name, reading) })),
  };
}
