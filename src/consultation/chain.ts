import { Data, type Name } from "@ndn/packet";
import { Encoder } from "@ndn/tlv";

import { consultationBlockName } from "../naming/mod.js";
import type { Identity } from "../trust/mod.js";
import { ConsultationBlock } from "./block.js";
import type { ConsultationDag } from "./dag.js";

/** Largest block content we make: blocks stay below NFD's 8800-octet packet limit. */
const MAX_CONTENT = 7000;

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
    do {
      const take: Uint8Array[] = [];
      let size = 0;
      while (rest.length > 0 && (take.length === 0 || size + rest[0]!.length < MAX_CONTENT)) {
        size += rest[0]!.length;
        take.push(rest.shift()!);
      }
      out.push(await this.commitBlock(take, time));
    } while (rest.length > 0);
    return out;
  }

  private async commitBlock(recordWires: Uint8Array[], time: number): Promise<Data> {
    const block = new ConsultationBlock();
    block.height = this.height;
    block.prev = this.height === 0 ? undefined : this.dag.newest(this.hospital)?.fullName;
    block.refs = this.references();
    block.time = Math.round(time);
    block.recordWires = recordWires;
    const data = new Data(consultationBlockName(this.dag.consortium, this.hospital, this.height), block.toContent(), Data.FreshnessPeriod(60_000));
    await this.signer.signer.sign(data);
    const r = this.dag.add(data);
    if (r.status !== "accepted") {
      throw new Error(`own block ${this.height} not accepted: ${JSON.stringify(r)}`);
    }
    if (r.released.length > 0) {
      throw new Error(`own block ${this.height} released ${r.released.length} blocks that waited for it, yet no one can reference a block before it is committed`);
    }
    ++this.height;
    return data;
  }

  /** The newest block of every other hospital, and the equivocation evidence not referenced yet. */
  private references(): Name[] {
    const newest = this.dag.members.filter((h) => h !== this.hospital)
      .map((h) => this.dag.newest(h)?.fullName).filter((n) => n !== undefined);
    const evidence = this.dag.unreferencedForks(this.hospital).filter((n) => !newest.some((x) => x.equals(n)));
    return [...newest, ...evidence];
  }
}
