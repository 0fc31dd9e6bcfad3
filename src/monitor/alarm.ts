import { StructFieldName, TT as l3TT } from "@ndn/packet";
import { Decoder, Encoder, StructBuilder, StructFieldEnum, StructFieldNNI } from "@ndn/tlv";

import { TT } from "../an.js";
import { NEWS2_LEVELS, type News2Level } from "./news2.js";

/** What raised an alarm. */
export enum AlarmKind {
  News2 = 1,
  Fall = 2,
}

/** Alarm levels on the wire: the NEWS2 clinical response levels above "low". */
export enum AlarmLevel {
  LowMedium = 1,
  Medium = 2,
  High = 3,
}

export function alarmLevelOf(level: News2Level): AlarmLevel | undefined {
  const i = NEWS2_LEVELS.indexOf(level);
  return i > 0 ? i as AlarmLevel : undefined;
}

export function alarmLevelName(level: AlarmLevel): Exclude<News2Level, "low"> {
  return NEWS2_LEVELS[level] as Exclude<News2Level, "low">;
}

const buildAlarm = new StructBuilder("Alarm", TT.Alarm)
  .add(TT.AlarmKind, "kind", StructFieldEnum<AlarmKind>(AlarmKind), { required: true })
  .add(TT.AlarmLevel, "level", StructFieldEnum<AlarmLevel>(AlarmLevel), { required: true })
  .add(TT.News2Score, "score", StructFieldNNI, { required: true })
  .add(TT.SubScores, "subscores", StructFieldNNI, { repeat: true })
  .add(l3TT.Name, "trigger", StructFieldName, { required: true })
  .add(TT.TriggerProducedAt, "triggerProducedAt", StructFieldNNI, { required: true })
  .add(TT.RaisedAt, "raisedAt", StructFieldNNI, { required: true });

/**
 * Content of an alarm Data packet (docs/formats.md):
 * ```abnf
 * Alarm             = ALARM-TYPE TLV-LENGTH AlarmKind AlarmLevel News2Score *SubScore
 *                     Name TriggerProducedAt RaisedAt
 * AlarmKind         = ALARM-KIND-TYPE TLV-LENGTH NonNegativeInteger  ; 1 NEWS2, 2 fall
 * AlarmLevel        = ALARM-LEVEL-TYPE TLV-LENGTH NonNegativeInteger ; 1 low-medium, 2 medium, 3 high
 * News2Score        = NEWS2-SCORE-TYPE TLV-LENGTH NonNegativeInteger ; aggregate score
 * SubScore          = SUB-SCORE-TYPE TLV-LENGTH NonNegativeInteger   ; in chart order: respiration, SpO2,
 *                                                                    ; air/oxygen, systolic, pulse,
 *                                                                    ; consciousness, temperature
 * Name              = the reading that raised it
 * TriggerProducedAt = ms since the epoch, when that reading was produced
 * RaisedAt          = ms since the epoch, when the monitor raised the alarm
 * ```
 */
export class Alarm extends buildAlarm.baseClass<Alarm>() {
  static fromContent(content: Uint8Array): Alarm {
    return new Decoder(content).decode(Alarm);
  }

  toContent(): Uint8Array {
    return Encoder.encode(this);
  }

  get levelName(): Exclude<News2Level, "low"> {
    return alarmLevelName(this.level);
  }
}
buildAlarm.subclass = Alarm;
