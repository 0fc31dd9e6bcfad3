import { produce, type Producer } from "@ndn/endpoint";
import type { Forwarder } from "@ndn/fw";
import { type Data, FwHint, Interest, type Name, type Verifier } from "@ndn/packet";
import { SvSync } from "@ndn/svs";
import type { SyncNode, SyncUpdate } from "@ndn/sync-api";

import { consultationBlockName, consultationDagPrefix, consultationPrefix, expectName, parseName } from "../naming/mod.js";
import type { LevelStore } from "../repo/mod.js";
import { ConsumerFace, StreamProducer } from "../streams/mod.js";
import { type Identity, isTrusted, type TrustVerifier } from "../trust/mod.js";
import { reportFailure } from "../util/report.js";
import { ConsultationChain } from "./chain.js";
import { ConsultationDag, type DagLimits } from "./dag.js";
import { RetrySchedule } from "./retry-schedule.js";

export interface ConsultationReplicaOptions {
  fw: Forwarder;
  consortium: string;
  hospital: string;
  /** Every hospital of the consortium. */
  members: readonly string[];
  /** The hospital's registrar: signs its blocks and its sync Interests. */
  registrar: Identity;
  /** Verifies blocks and sync Interests under the trust policy, with every member's anchor pinned. */
  verifier: TrustVerifier;
  /** SVS suppression period, ms (NDNts's default is 2200 ms, though its comment says 200). @defaultValue 200 */
  suppressionPeriod?: number;
  /** Called when a block joins this hospital's DAG (its own included; one that waited for parents, once they came). */
  onBlock?: (block: Data) => void;
  /** A repo: every block that joins is stored, and a restart resumes from what it holds. */
  store?: LevelStore;
  /**
   * How soon an announced block, or a waiting block's parent, that could not be fetched is asked
   * for again, ms; each further ask in vain doubles the wait, up to `maxRefetchMs`. @defaultValue 2000
   */
  refetchMs?: number;
  /** Longest wait between two asks for one thing not had, ms: a peer back from an outage is asked again within it. @defaultValue 60000 */
  maxRefetchMs?: number;
  /** Most parents fetched for one announced block before it is left waiting (the rest is asked for on retries). @defaultValue 64 */
  maxParentFetches?: number;
  /**
   * After this many asks in vain for a missing parent, the blocks waiting for it (directly or
   * through other waiting blocks) are reported as abandoned ({@link ConsultationReplica.abandoned});
   * the parent is still asked for, ever less often. @defaultValue 6 (the first ask and 5 retries)
   */
  abandonAfterAsks?: number;
  /**
   * Most asks in one retry round; what else is due waits for the next round, after the sync
   * updates that came meanwhile (an ask takes up to 8 s, and both share one queue). @defaultValue 8
   */
  asksPerRound?: number;
  /** How many rejected and waiting blocks the DAG remembers (see {@link DagLimits} for the defaults). */
  limits?: DagLimits;
}

/**
 * One hospital's replica of the consultation ledger: its own chain, served by name; a State Vector
 * Sync group (SVS v2, signed and verified sync Interests) announcing every hospital's chain height;
 * and every other hospital's blocks fetched by name, verified and added to the DAG.
 *
 * A block whose parents this replica lacks has its parents fetched by full name from the hospital
 * that sent the block (forwarding hint `/<consortium>/consultation/<hospital>/dag`), first at once
 * and then on retries, in turn from every hospital that sent a block waiting for them: each added
 * its block to its DAG, so it holds the block's ancestors. That is how a replica meets the other
 * version of an equivocating hospital's block, which its own fetch by plain name never returns,
 * nor a fetch from the block's own hospital (a forking hospital shows each replica its own version).
 */
