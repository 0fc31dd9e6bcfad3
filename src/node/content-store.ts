import { Data, type Interest } from "@ndn/packet";
import { Decoder } from "@ndn/tlv";

import { wireOf } from "../util/encode.js";

/** Slots and octets a store starts with; both double as it fills. */
const FIRST_SLOTS = 1024;
const FIRST_OCTETS = 64 * 1024;

/**
 * A Content Store: Data packets kept by name, least recently used evicted first, capacity in
 * packets. It honours CanBePrefix (any Data under the Interest's name) and MustBeFresh (Data
 * within its FreshnessPeriod of arriving).
 *
 * It keeps each packet's wire, as NFD does, not its object: a decoded Data is a graph of some
 * twenty objects, and ten thousand of them kept alive per node were copied by every young-generation
 * garbage collection until promoted, which cost more than all of the store's own work (BENCHMARKS.md).
 * The wires go one after another into one buffer, a log: a packet used or stored again is appended
 * anew and its old place left dead, and the log is compacted, or grown, when it is full. Slots
 * (name, place in the log, freshness) are a ring in the same order, oldest first. A hit decodes a
 * new Data from a copy of its wire.
 */
export class ContentStore {
  /** The slot of each stored name (its TLV-VALUE in hex). */
  private readonly slotOf = new Map<string, number>();
  /** Each slot's name, or undefined once it was evicted, used or stored again (a dead slot). */
  private names: Array<string | undefined> = [];
  private offsets = new Int32Array(0);
  private lengths = new Int32Array(0);
  /** Until when each slot's Data is fresh (MustBeFresh), ms since the epoch. */
  private freshUntil = new Float64Array(0);
  /** The ring of slots: `used` of them from `oldest`, live and dead. */
  private oldest = 0;
  private used = 0;
  private log = new Uint8Array(0);
  /** Where the log's next wire goes. */
  private logEnd = 0;
  /** Octets of live slots' wires in the log. */
  private liveOctets = 0;
  public hits = 0;
  public misses = 0;

  constructor(public readonly capacity: number) {}

  get size(): number {
    return this.slotOf.size;
  }

  insert(data: Data, now = Date.now()): void {
    if (this.capacity <= 0) {
      return;
    }
    const name = data.name.valueHex;
    this.kill(name);
    this.append(name, wireOf(data), now + data.freshnessPeriod);
    while (this.slotOf.size > this.capacity) {
      this.dropOldest();
    }
  }

  /** The Data that satisfies `interest`, if stored; counts a hit or a miss. */
  lookup(interest: Interest, now = Date.now()): Data | undefined {
    const slot = interest.canBePrefix ? this.slotUnder(interest, now) : this.slotOf.get(interest.name.valueHex);
    if (slot === undefined || (interest.mustBeFresh && now >= this.freshUntil[slot]!)) {
      ++this.misses;
      return undefined;
    }
    ++this.hits;
    // A copy: the log's octets move when it is compacted.
    const wire = this.log.slice(this.offsets[slot]!, this.offsets[slot]! + this.lengths[slot]!);
    const name = this.names[slot]!;
    const freshUntil = this.freshUntil[slot]!;
    // The most recently used goes to the head.
    this.kill(name);
    this.append(name, wire, freshUntil);
    return new Decoder(wire).decode(Data);
  }

  /**
   * CanBePrefix Interests are rare (certificates, latest-reading discovery): a scan is enough. A
   * name's TLV-VALUE is its components' TLVs one after another, so one name is a prefix of another,
   * at component boundaries, exactly when its hex is a prefix of the other's.
   */
  private slotUnder(interest: Interest, now: number): number | undefined {
    const prefix = interest.name.valueHex;
    for (const [name, slot] of this.slotOf) {
      if (name.startsWith(prefix) && (!interest.mustBeFresh || now < this.freshUntil[slot]!)) {
        return slot;
      }
    }
    return undefined;
  }

  /** The stored packet of this name, if any, is forgotten; its slot and octets stay until the ring and the log pass them. */
  private kill(name: string): void {
    const slot = this.slotOf.get(name);
    if (slot !== undefined) {
      this.slotOf.delete(name);
      this.names[slot] = undefined;
      this.liveOctets -= this.lengths[slot]!;
    }
  }

  private append(name: string, wire: Uint8Array, freshUntil: number): void {
    if (this.used === this.names.length) {
      this.relayRing();
    }
    if (this.logEnd + wire.length > this.log.length) {
      this.compactLog(wire.length);
    }
    const slot = (this.oldest + this.used++) % this.names.length;
    this.names[slot] = name;
    this.offsets[slot] = this.logEnd;
    this.lengths[slot] = wire.length;
    this.freshUntil[slot] = freshUntil;
    this.log.set(wire, this.logEnd);
    this.logEnd += wire.length;
    this.liveOctets += wire.length;
    this.slotOf.set(name, slot);
  }

  private dropOldest(): void {
    const name = this.names[this.oldest];
    if (name !== undefined) {
      this.kill(name);
    }
    this.oldest = (this.oldest + 1) % this.names.length;
    --this.used;
  }

  /**
   * The ring is full: its live slots laid out again from its start, dead ones left out, in a ring
   * of twice as many as those, at most twice the capacity.
   */
  private relayRing(): void {
    const live = Array.from({ length: this.used }, (_, i) => (this.oldest + i) % this.names.length)
      .filter((slot) => this.names[slot] !== undefined);
    const length = Math.max(live.length + 1, Math.min(2 * this.capacity, Math.max(FIRST_SLOTS, 2 * (live.length + 1))));
    const names = new Array<string | undefined>(length);
    const offsets = new Int32Array(length);
    const lengths = new Int32Array(length);
    const freshUntil = new Float64Array(length);
    for (const [i, slot] of live.entries()) {
      const name = this.names[slot]!;
      names[i] = name;
      this.slotOf.set(name, i);
      offsets[i] = this.offsets[slot]!;
      lengths[i] = this.lengths[slot]!;
      freshUntil[i] = this.freshUntil[slot]!;
    }
    [this.names, this.offsets, this.lengths, this.freshUntil] = [names, offsets, lengths, freshUntil];
    [this.oldest, this.used] = [0, live.length];
  }

  /**
   * The log is full: its live wires moved to its start, in slot order, in a buffer twice as large
   * if they would fill more than half of this one.
   */
  private compactLog(incoming: number): void {
    const needed = this.liveOctets + incoming;
    const log = needed > this.log.length / 2 ? new Uint8Array(Math.max(2 * needed, FIRST_OCTETS)) : this.log;
    let end = 0;
    for (let i = 0; i < this.used; ++i) {
      const slot = (this.oldest + i) % this.names.length;
      if (this.names[slot] === undefined) {
        continue;
      }
      const start = this.offsets[slot]!;
      // In slot order the offsets only grow, so a wire moved within one buffer never overwrites one not yet moved.
      log.set(this.log.subarray(start, start + this.lengths[slot]!), end);
      this.offsets[slot] = end;
      end += this.lengths[slot]!;
    }
    this.log = log;
    this.logEnd = end;
  }
}
