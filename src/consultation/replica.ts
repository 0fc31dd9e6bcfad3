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
import { ConsultationDag } from "./dag.js";

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
  /** How soon an announced block, or a waiting block's parent, that could not be fetched is asked for again, ms. @defaultValue 2000 */
  refetchMs?: number;
  /** Most parents fetched for one announced block before it is left waiting (the rest is asked for on retries). @defaultValue 64 */
  maxParentFetches?: number;
  /**
   * How many times a missing parent is asked for again, every `refetchMs`, once its first fetch
   * failed. Then the blocks waiting for it are given up on ({@link ConsultationReplica.abandoned}):
   * a parent no one has, made up or withheld, is not asked for forever. @defaultValue 5
   */
  maxParentRetries?: number;
}

/**
 * One hospital's replica of the consultation ledger: its own chain, served by name; a State Vector
 * Sync group (SVS v2, signed and verified sync Interests) announcing every hospital's chain height;
 * and every other hospital's blocks fetched by name, verified and added to the DAG.
 *
 * A block whose parents this replica lacks has its parents fetched by full name from the hospital
 * that sent the block (forwarding hint `/<consortium>/consultation/<hospital>/dag`), first at once
 * and then on retries: that hospital added the block to its DAG, so it holds the block's ancestors.
 * That is how a replica meets the other version of an equivocating hospital's block, which its own
 * fetch by plain name never returns, nor a fetch from the block's own hospital (a forking hospital
 * shows each replica its own version).
 */
export class ConsultationReplica implements Disposable {
  readonly dag: ConsultationDag;
  private readonly chain: ConsultationChain;
  private readonly producer: StreamProducer;
  private readonly dagServer: Producer;
  private readonly face: ConsumerFace;
  private queue: Promise<void> = Promise.resolve();
  private stopping = false;
  /** Announced blocks not fetched yet (`<hospital>/<height>`), asked for again by a timer. */
  private readonly unfetched = new Set<string>();
  private retryTimer?: ReturnType<typeof setTimeout>;
  /** How many times each missing parent (by full name) has been asked for again. */
  private readonly parentRetries = new Map<string, number>();
  private readonly report: (err: unknown) => void;
  readonly counters = { fetched: 0, rejected: 0, syncRejected: 0 };

  private constructor(private readonly opts: ConsultationReplicaOptions, private readonly svs: SvSync, private readonly own: SyncNode,
      dag: ConsultationDag) {
    this.dag = dag;
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
  }