export class ConsultationReplica implements Disposable {
  readonly dag: ConsultationDag;
  private readonly chain: ConsultationChain;
  private readonly producer: StreamProducer;
  private readonly dagServer: Producer;
  private readonly face: ConsumerFace;
  private queue: Promise<void> = Promise.resolve();
  private stopping = false;
  /**
   * Announced blocks not fetched yet, asked for again by a timer: the lowest height of a range
   * not had (by `<hospital>/<height>`), with the range's top.
   */
  private readonly unfetched: RetrySchedule<AnnouncedRange>;
  /** The missing roots of waiting blocks (by full name), asked for again by the same timer. */
  private readonly missingParents: RetrySchedule<Name>;
  private retryTimer?: ReturnType<typeof setTimeout>;
  /** When the retry timer fires. */
  private retryAt = Infinity;
  private readonly report: (err: unknown) => void;
  readonly counters = { fetched: 0, rejected: 0, syncRejected: 0 };

  private constructor(private readonly opts: ConsultationReplicaOptions, private readonly svs: SvSync, private readonly own: SyncNode,
      dag: ConsultationDag) {
    this.dag = dag;
    const [base, max] = [opts.refetchMs ?? 2000, opts.maxRefetchMs ?? 60_000];
    this.unfetched = new RetrySchedule(base, max);
    this.missingParents = new RetrySchedule(base, max);
    this.chain = new ConsultationChain(opts.hospital, this.dag, opts.registrar);
    this.producer = new StreamProducer({
      fw: opts.fw, prefix: consultationPrefix(opts.consortium, opts.hospital), fallback: opts.store && ((i) => opts.store!.find(i)),
    });
    const newest = dag.newest(opts.hospital);
    if (newest) {
      this.producer.resume(newest.height, newest.data);
      own.seqNum = newest.height + 1;
    }
    this.dagServer = produce(consultationDagPrefix(opts.consortium, opts.hospital), async (interest) => this.dag.get(interest.name), {
      fw: opts.fw, describe: `consultation dag ${opts.hospital}`, announcement: false,
    });
    this.face = new ConsumerFace(opts.fw, `consultation ${opts.hospital}`);
    const report = this.report = reportFailure(`consultation ${opts.hospital}`);
    svs.addEventListener("update", (update) => {
      this.queue = this.queue.then(() => this.fetch(update)).catch(report);
    });
    svs.addEventListener("rxerror", () => void ++this.counters.syncRejected);
    this.scheduleRetry(); // for the parents of blocks restored waiting
  }

  static async create(opts: ConsultationReplicaOptions): Promise<ConsultationReplica> {
    const dag = new ConsultationDag(opts.consortium, opts.members, opts.limits);
    for await (const block of opts.store?.listData(consultationPrefix(opts.consortium)) ?? []) {
      // Stored after verification; a block whose parents come later waits for them. Its sender is
      // not on record: its own hospital holds its parents, if honest. So every waiting block has a sender.
      const p = parseName(block.name);
      dag.add(block, p.kind === "consultation-block" ? p.hospital : undefined);
    }
    const members = new Set(opts.members);
    const syncVerifier: Verifier = {
      async verify(interest) {
        const signer = interest.sigInfo?.keyLocator?.name;
        const p = signer && parseName(signer);
        if (!p || p.kind !== "key" || p.subject.kind !== "staff" || !members.has(p.subject.hospital)) {
          throw new Error("sync Interest not signed by a member hospital");
        }
        await opts.verifier.verify(interest as Parameters<TrustVerifier["verify"]>[0]);
      },
    };
    const svs = await SvSync.create({
      syncPrefix: consultationPrefix(opts.consortium),
      fw: opts.fw,
      describe: `svs ${opts.hospital}`,
      signer: opts.registrar.signer,
      verifier: syncVerifier,
      suppressionPeriod: opts.suppressionPeriod ?? 200,
    });
    const own = svs.add(consultationPrefix(opts.consortium, opts.hospital));
    return new ConsultationReplica(opts, svs, own, dag);
  }

  /** Commit records in new blocks, serve them, and tell the group. */
  async commit(records: readonly Data[]): Promise<Data[]> {
    const blocks = await this.chain.commit(records);
    await this.opts.store?.insert(blocks);
    for (const b of blocks) {
      this.producer.publish(expectName(b.name, "consultation-block").height, b);
      this.opts.onBlock?.(b);
    }
    this.own.seqNum = this.dag.newest(this.opts.hospital)!.height + 1;
    return blocks;
  }

