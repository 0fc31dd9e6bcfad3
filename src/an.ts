/**
 * TLV-TYPE numbers of ndn-iomt's own content formats, all in one place (docs/formats.md).
 * They sit in the range NDN leaves to applications (128-252: one-octet TLV-TYPE).
 */
export const TT = {
  // node/unicast-flows.ts: a name component, not content: the flow of one request in modes ip and cloud
  UnicastFlow: 0xBF,

  // sensors/reading.ts
  Reading: 0xC8,
  ProducedAt: 0xC9,
  Value: 0xCA,

  // monitor/alarm.ts
  Alarm: 0xD0,
  AlarmKind: 0xD1,
  AlarmLevel: 0xD2,
  News2Score: 0xD3,
  TriggerProducedAt: 0xD4,
  RaisedAt: 0xD5,
  SubScores: 0xD6,

  // ledger/block.ts
  LedgerBlock: 0xE0,
  Height: 0xE1,
  PrevBlock: 0xE2,
  BlockTime: 0xE3,
  Committed: 0xE4,
  MerkleRoot: 0xE5,
  PatientCert: 0xE6,

  // consultation/record.ts
  ConsultationRecord: 0xF0,
  RecordKind: 0xF1,
  RecordPatient: 0xF2,
  RecordText: 0xF3,
  RecordCode: 0xF4,
  RecordTime: 0xF5,

  // consultation/block.ts
  ConsultationBlock: 0xF8,
  ConsultationHeight: 0xF9,
  ConsultationPrev: 0xFA,
  ConsultationRef: 0xFB,
  ConsultationTime: 0xFC,
  ConsultationRecordData: 0xFD,
} as const;
