import { StructFieldNameNested } from "@ndn/packet";
import { Decoder, Encoder, StructBuilder, StructFieldBytes, StructFieldNNI } from "@ndn/tlv";

import { TT } from "../an.js";

const buildBlock = new StructBuilder("LedgerBlock", TT.LedgerBlock)
  .add(TT.Height, "height", StructFieldNNI, { required: true })
  .add(TT.PrevBlock, "prev", StructFieldNameNested)
  .add(TT.PatientCert, "patientCert", StructFieldNameNested)
  .add(TT.BlockTime, "time", StructFieldNNI, { required: true })
  .add(TT.Committed, "committed", StructFieldNameNested, { repeat: true })
  .add(TT.MerkleRoot, "merkleRoot", StructFieldBytes, { required: true });

/**
 * Content of a medical-devices ledger block (docs/ledger.md):
 * ```abnf
 * LedgerBlock = LEDGER-BLOCK-TYPE TLV-LENGTH
 *               Height [PrevBlock] [PatientCert] BlockTime *Committed MerkleRoot
 * Height      = HEIGHT-TYPE TLV-LENGTH NonNegativeInteger
 * PrevBlock   = PREV-BLOCK-TYPE TLV-LENGTH Name        ; previous block's full name (implicit digest)
 * PatientCert = PATIENT-CERT-TYPE TLV-LENGTH Name      ; genesis only: the gateway certificate's full name
 * BlockTime   = BLOCK-TIME-TYPE TLV-LENGTH NonNegativeInteger  ; ms since the epoch
 * Committed   = COMMITTED-TYPE TLV-LENGTH Name         ; a reading's full name (implicit digest)
 * MerkleRoot  = MERKLE-ROOT-TYPE TLV-LENGTH 32OCTET    ; over the committed names, in order
 * ```
 */
export class LedgerBlock extends buildBlock.baseClass<LedgerBlock>() {
  static fromContent(content: Uint8Array): LedgerBlock {
    return new Decoder(content).decode(LedgerBlock);
  }

  toContent(): Uint8Array {
    return Encoder.encode(this);
  }
}
buildBlock.subclass = LedgerBlock;
