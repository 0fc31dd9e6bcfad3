import { type Data, type Name } from "@ndn/packet";

import { fullName } from "../ledger/digest.js";
import { NameError, parseName, showName } from "../naming/mod.js";
import { ConsultationBlock } from "./block.js";
import { BoundedMap } from "./bounded-map.js";

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
  /** Everyone it came from, as given to {@link ConsultationDag.add}: whoever sent it holds its parents. */
  readonly senders: ReadonlySet<string>;
}

/** How much a DAG remembers of blocks that have not joined it: a faulty peer can send any number. */
export interface DagLimits {
  /** Rejected blocks remembered (and reported in `brokenLinks`); past it, the oldest are forgotten. @defaultValue 10000 */
  maxRejected?: number;
  /**
   * Blocks waiting for parents; past it, the oldest waiting is dropped (the blocks waiting on it
   * then wait for it as a missing parent, to be fetched again). @defaultValue 1000
   */
  maxWaiting?: number;
}

interface Waiter {
  readonly data: Data;
  readonly fullName: Name;
  missing: Name[];
  readonly senders: Set<string>;
}

/** Why a block was rejected; `brokenLink` when it was for its links. */
interface Rejection {
  reason: string;
  brokenLink?: { block: string; reason: string };
}

/**
 * What a block would become, worked out before anything changes: `joins` carries its entry, and
 * the version of its position it equivocates with, if any; `broken`, a broken link.
 */
