import { type Forwarder, FwPacket } from "@ndn/fw";
import { SequenceNum } from "@ndn/naming-convention2";
import { type Data, Interest, type Name } from "@ndn/packet";

import { showName } from "../naming/mod.js";
import { AppFace } from "./app-face.js";

export interface StreamProducerOptions {
  fw: Forwarder;
  /** The stream: its packets are named `<prefix>/seq=<n>`. */
  prefix: Name;
  /** Packets kept for retrieval; older ones are dropped. @defaultValue 600 */
  bufferSize?: number;
  /**
   * How far ahead of the newest packet an Interest may wait for its packet; an Interest further
   * ahead is not answered (its consumer asks again later). @defaultValue 64
   */
  maxAhead?: number;
  /** Longest time an Interest waits for its packet, whatever its lifetime, in ms. @defaultValue 60000 */
  maxWaitMs?: number;
  /** Where packets older than the buffer are looked up (a repo). */
  fallback?: (interest: Interest) => Promise<Data | undefined>;
}

/**
 * The producer side of a sequence-numbered stream (readings, alarms): keeps the newest packets and
 * answers Interests for them. An Interest for the next sequence number waits until that packet is
 * published or the Interest expires, so a follower's pipelined Interests are answered at once.
 * An Interest for the bare prefix with CanBePrefix gets the newest packet, for late joiners.
 */
export class StreamProducer implements Disposable {
  private readonly packets = new Map<number, Data>();
  private readonly waiting = new Map<number, Array<(data: Data | undefined) => void>>();
  private readonly face: AppFace;
  private readonly bufferSize: number;
  private readonly maxAhead: number;
  private readonly maxWaitMs: number;
  private newest = -1;
  /** Sequence numbers below this were published before a restart: the repo (fallback) has them. */
  private resumedAt = -1;
  /** Interests that reached this producer, and those it answered with a packet: the producer's load. */
  readonly counters = { interests: 0, answered: 0 };

  constructor(private readonly opts: StreamProducerOptions) {
    this.bufferSize = opts.bufferSize ?? 600;
    this.maxAhead = opts.maxAhead ?? 64;
    this.maxWaitMs = opts.maxWaitMs ?? 60_000;
    // Its own face rather than NDNts's produce(), whose pipeline of async iterators per Interest
    // cost more than the answer. Unlike produce(), it does not cap answers in progress: Interests
    // wait only for packets at most maxAhead ahead, and at most maxWaitMs.
    this.face = new AppFace(opts.fw, { describe: `stream ${showName(opts.prefix)}` }, (pkt) => {
      if (pkt.l3 instanceof Interest) {
        void this.serve(pkt.l3, pkt.token);
      }
    });
    this.face.face.addRoute(opts.prefix, false);
  }

  private async serve(interest: Interest, token: unknown): Promise<void> {
    ++this.counters.interests;
    try {
      const data = await this.answer(interest);
      if (data && await data.canSatisfy(interest)) {
        ++this.counters.answered;
        this.face.send(FwPacket.create(data, token));
      }
    } catch {
      // a repo that fails answers nothing, as produce() did
    }
  }

  /** Sequence number of the newest packet, -1 before the first. */
  get newestSeq(): number {
    return this.newest;
  }

  /** Publish a packet; sequence numbers may arrive out of order. */
  publish(seq: number, data: Data): void {
    this.packets.set(seq, data);
    if (seq > this.newest) {
      for (let old = this.newest - this.bufferSize + 1; old <= seq - this.bufferSize; ++old) {
        this.packets.delete(old);
      }
      this.newest = seq;
    }
    for (const settle of this.waiting.get(seq) ?? []) {
      settle(data);
    }
    this.waiting.delete(seq);
  }

  /** Go on with a stream after a restart, from its newest stored packet; older ones are the fallback's. */
  resume(seq: number, data: Data): void {
    this.resumedAt = seq;
    this.publish(seq, data);
  }

  /** Go on with a stream after a restart at sequence number `next`: lower ones are the fallback's. */
  resumeFrom(next: number): void {
    this.resumedAt = next;
    this.newest = Math.max(this.newest, next - 1);
  }

  private async answer(interest: Interest): Promise<Data | undefined> {
    const depth = this.opts.prefix.length;
    if (interest.name.length === depth) {
      return interest.canBePrefix ? this.packets.get(this.newest) : undefined;
    }
    const comp = interest.name.get(depth)!;
    if (interest.name.length !== depth + 1 || !SequenceNum.match(comp)) {
      return undefined;
    }
    const seq = SequenceNum.parse(comp);
    const have = this.packets.get(seq);
    if (have) {
      return have;
    }
    if (seq <= this.newest - this.bufferSize || seq < this.resumedAt) {
      return this.opts.fallback?.(interest); // older than the buffer, or than this run: the repo may have it
    }
    if (seq > this.newest + this.maxAhead) {
      return undefined; // too far ahead to hold
    }
    // Not made yet (or published out of order and still to come): wait for it.
    return new Promise((resolve) => {
      const list = this.waiting.get(seq) ?? [];
      this.waiting.set(seq, list);
      const settle = (data: Data | undefined) => {
        clearTimeout(timer);
        resolve(data);
      };
      const timer = setTimeout(() => {
        list.splice(list.indexOf(settle), 1);
        if (list.length === 0) {
          this.waiting.delete(seq);
        }
        resolve(undefined);
      }, Math.min(interest.lifetime, this.maxWaitMs));
      list.push(settle);
    });
  }

  [Symbol.dispose](): void {
    this.face[Symbol.dispose]();
    for (const list of this.waiting.values()) {
      for (const settle of list) {
        settle(undefined);
      }
    }
    this.waiting.clear();
  }
}

/** Interests that reached a set of producers, and those they answered. */
export function producerLoad(producers: Iterable<StreamProducer>): { interests: number; answered: number } {
  const load = { interests: 0, answered: 0 };
  for (const p of producers) {
    load.interests += p.counters.interests;
    load.answered += p.counters.answered;
  }
  return load;
}