  static async create(opts: ConsultationReplicaOptions): Promise<ConsultationReplica> {
    const dag = new ConsultationDag(opts.consortium, opts.members);
    for await (const block of opts.store?.listData(consultationPrefix(opts.consortium)) ?? []) {
      dag.add(block); // stored after verification; a block whose parents come later waits for them
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
    for (const seq of update.seqNums()) {
      await this.fetchBlock(hospital, seq - 1);
    }
  }

  /**
   * Fetch one announced block. One that cannot be had now is asked for again later: sync announces
   * each height once, and a quiet ledger announces nothing new.
   */
  private async fetchBlock(hospital: string, height: number): Promise<void> {
    if (this.stopping) {
      return;
    }
    const key = `${hospital}/${height}`;
    const data = await this.face.fetch(new Interest(consultationBlockName(this.opts.consortium, hospital, height), Interest.Lifetime(2000)), 4);
    if (data) {
      this.unfetched.delete(key);
      await this.receive(data, hospital);
    } else {
      this.unfetched.add(key);
    }
    this.scheduleRetry();
  }

  /** Set the retry timer while anything is left to ask for again: with nothing left, it stops, and a simulation's event queue can drain. */
  private scheduleRetry(): void {
    if (!this.stopping && (this.unfetched.size > 0 || this.parentsToRetry().length > 0)) {
      this.retryTimer ??= setTimeout(() => this.retry(), this.opts.refetchMs ?? 2000);
    }
  }

  /** Ask again for announced blocks not fetched, and for the missing parents of blocks still waiting. */
  private retry(): void {
    this.retryTimer = undefined;
    const todo = [...this.unfetched];
    this.unfetched.clear();
    for (const key of todo) {
      const [hospital, height] = key.split("/");
      this.queue = this.queue.then(() => this.fetchBlock(hospital!, Number(height))).catch(this.report);
    }
    this.queue = this.queue.then(() => this.refetchParents()).catch(this.report);
  }

  /** Ask again for the missing parents of waiting blocks, by the path of the first fetch: from whoever sent the block. */
  private async refetchParents(): Promise<void> {
    for (const { parent, holder } of this.parentsToRetry()) {
      if (this.stopping) {
        return;
      }
      if (this.dag.get(parent) || this.dag.isWaiting(parent)) {
        continue; // came meanwhile, with a parent fetched before it
      }
      this.parentRetries.set(parent.valueHex, (this.parentRetries.get(parent.valueHex) ?? 0) + 1);
      const got = await this.fetchParent(parent, holder);
      if (got) {
        await this.receive(got, holder);
      }
    }
    this.forgetSettledParents();
    this.scheduleRetry();
  }

  /**
   * The missing parents to ask for again, each once, from the hospital that sent the first block
   * waiting for it; not those waiting here themselves (their own parents are asked for instead), nor
   * those out of retries.
   */
  private parentsToRetry(): Array<{ parent: Name; holder: string }> {
    const todo = new Map<string, { parent: Name; holder: string }>();
    for (const w of this.dag.waiting()) {
      // A block restored from the repo has no sender on record: its own hospital holds its parents, if honest.
      const holder = w.from ?? expectName(w.data.name, "consultation-block").hospital;
      for (const parent of w.missing) {
        if (!todo.has(parent.valueHex) && !this.dag.isWaiting(parent) && this.retriesLeft(parent)) {
          todo.set(parent.valueHex, { parent, holder });
        }
      }
    }
    return [...todo.values()];
  }

  private retriesLeft(parent: Name): boolean {
    return (this.parentRetries.get(parent.valueHex) ?? 0) < (this.opts.maxParentRetries ?? 5);
  }

  /** Forget the retries of parents no block waits for any more: they came, or what waited was rejected. */
  private forgetSettledParents(): void {
    const missing = new Set(this.dag.waiting().flatMap((w) => w.missing.map((n) => n.valueHex)));
    for (const key of this.parentRetries.keys()) {
      if (!missing.has(key)) {
        this.parentRetries.delete(key);
      }
    }
  }

  /**
   * The waiting blocks given up on: a parent of theirs was asked for `maxParentRetries` times again,
   * in vain. They are not retried (nor the blocks waiting for them); they still join if the parent
   * comes some other way.
   */
  abandoned(): Data[] {
    return this.dag.waiting().filter((w) => w.missing.some((p) => !this.dag.isWaiting(p) && !this.retriesLeft(p))).map((w) => w.data);
  }

  /**
   * Verify a block and add it. The parents it waits for are fetched from `holder`, the hospital
   * that sent it, and their own missing parents from that same hospital.
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
      for (const parent of r.missing) {
        if (this.stopping || fetches++ >= (this.opts.maxParentFetches ?? 64)) {
          return; // the rest is asked for on retries
        }
        const got = await this.fetchParent(parent, holder);
        if (got) {
          todo.push(got);
        }
      }
    }
  }

  private fetchParent(full: Name, holder: string): Promise<Data | undefined> {
    const interest = new Interest(full, Interest.Lifetime(2000), new FwHint(consultationDagPrefix(this.opts.consortium, holder)));
    return this.face.fetch(interest, 2);
  }

  /** Stop fetching: resolves once the block in hand is stored (what is left, a restart fetches). */
  stopFetching(): Promise<void> {
    this.stopping = true;
    return this.queue;
  }

  [Symbol.dispose](): void {
    clearTimeout(this.retryTimer);
    this.svs.close();
    this.producer[Symbol.dispose]();
    this.dagServer.close();
    this.face[Symbol.dispose]();
  }
}