  /** Blocks of other hospitals the group announced: fetch, verify, add. */
  private async fetch(update: SyncUpdate<SvSync.ID>): Promise<void> {
    const hospital = update.id.get(-1)!.text;
    if (hospital === this.opts.hospital || !this.opts.members.includes(hospital)) {
      return;
    }
    try {
      // Sequence number = height + 1.
      await this.fetchRange({ hospital, height: update.loSeqNum - 1, top: update.hiSeqNum - 1 }, MISSES_PER_RANGE);
    } finally {
      // Even after a failure (a store error, a block that would not verify): what waits is asked for again.
      this.scheduleRetry();
    }
  }

  /**
   * Fetch announced blocks, lowest first. One that cannot be had now is asked for again later,
   * ever less often (sync announces each height once, and a quiet ledger announces nothing new);
   * after `maxMisses` of them, the rest of the range waits with the last. That bounds what a member
   * announcing a height it never made costs: a few asks per announcement ({@link MISSES_PER_RANGE}),
   * one per retry of the range (`maxMisses` 1), not one per height.
   */
  private async fetchRange(range: AnnouncedRange, maxMisses: number): Promise<void> {
    const { hospital, top } = range;
    let misses = 0;
    for (let height = range.height; height <= top; ++height) {
      if (this.stopping) {
        return;
      }
      const key = positionKey(hospital, height);
      if (this.dag.at(hospital, height)) {
        this.unfetched.forget(key); // it came as another block's parent
        continue;
      }
      const data = await this.face.fetch(new Interest(consultationBlockName(this.opts.consortium, hospital, height), Interest.Lifetime(2000)), 4);
      if (!data) {
        const last = ++misses >= maxMisses;
        this.unfetched.asked(key, { hospital, height, top: last ? top : height }, Date.now());
        if (last) {
          return;
        }
        continue;
      }
      this.unfetched.forget(key);
      await this.receive(data, hospital);
    }
  }

