import { Data, type Name } from "@ndn/packet";
import { Encoder } from "@ndn/tlv";

import { TT } from "../an.js";
import { consultationBlockName, showName } from "../naming/mod.js";
import type { Identity } from "../trust/mod.js";
import { ConsultationBlock } from "./block.js";
import type { ConsultationDag } from "./dag.js";

/** Largest block content we make, references included: blocks stay below NFD's 8800-octet packet limit. */
export const MAX_CONTENT = 7000;
/**
 * Largest record (its whole wire) a hospital takes for its ledger: with room to spare in a block
 * of MAX_CONTENT for some forty references (a consortium's newest blocks and the evidence).
 */
export const MAX_RECORD = 4096;
/**
 * Most references to equivocation evidence in one block, so that they leave room for records;
 * the rest go in the hospital's next blocks (the DAG keeps them unreferenced till then).
 */
export const MAX_EVIDENCE_REFS = 16;

/**
 * One hospital's side of the consultation ledger: commits records in blocks on its own hash chain,
 * each block referencing the newest block it has seen of every other hospital, and the versions of
 * equivocated blocks it has not referenced yet (the evidence, for every replica to fetch). Blocks
 * are signed by the hospital's ledger identity (a health worker of the hospital, as the trust
 * policy wants).
 */
export class ConsultationChain {
  private height = 0;

  constructor(
    private readonly hospital: string,
    private readonly dag: ConsultationDag,
    private readonly signer: Identity,
  ) {
    // Resume after the newest own block the DAG already holds (a restart from the repo).
    this.height = (dag.newest(hospital)?.height ?? -1) + 1;
  }

  /**
   * Commit records: as many blocks as their size needs. Each block is added to the local DAG.
   * @returns the blocks, to publish.
   */
  async commit(records: readonly Data[], time = Date.now()): Promise<Data[]> {
    const out: Data[] = [];
    const rest = records.map((r) => Encoder.encode(r));
    // Refused before any block is made: a block over MAX_CONTENT would not cross NFD.
    const room = roomIn(this.nextBlock(time));
    for (const [i, wire] of rest.entries()) {
      if (recordSize(wire) > room) {
        throw new Error(`record ${showName(records[i]!.name)} takes ${recordSize(wire)} octets in a block, which has room for ${room}: nothing committed`);
      }
    }
    do {
      const block = this.nextBlock(time);
      let room = roomIn(block);
      const take: Uint8Array[] = [];
      while (rest.length > 0) {
        const size = recordSize(rest[0]!);
        if (take.length > 0 && size > room) {
          break; // for the next block
        }
        room -= size;
        take.push(rest.shift()!);
      }
      block.recordWires = take;
      out.push(await this.commitBlock(block));
    } while (rest.length > 0);
    return out;
  }

  /** The next block of the chain, with its links and no records yet. */
  private nextBlock(time: number): ConsultationBlock {
    const block = new ConsultationBlock();
    block.height = this.height;
    block.prev = this.height === 0 ? undefined : this.dag.newest(this.hospital)?.fullName;
    block.refs = this.references();
    block.time = Math.round(time);
    return block;
  }

  /** Sign a block and add it to the DAG, checked first: a block that would not join leaves the DAG and the chain as they were. */
  private async commitBlock(block: ConsultationBlock): Promise<Data> {
    const data = new Data(consultationBlockName(this.dag.consortium, this.hospital, this.height), block.toContent(), Data.FreshnessPeriod(60_000));
    await this.signer.signer.sign(data);
    const { waitedOn, ...outcome } = this.dag.preview(data);
    if (outcome.status !== "accepted") {
      throw new Error(`own block ${this.height} would not be accepted: ${JSON.stringify(outcome)}`);
    }
    if (waitedOn) {
      throw new Error(`own block ${this.height} would release blocks that waited for it, yet no one can reference a block before it is committed`);
    }
    this.dag.add(data);
    ++this.height;
    return data;
  }

  /** The newest block of every other hospital, and equivocation evidence not referenced yet (at most {@link MAX_EVIDENCE_REFS}). */
  private references(): Name[] {
    const newest = this.dag.members.filter((h) => h !== this.hospital)
      .map((h) => this.dag.newest(h)?.fullName).filter((n) => n !== undefined);
    const evidence = this.dag.unreferencedForks(this.hospital).filter((n) => !newest.some((x) => x.equals(n)));
    return [...newest, ...evidence.slice(0, MAX_EVIDENCE_REFS)];
  }
}

/** Octets of records a block without records yet has room for. */
function roomIn(block: ConsultationBlock): number {
  // The outer TLV's length may take 2 octets more once records are in.
  return MAX_CONTENT - block.toContent().length - 2;
}

/** Octets a record takes in a block's content: its RecordData TLV. */
function recordSize(wire: Uint8Array): number {
  return Encoder.encode([TT.ConsultationRecordData, wire]).length;
}
