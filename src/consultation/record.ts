import { Data, type Name, StructFieldNameNested } from "@ndn/packet";
import { Decoder, Encoder, StructBuilder, StructFieldEnum, StructFieldNNI, StructFieldText } from "@ndn/tlv";

import { TT } from "../an.js";
import { consultationRecordName, expectName, showName } from "../naming/mod.js";
import type { Identity } from "../trust/mod.js";

/** What a consultation record says. */
export enum RecordKind {
  Note = 1,
  Diagnosis = 2,
  Prescription = 3,
  Referral = 4,
}

const buildRecord = new StructBuilder("ConsultationRecord", TT.ConsultationRecord)
  .add(TT.RecordKind, "kind", StructFieldEnum<RecordKind>(RecordKind), { required: true })
  .add(TT.RecordPatient, "patient", StructFieldNameNested, { required: true })
  .add(TT.RecordText, "text", StructFieldText, { required: true })
  .add(TT.RecordCode, "code", StructFieldText)
  .add(TT.RecordTime, "time", StructFieldNNI, { required: true });

/**
 * Content of a consultation record (docs/consultation.md):
 * ```abnf
 * ConsultationRecord = CONSULTATION-RECORD-TYPE TLV-LENGTH RecordKind RecordPatient RecordText [RecordCode] RecordTime
 * RecordKind    = RECORD-KIND-TYPE TLV-LENGTH NonNegativeInteger ; 1 note, 2 diagnosis, 3 prescription, 4 referral
 * RecordPatient = RECORD-PATIENT-TYPE TLV-LENGTH Name            ; the patient's prefix
 * RecordText    = RECORD-TEXT-TYPE TLV-LENGTH *OCTET             ; UTF-8
 * RecordCode    = RECORD-CODE-TYPE TLV-LENGTH *OCTET             ; "system|code", e.g. "http://snomed.info/sct|91302008"
 * RecordTime    = RECORD-TIME-TYPE TLV-LENGTH NonNegativeInteger ; ms since the epoch
 * ```
 */
export class ConsultationRecord extends buildRecord.baseClass<ConsultationRecord>() {
  static fromContent(content: Uint8Array): ConsultationRecord {
    return new Decoder(content).decode(ConsultationRecord);
  }

  toContent(): Uint8Array {
    return Encoder.encode(this);
  }
}
buildRecord.subclass = ConsultationRecord;

export interface RecordFields {
  kind: RecordKind;
  /** The patient's prefix, e.g. /stmary/patient/alice. */
  patient: Name;
  text: string;
  /** A coded concept, "system|code". */
  code?: string;
}

/** A health worker writes a record: a Data packet named under its hospital, signed by the worker. */
export async function writeRecord(author: Identity, consortium: string, seq: number, fields: RecordFields, time = Date.now()): Promise<Data> {
  const staff = expectName(author.subject, "staff");
  expectName(fields.patient, "patient");
  const record = new ConsultationRecord();
  record.kind = fields.kind;
  record.patient = fields.patient;
  record.text = fields.text;
  record.code = fields.code;
  record.time = Math.round(time);
  const data = new Data(consultationRecordName(consortium, staff.hospital, staff.wid, seq), record.toContent());
  await author.signer.sign(data);
  return data;
}

/** The FHIR R4 resource a record maps to: Condition, MedicationRequest, ServiceRequest or Communication. */
export function recordToFhir(name: Name, record: ConsultationRecord): Record<string, unknown> {
  const r = expectName(name, "consultation-record");
  const [system, code] = record.code?.includes("|") ? record.code.split("|", 2) as [string, string] : [undefined, record.code];
  const concept = { ...(code ? { coding: [{ ...(system ? { system } : {}), code }] } : {}), text: record.text };
  const common = {
    id: `${r.hospital}.${r.wid}.${r.seq}`,
    identifier: [{ system: "urn:ietf:params:ndn:name", value: showName(name) }],
    subject: { identifier: { system: "urn:ietf:params:ndn:name", value: showName(record.patient) } },
  };
  const when = new Date(record.time).toISOString();
  const author = { identifier: { system: "urn:ietf:params:ndn:name", value: `/${r.hospital}/staff/${r.wid}` } };
  switch (record.kind) {
    case RecordKind.Diagnosis:
      return { resourceType: "Condition", ...common, code: concept, recordedDate: when, recorder: author };
    case RecordKind.Prescription:
      return { resourceType: "MedicationRequest", ...common, status: "active", intent: "order", medicationCodeableConcept: concept, authoredOn: when, requester: author };
    case RecordKind.Referral:
      return { resourceType: "ServiceRequest", ...common, status: "active", intent: "order", code: concept, authoredOn: when, requester: author };
    case RecordKind.Note:
      return { resourceType: "Communication", ...common, status: "completed", payload: [{ contentString: record.text }], sent: when, sender: author };
  }
}