  /**
   * Set the retry timer for the next thing due, while anything is left to ask for again: with
   * nothing left, it stops, and a simulation's event queue can drain.
   */
  private scheduleRetry(): void {
    if (this.stopping) {
      return;
    }
    this.trackMissingParents();
    const at = Math.min(this.unfetched.nextDue(), this.missingParents.nextDue());
    if (at === this.retryAt) {
      return;
    }
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.retryAt = at;
    if (at < Infinity) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.retryAt = Infinity;
        this.queue = this.queue.then(() => this.retryDue()).catch(this.report);
      }, Math.max(0, at - Date.now()));
    }
  }

  /**
   * Schedule every parent still missing under the waiting blocks, however it came to be missing
   * (its fetch failed, too many were needed at once, a block restored waiting, a waiting block
   * dropped), and forget those no block waits for any more: they came, or what waited was let go.
   */
  private trackMissingParents(): void {
    const roots = this.dag.missingRoots();
    this.missingParents.retain(new Set(roots.map((r) => r.valueHex)));
    for (const root of roots) {
      this.missingParents.track(root.valueHex, root, Date.now());
    }
  }

  /**
   * Ask again for what is due, at most `asksPerRound` things: announced blocks not fetched, and the
   * missing parents of waiting blocks.
   */
  private async retryDue(): Promise<void> {
    const now = Date.now();
    let budget = this.opts.asksPerRound ?? 8;
    try {
      for (const range of this.unfetched.due(now)) {
        if (this.stopping || budget <= 0) {
          return;
        }
        --budget;
        await this.fetchRange(range, 1);
      }
      for (const parent of this.missingParents.due(now)) {
        if (this.stopping || budget <= 0) {
          return;
        }
        if (this.dag.isMissingRoot(parent)) { // else it came meanwhile, or nothing waits for it now
          --budget;
          await this.refetchParent(parent);
        }
      }
    } finally {
      // Even after a failure: the timer was spent, and nothing else would set it again.
      this.scheduleRetry();
    }
  }

  /**
   * Ask again for a missing parent, from each hospital that sent a block waiting for it in turn: a
   * faulty one that withholds it gets only its turn.
   */
  private async refetchParent(parent: Name): Promise<void> {
    const holders = [...new Set(this.dag.dependents(parent).flatMap((w) => [...w.senders]))];
    if (holders.length === 0) {
      return; // no one to ask: a block added without a sender
    }
    const holder = holders[this.missingParents.asks(parent.valueHex) % holders.length]!;
    const got = await this.askForParent(parent, holder);
    if (got) {
      await this.receive(got, holder);
    }
  }

  /**
   * The waiting blocks not had after `abandonAfterAsks` asks for a parent they wait for, directly
   * or through other waiting blocks. The parent is still asked for, ever less often, and they join
   * should it come.
   */
  abandoned(): Data[] {
    const limit = this.opts.abandonAfterAsks ?? 6;
    const overdue = this.dag.missingRoots().filter((p) => this.missingParents.asks(p.valueHex) >= limit);
    return [...new Set(overdue.flatMap((p) => this.dag.dependents(p).map((w) => w.data)))];
  }

  /**
   * Verify a block and add it. The parents it waits for are fetched from `holder`, the hospital
   * that sent it, and their own missing parents from that same hospital; for a parent already
   * waiting here, the parents it waits for.
   */
  private async receive(first: Data, holder: string): Promise<void> {
    const todo = [first];
    for (let fetches = 0; todo.length > 0;) {
      const data = todo.pop()!;
      if (expectName(data.name, "consultation-block").hospital === this.opts.hospital) {
        // A block of ours we do not hold can only be another fork run with our keys (fault
        // injection): taking it would break our own chain.
        continue;
      }
      ++this.counters.fetched;
      if (!await isTrusted(this.opts.verifier, data)) {
        ++this.counters.rejected;
        continue;
      }
      const r = this.dag.add(data, holder);
      if (r.status === "accepted" || r.status === "equivocation" || r.status === "pending") {
        // Evidence and waiting blocks too, so a restart rebuilds the same DAG; by full name, so
        // that two versions of an equivocated block are both kept.
        await this.opts.store?.insertVersions(data);
      }
      for (const joined of r.status === "accepted" ? [data, ...r.released] : r.released) {
        this.opts.onBlock?.(joined);
      }
      if (r.status !== "pending") {
        continue;
      }
      for (const parent of this.dag.missingRootsOf(r.missing)) {
        if (this.stopping || fetches >= (this.opts.maxParentFetches ?? 64)) {
          break; // the rest is asked for on retries; what was fetched is still added
        }
        ++fetches;
        const got = await this.askForParent(parent, holder);
        if (got) {
          todo.push(got);
        }
      }
    }
  }

  /** Fetch a missing parent from the DAG of `holder`, counting the ask for its backoff. */
  private async askForParent(full: Name, holder: string): Promise<Data | undefined> {
    const interest = new Interest(full, Interest.Lifetime(2000), new FwHint(consultationDagPrefix(this.opts.consortium, holder)));
    const got = await this.face.fetch(interest, 2);
    this.missingParents.asked(full.valueHex, full, Date.now());
    return got;
  }

  /** Stop fetching: resolves once the block in hand is stored (what is left, a restart fetches). */
  stopFetching(): Promise<void> {
    this.stopping = true;
    return this.queue;
  }

  [Symbol.dispose](): void {
    this.stopping = true; // a retry round under way must not set the timer again
    clearTimeout(this.retryTimer);
    this.svs.close();
    this.producer[Symbol.dispose]();
    this.dagServer.close();
    this.face[Symbol.dispose]();
  }
}

/** Heights of one announced range asked for in vain before the rest of it waits for a retry. */
const MISSES_PER_RANGE = 3;

/** Announced heights of a hospital's chain, from `height` up to `top`. */
interface AnnouncedRange {
  hospital: string;
  height: number;
  top: number;
}

/** The key of an announced block in the retry schedule. */
function positionKey(hospital: string, height: number): string {
  return `${hospital}/${height}`;
}
