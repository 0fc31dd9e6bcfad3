import type { Name } from "@ndn/packet";

import { parseName, type ParsedName, showName } from "../naming/mod.js";
import { deviceKit } from "../sensors/mod.js";
import type { PatientSpec, Topology } from "./topology.js";

/**
 * Check that a name refers to what a topology deploys: its hospital, patient, device and stream.
 * @returns the parsed name.
 * @throws Error saying which one is unknown and what there is instead.
 */
export function checkNameInTopology(topology: Topology, name: Name): ParsedName {
  const p = parseName(name);
  const subject = p.kind === "key" || p.kind === "certificate" ? p.subject : p;
  if (!("hospital" in subject) || subject.hospital === undefined) {
    return p;
  }
  const hospital = subject.hospital;
  const hospitals = [...topology.nodes.values()].filter((n) => n.role === "hospital").map((n) => n.name);
  if (!hospitals.includes(hospital)) {
    throw new Error(`unknown hospital ${hospital} in ${showName(name)}: ${topology.source} has ${list(hospitals)}`);
  }
  if (!("pid" in subject)) {
    return p;
  }
  const patient = findPatient(topology, hospital, subject.pid);
  if ("did" in subject) {
    const kit = deviceKit(patient.streams);
    const streams = kit.get(subject.did);
    if (!streams) {
      throw new Error(`unknown device ${subject.did} of patient ${subject.pid} in ${showName(name)}: the patient wears ${list([...kit.keys()])}`);
    }
    if ("stream" in subject && !streams.includes(subject.stream)) {
      throw new Error(`device ${subject.did} of patient ${subject.pid} has no stream ${subject.stream} (it has ${list(streams)})`);
    }
  }
  return p;
}

/** The patient `pid` cared for by `hospital`, or an error listing that hospital's patients. */
export function findPatient(topology: Topology, hospital: string, pid: string): PatientSpec {
  const patients = [...topology.nodes.values()].filter((n) => n.hospital === hospital).flatMap((n) => n.patients);
  const patient = patients.find((x) => x.pid === pid);
  if (!patient) {
    throw new Error(`unknown patient ${pid} at ${hospital}: its patients are ${list(patients.map((x) => x.pid))}`);
  }
  return patient;
}

function list(items: readonly string[]): string {
  return items.length === 0 ? "none" : items.join(", ");
}
