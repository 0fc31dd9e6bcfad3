import { Data, StructFieldNameNested } from "@ndn/packet";
import { Decoder, Encoder, StructBuilder, StructFieldBytes, StructFieldNNI } from "@ndn/tlv";

import { TT } from "../an.js";

const buildBlock = new StructBuilder("ConsultationBlock", TT.ConsultationBlock)
  .add(TT.ConsultationHeight, "height", StructFieldNNI, { required: true })
  .add(TT.ConsultationPrev, "prev", StructFieldNameNested)
  .add(TT.ConsultationRef, "refs", StructFieldNameNested, { repeat: true })
  .add(TT.ConsultationTime, "time", StructFieldNNI, { required: true })
  .add(TT.ConsultationRecordData, "recordWires", StructFieldBytes, { repeat: true });

/**
 * Content of a consultation block, a node of the hospitals' DAG (docs/consultation.md):
 * ```abnf
 * ConsultationBlock = CONSULTATION-BLOCK-TYPE TLV-LENGTH Height [Prev] *Ref Time *RecordData
 * Height     = HEIGHT-TYPE TLV-LENGTH NonNegativeInteger   ; position on this hospital's chain
 * Prev       = PREV-TYPE TLV-LENGTH Name                   ; this hospital's previous block, full name
 * Ref        = REF-TYPE TLV-LENGTH Name                    ; newest block seen of another hospital, or a version of an equivocated block (evidence), full name
 * Time       = TIME-TYPE TLV-LENGTH NonNegativeInteger     ; ms since the epoch
 * RecordData = RECORD-DATA-TYPE TLV-LENGTH Data            ; a signed consultation record, whole
 * ```
 */
export class ConsultationBlock extends buildBlock.baseClass<ConsultationBlock>() {
  static fromContent(content: Uint8Array): ConsultationBlock {
    return new Decoder(content).decode(ConsultationBlock);
  }

  toContent(): Uint8Array {
    return Encoder.encode(this);
  }

  /** The signed records the block carries. */
  get records(): Data[] {
    return this.recordWires.map((w) => new Decoder(w).decode(Data));
  }
}
buildBlock.subclass = ConsultationBlock;
