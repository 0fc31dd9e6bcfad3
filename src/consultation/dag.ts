import { type Data, type Name } from "@ndn/packet";

import { fullName } from "../ledger/digest.js";
import { NameError, parseName, showName } from "../naming/mod.js";
import { ConsultationBlock } from "./block.js";

/** A block in the DAG. */
export interface DagBlock {
  data: Data;
  block: ConsultationBlock;
  fullName: Name;
  hospital: string;
  height: number;
  /** 1 + the largest depth among its parents: a topological rank. */
  depth: number;
  /** Hospitals whose chain has this block as itself or an ancestor. */
  referencedBy: Set<string>;
}

/** Two different blocks one hospital signed for one position: proof of misbehaviour. */
export interface Equivocation {
  hospital: string;
  height: number;
  /** The full names of both blocks. */
  blocks: [string, string];
}

/** What became of one block. */
export type Outcome =
  | { status: "accepted" | "duplicate" }
  /** Kept (other blocks may reference it) as evidence, never to be confirmed. */
  | { status: "equivocation"; reason: string }
  /** Waiting for these parents (full names). */
  | { status: "pending"; missing: Name[] }
  | { status: "rejected"; reason: string };

/** What became of an added block, and `released`: the blocks that waited for it and are accepted now, in the order they joined. */
export type AddResult = Outcome & { released: Data[] };

/** A block waiting for parents. */
export interface WaitingBlock {
  readonly data: Data;
  readonly fullName: Name;
  /** Its parents not in the DAG yet (full names), some of them perhaps waiting too. */
  readonly missing: readonly Name[];
  /** Where it came from, as given to {@link ConsultationDag.add}: whoever sent it holds its parents. */
  readonly from?: string;
}

/**
 * The consultation ledger's DAG as one hospital sees it: each hospital's hash chain, each block
 * referencing the newest blocks its hospital had seen of the others. A block is confirmed once more
 * than two thirds of the member hospitals have referenced it (itself or a later block of theirs
 * has it as an ancestor); a hospital caught equivocating loses its vote. Equivocation (two blocks for one hospital and height) and broken links
 * are detected with their evidence; such blocks are never confirmed, and the rest goes on.
 *
 * Blocks must be signature-verified before they are added.
 */
export class ConsultationDag {
  private readonly byName = new Map<string, DagBlock>();
  private readonly byPosition = new Map<string, DagBlock>();
  /** The highest block of each hospital (the first seen, at equal heights). */
  private readonly newestOf = new Map<string, DagBlock>();
  /** The lowest equivocated height of each hospital: its blocks from there on are never confirmed. */
  private readonly taintedFrom = new Map<string, number>();
  private readonly pending = new Map<string, WaitingBlock>();
  /**
   * Why each rejected block (by full name) was: a full name names one packet, so it is rejected for
   * good, and so is any block that links to it.
   */
  private readonly rejected = new Map<string, string>();
  /** Blocks carrying records that some member has not referenced yet. */
  private readonly open = new Set<DagBlock>();
  /** Both versions of every equivocated block: the evidence, which this hospital's next block references. */
  private readonly forkVersions = new Set<DagBlock>();
  readonly equivocations: Equivocation[] = [];
  /** Each block rejected for its links, once: a broken link, or a link to a rejected block. */
  readonly brokenLinks: Array<{ block: string; reason: string }> = [];

  /** @param members - every hospital of the consortium (confirmation needs more than two thirds of them). */
  constructor(readonly consortium: string, readonly members: readonly string[]) {}

  /**
   * Add a verified block; blocks whose parents are not known yet wait, and are added when they are
   * (or rejected, when one of them is).
   * @param from - where the block came from, kept with it while it waits (see {@link waiting}).
   */
  add(data: Data, from?: string): AddResult {
    const full = fullName(data);
    const outcome = this.settle(data, full);
    if (outcome.status === "pending") {
      this.pending.set(full.valueHex, { data, fullName: full, missing: outcome.missing, from });
    }
    const settled = outcome.status !== "pending" && outcome.status !== "duplicate";
    return { ...outcome, released: settled ? this.retryPending() : [] };
  }

  /** {@link tryAdd}, remembering rejections: a rejected block added again, or retried, is rejected at once and not recorded twice. */
  private settle(data: Data, full: Name): Outcome {
    const known = this.rejected.get(full.valueHex);
    if (known !== undefined) {
      return { status: "rejected", reason: known };
    }
    const outcome = this.tryAdd(data, full);
    if (outcome.status === "rejected") {
      this.rejected.set(full.valueHex, outcome.reason);
    }
    return outcome;
  }

