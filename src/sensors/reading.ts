import { Decoder, StructBuilder, StructFieldNNI } from "@ndn/tlv";

import { TT } from "../an.js";
import { encodeCompact } from "../util/encode.js";

/** Fixed-point scale of Value: every quantity travels in hundredths of its unit. */
export const VALUE_SCALE = 100;

const buildReading = new StructBuilder("Reading", TT.Reading)
  .add(TT.ProducedAt, "producedAt", StructFieldNNI, { required: true })
  .add(TT.Value, "scaledValues", StructFieldNNI, { required: true, repeat: true });

/**
 * Content of a reading Data packet (docs/formats.md):
 * ```abnf
 * Reading    = READING-TYPE TLV-LENGTH ProducedAt 1*Value
 * ProducedAt = PRODUCED-AT-TYPE TLV-LENGTH NonNegativeInteger ; ms since the Unix epoch
 * Value      = VALUE-TYPE TLV-LENGTH NonNegativeInteger       ; hundredths of the unit
 * ```
 * Values follow the stream's quantities in order (blood pressure: systolic, diastolic).
 */
export class Reading extends buildReading.baseClass<Reading>() {
  static create(producedAt: number, values: readonly number[]): Reading {
    const r = new Reading();
    r.producedAt = Math.round(producedAt);
    r.scaledValues = values.map((v) => {
      if (!Number.isFinite(v) || v < 0) {
        throw new RangeError(`reading value ${v} is not a finite non-negative number`);
      }
      return Math.round(v * VALUE_SCALE);
    });
    return r;
  }

  /** Decode a reading from Data content; throws on malformed content. */
  static fromContent(content: Uint8Array): Reading {
    return new Decoder(content).decode(Reading);
  }

  get values(): number[] {
    return this.scaledValues.map((v) => v / VALUE_SCALE);
  }

  toContent(): Uint8Array {
    return encodeCompact(this, 64);
  }
}
buildReading.subclass = Reading;