type Verdict =
  | { status: "duplicate" }
  | { status: "pending"; missing: Name[] }
  | { status: "rejected"; reason: string }
  | { status: "broken"; link: string }
  | { status: "joins"; entry: DagBlock; other?: DagBlock };

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
  /** Waiting blocks by full name, oldest first. */
  private readonly pending: BoundedMap<string, Waiter>;
  /** The waiting blocks (full names) that wait for each missing parent: what a settled block releases. */
  private readonly waitersOf = new Map<string, { parent: Name; waiters: Set<string> }>();
  /**
   * Why each rejected block (by full name) was: a full name names one packet, so it is rejected for
   * good, and so is any block that links to it (while remembered).
   */
  private readonly rejected: BoundedMap<string, Rejection>;
  /** Blocks carrying records that some member has not referenced yet. */
  private readonly open = new Set<DagBlock>();
  /** Both versions of every equivocated block: the evidence, which this hospital's next block references. */
  private readonly forkVersions = new Set<DagBlock>();
  readonly equivocations: Equivocation[] = [];

  /**
   * @param members - every hospital of the consortium (confirmation needs more than two thirds of them).
   * @param limits - how many rejected and waiting blocks are remembered.
   */
  constructor(readonly consortium: string, readonly members: readonly string[], limits: DagLimits = {}) {
    this.rejected = new BoundedMap(limits.maxRejected ?? 10_000);
    this.pending = new BoundedMap(limits.maxWaiting ?? 1000, (key, dropped) => this.unindex(key, dropped));
  }

  /**
   * Add a verified block; blocks whose parents are not known yet wait, and are added when they are
   * (or rejected, when one of them is).
   * @param from - where the block came from, kept with it while it waits (see {@link waiting}).
   */
  add(data: Data, from?: string): AddResult {
    const full = fullName(data);
    const waiting = this.pending.get(full.valueHex);
    if (waiting) {
      // Sent again, perhaps by someone else, who holds its parents too.
      if (from !== undefined) {
        waiting.senders.add(from);
      }
      return { status: "pending", missing: [...waiting.missing], released: [] };
    }
    const outcome = this.settle(data, full);
    if (outcome.status === "pending") {
      this.wait({ data, fullName: full, missing: outcome.missing, senders: new Set(from === undefined ? [] : [from]) });
    }
    const settled = outcome.status !== "pending" && outcome.status !== "duplicate";
    return { ...outcome, released: settled ? this.releaseWaitersOf(full) : [] };
  }

  /**
   * What {@link add} would make of a block, changing nothing; `waitedOn`: whether waiting blocks
   * would be released by it. For a block of one's own, checked before anything is stored.
   */
  preview(data: Data): Outcome & { waitedOn: boolean } {
    const full = fullName(data);
    return { ...outcomeOf(this.judge(data, full)), waitedOn: this.waitersOf.has(full.valueHex) };
  }

  /** Add a block, or reject it, or say what it waits for; rejections are remembered, each recorded once. */
  private settle(data: Data, full: Name): Outcome {
    const verdict = this.judge(data, full);
    const outcome = outcomeOf(verdict);
    if (verdict.status === "joins") {
      this.join(verdict.entry, verdict.other);
    } else if (outcome.status === "rejected" && !this.rejected.has(full.valueHex)) {
      const brokenLink = verdict.status === "broken" ? { block: showName(full), reason: verdict.link } : undefined;
      this.rejected.set(full.valueHex, { reason: outcome.reason, brokenLink });
    }
    return outcome;
  }

  /** {@link assess}, or the remembered rejection: a rejected block added again is rejected at once. */
  private judge(data: Data, full: Name): Verdict {
    const known = this.rejected.get(full.valueHex);
    return known ? { status: "rejected", reason: known.reason } : this.assess(data, full);
  }

  /** Each remembered block rejected for its links, once, oldest first: a broken link, or a link to a rejected block. */
  get brokenLinks(): Array<{ block: string; reason: string }> {
    return [...this.rejected.values()].flatMap((r) => (r.brokenLink ? [r.brokenLink] : []));
  }

  /** The block with this full name (implicit digest included), if the DAG has it. */
  get(full: Name): Data | undefined {
    return this.byName.get(full.valueHex)?.data;
  }

  /** What a block would become (see {@link Verdict}), changing nothing. */
  private assess(data: Data, full: Name): Verdict {
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
    if (p.height === 0 && block.prev) {
      return { status: "broken", link: "a height-0 block links to a previous block" };
    }
    if (p.height > 0 && !block.prev) {
      return { status: "broken", link: `block ${p.height} has no link to block ${p.height - 1}` };
    }
    const rejectedParent = [block.prev, ...block.refs].find((n) => n && this.rejected.has(n.valueHex));
    if (rejectedParent) {
      return { status: "broken", link: `links to ${showName(rejectedParent)}, which was rejected` };
    }
    // Parents: the hospital's own previous block, and the blocks it references.
    const parents: DagBlock[] = [];
    const missing: Name[] = [];
    if (block.prev) {
      const prev = this.byName.get(block.prev.valueHex);
      if (prev && (prev.hospital !== p.hospital || prev.height !== p.height - 1)) {
        return { status: "broken", link: `links to ${showName(block.prev)}, which is not ${p.hospital}'s block ${p.height - 1}` };
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
    const entry: DagBlock = {
      data, block, fullName: full, hospital: p.hospital, height: p.height,
      depth: 1 + Math.max(0, ...parents.map((x) => x.depth)),
      referencedBy: new Set(),
    };
    return { status: "joins", entry, other: this.at(p.hospital, p.height) };
  }

  /** Put a block assessed to join in the DAG; `other`: the version of its position it equivocates with. */
  private join(entry: DagBlock, other: DagBlock | undefined): void {
    if (other) {
      // Equivocation: keep the second version too, so that blocks referencing either can join,
      // and never confirm this hospital's chain from here on.
      this.equivocations.push({ hospital: entry.hospital, height: entry.height, blocks: [showName(other.fullName), showName(entry.fullName)] });
      this.taintedFrom.set(entry.hospital, Math.min(this.taintedFrom.get(entry.hospital) ?? Infinity, entry.height));
    }
    this.byName.set(entry.fullName.valueHex, entry);
    if (entry.block.recordWires.length > 0) {
      this.open.add(entry);
    }
    if (entry.height > (this.newestOf.get(entry.hospital)?.height ?? -1)) {
      this.newestOf.set(entry.hospital, entry);
    }
    this.reference(entry, entry.hospital);
    if (other) {
      this.forkVersions.add(other).add(entry);
    } else {
      this.byPosition.set(`${entry.hospital}/${entry.height}`, entry);
    }
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

  /** Keep a block waiting, indexed by each parent it misses (the oldest waiting may be dropped for it). */
  private wait(w: Waiter): void {
    for (const parent of w.missing) {
      let entry = this.waitersOf.get(parent.valueHex);
      if (!entry) {
        this.waitersOf.set(parent.valueHex, entry = { parent, waiters: new Set() });
      }
      entry.waiters.add(w.fullName.valueHex);
    }
    this.pending.set(w.fullName.valueHex, w);
  }

  /** Take a block out of the index of the parents it misses (it joined, was rejected or was dropped). */
  private unindex(key: string, w: Waiter): void {
    for (const parent of w.missing) {
      const entry = this.waitersOf.get(parent.valueHex);
      if (entry?.waiters.delete(key) && entry.waiters.size === 0) {
        this.waitersOf.delete(parent.valueHex);
      }
    }
  }

  /**
   * Settle the blocks that waited for a block just settled (joined, or rejected), and theirs in
   * turn: only those, through the index. Returns those accepted, in the order they joined.
   */
  private releaseWaitersOf(settled: Name): Data[] {
    const accepted: Data[] = [];
    const done = [settled.valueHex];
    for (let i = 0; i < done.length; ++i) {
      const parent = done[i]!;
      const joined = this.byName.has(parent);
      const entry = this.waitersOf.get(parent);
      this.waitersOf.delete(parent);
      for (const key of entry?.waiters ?? []) {
        const w = this.pending.get(key);
        if (!w) {
          continue; // dropped past maxWaiting by a block that waited again below
        }
        if (joined) {
          w.missing = w.missing.filter((n) => n.valueHex !== parent);
          if (w.missing.length > 0) {
            continue; // still waits for others
          }
        }
        this.pending.delete(key);
        this.unindex(key, w);
        const r = this.settle(w.data, w.fullName);
        if (r.status === "pending") {
          // Only when the rejection it links to was forgotten meanwhile (past maxRejected): it waits again.
          this.wait({ ...w, missing: r.missing });
          continue;
        }
        done.push(key);
        if (r.status === "accepted") {
          accepted.push(w.data);
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

  /** The blocks waiting for parents, oldest first. */
  waiting(): WaitingBlock[] {
    return [...this.pending.values()];
  }

  /** Whether the block with this full name waits for parents. */
  isWaiting(full: Name): boolean {
    return this.pending.has(full.valueHex);
  }

  /** The parents waited for that are neither in the DAG nor waiting themselves: what is left to fetch. */
  missingRoots(): Name[] {
    return [...this.waitersOf].filter(([key]) => !this.pending.has(key)).map(([, { parent }]) => parent);
  }

  /** Whether a block is one of the {@link missingRoots}. */
  isMissingRoot(full: Name): boolean {
    return this.waitersOf.has(full.valueHex) && !this.pending.has(full.valueHex);
  }

  /**
   * The missing roots under some blocks (full names), each once: a block neither in the DAG nor
   * waiting is one; under a waiting block, the missing roots under the parents it waits for.
   */
  missingRootsOf(blocks: readonly Name[]): Name[] {
    const roots: Name[] = [];
    const seen = new Set<string>();
    for (const stack = [...blocks]; stack.length > 0;) {
      const name = stack.pop()!;
      if (seen.has(name.valueHex) || this.byName.has(name.valueHex)) {
        continue;
      }
      seen.add(name.valueHex);
      const w = this.pending.get(name.valueHex);
      if (w) {
        stack.push(...w.missing);
      } else {
        roots.push(name);
      }
    }
    return roots;
  }

  /** The waiting blocks that wait for a block, directly or through other waiting blocks, nearest first. */
  dependents(full: Name): WaitingBlock[] {
    const found = new Map<string, Waiter>();
    const queue = [full.valueHex];
    for (let i = 0; i < queue.length; ++i) {
      for (const key of this.waitersOf.get(queue[i]!)?.waiters ?? []) {
        if (!found.has(key)) {
          found.set(key, this.pending.get(key)!);
          queue.push(key);
        }
      }
    }
    return [...found.values()];
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

  /** The block of a hospital at a height, if in the DAG (the first version seen, if equivocated). */
  at(hospital: string, height: number): DagBlock | undefined {
    return this.byPosition.get(`${hospital}/${height}`);
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

/** The outcome a verdict makes, once acted on. */
function outcomeOf(v: Verdict): Outcome {
  switch (v.status) {
    case "broken":
      return { status: "rejected", reason: `broken link: ${v.link}` };
    case "joins":
      return v.other ? { status: "equivocation", reason: `equivocation: ${v.entry.hospital} signed two blocks at height ${v.entry.height}` } : { status: "accepted" };
    default:
      return v;
  }
}

function compareBlocks(a: DagBlock, b: DagBlock): number {
  return a.depth - b.depth || (a.hospital < b.hospital ? -1 : a.hospital > b.hospital ? 1 : 0) || a.height - b.height;
}