  /** The block with this full name (implicit digest included), if the DAG has it. */
  get(full: Name): Data | undefined {
    return this.byName.get(full.valueHex)?.data;
  }

  private tryAdd(data: Data, full: Name): Outcome {
    let p;
    try {
      p = parseName(data.name);
    } catch (err: unknown) {
      return { status: "rejected", reason: err instanceof NameError ? err.message : String(err) };
    }
    if (p.kind !== "consultation-block" || p.consortium !== this.consortium) {
      return { status: "rejected", reason: `${showName(data.name)} is not a block of consortium ${this.consortium}` };
    }
    if (!this.members.includes(p.hospital)) {
      return { status: "rejected", reason: `${p.hospital} is not a member of ${this.consortium}` };
    }
    if (this.byName.has(full.valueHex)) {
      return { status: "duplicate" };
    }
    let block: ConsultationBlock;
    try {
      block = ConsultationBlock.fromContent(data.content);
    } catch (err: unknown) {
      return { status: "rejected", reason: `malformed block: ${(err as Error).message}` };
    }
    if (block.height !== p.height) {
      return { status: "rejected", reason: `named height ${p.height} but says ${block.height}` };
    }
    const position = `${p.hospital}/${p.height}`;
    const other = this.byPosition.get(position);
    if (p.height === 0 && block.prev) {
      return this.broken(full, "a height-0 block links to a previous block");
    }
    if (p.height > 0 && !block.prev) {
      return this.broken(full, `block ${p.height} has no link to block ${p.height - 1}`);
    }
    const rejectedParent = [block.prev, ...block.refs].find((n) => n && this.rejected.has(n.valueHex));
    if (rejectedParent) {
      return this.broken(full, `links to ${showName(rejectedParent)}, which was rejected`);
    }
    // Parents: the hospital's own previous block, and the blocks it references.
    const parents: DagBlock[] = [];
    const missing: Name[] = [];
    if (block.prev) {
      const prev = this.byName.get(block.prev.valueHex);
      if (prev && (prev.hospital !== p.hospital || prev.height !== p.height - 1)) {
        return this.broken(full, `links to ${showName(block.prev)}, which is not ${p.hospital}'s block ${p.height - 1}`);
      }
      // An unknown Prev is a missing parent, even when another block of that height is known:
      // then the hospital forked its chain, and the other version, fetched from whoever sent
      // this block, joins as an equivocation with both versions in hand. Rejecting this block
      // left the honest blocks that reference it waiting for good; recording the equivocation
      // before the other version is in hand would taint the hospital here alone if it were
      // withheld, and replicas would confirm differently.
      if (prev) {
        parents.push(prev);
      } else {
        missing.push(block.prev);
      }
    }
    for (const ref of block.refs) {
      const parent = this.byName.get(ref.valueHex);
      if (parent) {
        parents.push(parent);
      } else {
        missing.push(ref);
      }
    }
    if (missing.length > 0) {
      return { status: "pending", missing };
    }
    if (other) {
      // Equivocation: keep the second version too, so that blocks referencing either can join,
      // and never confirm this hospital's chain from here on.
      this.equivocations.push({ hospital: p.hospital, height: p.height, blocks: [showName(other.fullName), showName(full)] });
      this.taintedFrom.set(p.hospital, Math.min(this.taintedFrom.get(p.hospital) ?? Infinity, p.height));
    }
    const entry: DagBlock = {
      data, block, fullName: full, hospital: p.hospital, height: p.height,
      depth: 1 + Math.max(0, ...parents.map((x) => x.depth)),
      referencedBy: new Set(),
    };
    this.byName.set(full.valueHex, entry);
    if (block.recordWires.length > 0) {
      this.open.add(entry);
    }
    if (entry.height > (this.newestOf.get(p.hospital)?.height ?? -1)) {
      this.newestOf.set(p.hospital, entry);
    }
    this.reference(entry, p.hospital);
    if (other) {
      this.forkVersions.add(other).add(entry);
      return { status: "equivocation", reason: `equivocation: ${p.hospital} signed two blocks at height ${p.height}` };
    }
    this.byPosition.set(position, entry);
    return { status: "accepted" };
  }

  private broken(full: Name, reason: string): Outcome {
    this.brokenLinks.push({ block: showName(full), reason });
    return { status: "rejected", reason: `broken link: ${reason}` };
  }

  /** Mark `hospital` as referencing a block and, transitively, its ancestors. */
  private reference(start: DagBlock, hospital: string): void {
    const stack = [start];
    while (stack.length > 0) {
      const b = stack.pop()!;
      if (b.referencedBy.has(hospital)) {
        continue; // its ancestors have it already
      }
      b.referencedBy.add(hospital);
      if (b.referencedBy.size === this.members.length) {
        this.open.delete(b);
      }
      for (const parent of [b.block.prev, ...b.block.refs]) {
        const p = parent && this.byName.get(parent.valueHex);
        if (p) {
          stack.push(p);
        }
      }
    }
  }

  /**
   * Add the waiting blocks whose parents are all known now, and reject those one of whose parents
   * was rejected; returns those accepted.
   */
  private retryPending(): Data[] {
    const accepted: Data[] = [];
    for (let progress = true; progress;) {
      progress = false;
      for (const [key, waiting] of this.pending) {
        const r = this.settle(waiting.data, waiting.fullName);
        if (r.status === "pending") {
          this.pending.set(key, { ...waiting, missing: r.missing });
          continue;
        }
        this.pending.delete(key);
        progress = true;
        if (r.status === "accepted") {
          accepted.push(waiting.data);
        }
      }
    }
    return accepted;
  }

  /**
   * The versions of equivocated blocks that `hospital` has not referenced yet: its next block
   * references them, so that every replica fetching that block fetches them as its parents, meets
   * the equivocation too, and counts the same votes. A replica may be the only one to meet a
   * version (the forking hospital can answer each replica's fetch with its own version).
   */
  unreferencedForks(hospital: string): Name[] {
    return [...this.forkVersions].filter((b) => !b.referencedBy.has(hospital)).map((b) => b.fullName);
  }

  /**
   * Whether a block carrying records waits for `hospital`'s reference, or evidence of an
   * equivocation does: then its registrar commits a block, even with no records of its own, so
   * that confirmation goes on and the evidence spreads. Blocks of references only do not call for
   * references, so when no one writes, the ledger falls quiet.
   */
  awaitsReferenceFrom(hospital: string): boolean {
    if (this.unreferencedForks(hospital).length > 0) {
      return true;
    }
    for (const b of this.open) {
      const tainted = this.taintedFrom.get(b.hospital);
      if (tainted !== undefined && b.height >= tainted) {
        this.open.delete(b); // never to be confirmed: no reference helps it
      } else if (!b.referencedBy.has(hospital)) {
        return true;
      }
    }
    return false;
  }

  /** The blocks waiting for parents. */
  waiting(): WaitingBlock[] {
    return [...this.pending.values()];
  }

  /** Whether the block with this full name waits for parents. */
  isWaiting(full: Name): boolean {
    return this.pending.has(full.valueHex);
  }

  /** Blocks waiting for parents. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Blocks in the DAG (equivocating versions included). */
  get size(): number {
    return this.byName.size;
  }

  /** Every block known, in DAG order. */
  get blocks(): DagBlock[] {
    return [...this.byName.values()].sort(compareBlocks);
  }

  /** The newest block of a hospital, if any (what a new block of another hospital references). */
  newest(hospital: string): DagBlock | undefined {
    return this.newestOf.get(hospital);
  }

  /**
   * Confirmed: referenced by more than two thirds of the members, not counting any hospital caught
   * equivocating (replicas that met different versions of its chain would count its references
   * differently); never a block of an equivocating hospital from its first equivocated height on.
   */
  isConfirmed(b: DagBlock): boolean {
    const tainted = this.taintedFrom.get(b.hospital);
    if (tainted !== undefined && b.height >= tainted) {
      return false;
    }
    let votes = 0;
    for (const h of b.referencedBy) {
      votes += this.taintedFrom.has(h) ? 0 : 1;
    }
    return votes * 3 > this.members.length * 2;
  }

  /**
   * The confirmed blocks in the one order every hospital derives from the same DAG: by depth (a
   * topological rank), then hospital name, then height.
   */
  confirmed(): DagBlock[] {
    return [...this.byName.values()].filter((b) => this.isConfirmed(b)).sort(compareBlocks);
  }
}

function compareBlocks(a: DagBlock, b: DagBlock): number {
  return a.depth - b.depth || (a.hospital < b.hospital ? -1 : a.hospital > b.hospital ? 1 : 0) || a.height - b.height;
}
