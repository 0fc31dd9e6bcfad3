import { Data, type Interest, type Name } from "@ndn/packet";
import { Decoder } from "@ndn/tlv";

import { encodeCompact, wireOf } from "../util/encode.js";
import { IntTable } from "./int-table.js";
import { equalOctets, nameHash } from "./name-hash.js";

/** A slot's hash once it is dead (hashes are 31-bit, never negative). */
const DEAD = -1;

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
 * (name hash, place in the log, freshness) are a ring in the same order, oldest first. A hit
 * decodes a new Data from a copy of its wire. Names are found by {@link nameHash} and checked
 * against the wire's own name octets: of two names of one hash, storing one drops the other.
 */
export class ContentStore {
  /** The slot of each stored name, by its hash. */
  private readonly slotOf = new IntTable();
  /** Each slot's name hash, or DEAD once it was evicted, used or stored again. */
  private hashes: Int32Array = new Int32Array(0);
  /** Where each slot's wire is in the log, and where in the wire its name's TLV-VALUE is. */
  private offsets: Int32Array = new Int32Array(0);
  private lengths: Int32Array = new Int32Array(0);
  private nameOffsets: Int32Array = new Int32Array(0);
  private nameLengths: Int32Array = new Int32Array(0);
  /** Until when each slot's Data is fresh (MustBeFresh), ms since the epoch. */
  private freshUntil: Float64Array = new Float64Array(0);
  /** The ring of slots: `used` of them from `oldest`, live and dead. */
  private oldest = 0;
  private used = 0;
  private log = new Uint8Array(0);
  /** Where the log's next wire goes. */
  private logEnd = 0;
  /** Octets of live slots' wires in the log. */
  private liveOctets = 0;
  /**
   * The last Data inserted, if it had no wire yet (made by an application on this node): it goes
   * in at the next use of the store, by when the face it was sent on has usually encoded it, and
   * its wire is then taken as it is instead of encoded a second time.
   */
  private deferred?: { data: Data; now: number; hash: number };
  public hits = 0;
  public misses = 0;

  constructor(public readonly capacity: number) {}

  get size(): number {
    this.takeDeferred();
    return this.slotOf.size;
  }

  /** @param hash - the name's {@link nameHash}, when the caller has it already. */
  insert(data: Data, now = Date.now(), hash = nameHash(data.name)): void {
    if (this.capacity <= 0) {
      return;
    }
    this.takeDeferred();
    const wire = wireOf(data);
    if (wire) {
      this.store(data, wire, now, hash);
    } else {
      this.deferred = { data, now, hash };
    }
  }

  /** Store the deferred Data, encoding it if no face did meanwhile. */
  private takeDeferred(): void {
    if (this.deferred) {
      const { data, now, hash } = this.deferred;
      this.deferred = undefined;
      this.store(data, wireOf(data) ?? encodeCompact(data), now, hash);
    }
  }

  private store(data: Data, wire: Uint8Array, now: number, hash: number): void {
    this.kill(hash);
    this.append(hash, wire, nameValueOffset(wire), data.name.value.length, now + data.freshnessPeriod);
    while (this.slotOf.size > this.capacity) {
      this.dropOldest();
    }
  }

  /**
   * The Data that satisfies `interest`, if stored; counts a hit or a miss.
   * @param hash - the name's {@link nameHash}, when the caller has it already.
   */
  lookup(interest: Interest, now = Date.now(), hash?: number): Data | undefined {
    this.takeDeferred();
    const slot = interest.canBePrefix ? this.slotUnder(interest, now) : this.slotNamed(interest.name, hash ?? nameHash(interest.name));
    if (slot === undefined || (interest.mustBeFresh && now >= this.freshUntil[slot]!)) {
      ++this.misses;
      return undefined;
    }
    ++this.hits;
    // A copy: the log's octets move when it is compacted.
    const wire = this.log.slice(this.offsets[slot]!, this.offsets[slot]! + this.lengths[slot]!);
    const [slotHash, nameOffset, nameLength, freshUntil] = [this.hashes[slot]!, this.nameOffsets[slot]!, this.nameLengths[slot]!, this.freshUntil[slot]!];
    // The most recently used goes to the head.
    this.kill(slotHash);
    this.append(slotHash, wire, nameOffset, nameLength, freshUntil);
    return new Decoder(wire).decode(Data);
  }

  private slotNamed(name: Name, hash: number): number | undefined {
    const slot = this.slotOf.get(hash);
    return slot !== undefined && this.nameLengths[slot] === name.value.length &&
      equalOctets(this.nameOctetsOf(slot, name.value.length), name.value) ? slot : undefined;
  }

  /** The first `length` octets of a slot's name TLV-VALUE (all of them, if it is that long). */
  private nameOctetsOf(slot: number, length: number): Uint8Array {
    const start = this.offsets[slot]! + this.nameOffsets[slot]!;
    return this.log.subarray(start, start + Math.min(length, this.nameLengths[slot]!));
  }

  /**
   * CanBePrefix Interests are rare (certificates, latest-reading discovery): a scan is enough. A
   * name's TLV-VALUE is its components' TLVs one after another, so one name is a prefix of another,
   * at component boundaries, exactly when its TLV-VALUE is a prefix of the other's.
   */
  private slotUnder(interest: Interest, now: number): number | undefined {
    const prefix = interest.name.value;
    for (const slot of this.slotOf.entryValues()) {
      const octets = this.nameOctetsOf(slot, prefix.length);
      if (equalOctets(octets, prefix) &&
        (!interest.mustBeFresh || now < this.freshUntil[slot]!)) {
        return slot;
      }
    }
    return undefined;
  }

  /** The stored packet of this name, if any, is forgotten; its slot and octets stay until the ring and the log pass them. */
  private kill(hash: number): void {
    const slot = this.slotOf.get(hash);
    if (slot !== undefined) {
      this.slotOf.delete(hash);
      this.hashes[slot] = DEAD;
      this.liveOctets -= this.lengths[slot]!;
    }
  }

  private append(hash: number, wire: Uint8Array, nameOffset: number, nameLength: number, freshUntil: number): void {
    if (this.used === this.hashes.length) {
      this.relayRing();
    }
    if (this.logEnd + wire.length > this.log.length) {
      this.compactLog(wire.length);
    }
    const slot = (this.oldest + this.used++) % this.hashes.length;
    this.hashes[slot] = hash;
    this.offsets[slot] = this.logEnd;
    this.lengths[slot] = wire.length;
    this.nameOffsets[slot] = nameOffset;
    this.nameLengths[slot] = nameLength;
    this.freshUntil[slot] = freshUntil;
    this.log.set(wire, this.logEnd);
    this.logEnd += wire.length;
    this.liveOctets += wire.length;
    this.slotOf.set(hash, slot);
  }

  private dropOldest(): void {
    const hash = this.hashes[this.oldest]!;
    if (hash !== DEAD) {
      this.kill(hash);
    }
    this.oldest = (this.oldest + 1) % this.hashes.length;
    --this.used;
  }

  /**
   * The ring is full: its live slots laid out again from its start, dead ones left out, in a ring
   * of twice as many as those, at most twice the capacity.
   */
  private relayRing(): void {
    const ring = this.hashes.length;
    const live = Array.from({ length: this.used }, (_, i) => (this.oldest + i) % ring)
      .filter((slot) => this.hashes[slot] !== DEAD);
    const size = Math.max(live.length + 1, Math.min(2 * this.capacity, Math.max(FIRST_SLOTS, 2 * (live.length + 1))));
    this.hashes = relaid(this.hashes, live, size);
    this.offsets = relaid(this.offsets, live, size);
    this.lengths = relaid(this.lengths, live, size);
    this.nameOffsets = relaid(this.nameOffsets, live, size);
    this.nameLengths = relaid(this.nameLengths, live, size);
    this.freshUntil = relaid(this.freshUntil, live, size);
    for (let slot = 0; slot < live.length; ++slot) {
      this.slotOf.set(this.hashes[slot]!, slot);
    }
    [this.oldest, this.used] = [0, live.length];
  }

  /**
   * The log is full: its live wires moved to its start, in slot order, in a buffer twice as large
   * if they would fill more than three quarters of this one. A full store's wires fill about half
   * of its log, which is then compacted in place: a new buffer at every compaction cost page
   * faults and zeroing of a megabyte or two, every ten thousand packets.
   */
  private compactLog(incoming: number): void {
    const needed = this.liveOctets + incoming;
    const log = needed > (3 * this.log.length) / 4 ? new Uint8Array(Math.max(2 * needed, FIRST_OCTETS)) : this.log;
    let end = 0;
    for (let i = 0; i < this.used; ++i) {
      const slot = (this.oldest + i) % this.hashes.length;
      if (this.hashes[slot] === DEAD) {
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

/** A column of the ring with the given slots, in order from slot 0, in a ring of `size`. */
function relaid<T extends Int32Array | Float64Array>(column: T, slots: readonly number[], size: number): T {
  const out = new (column.constructor as new (length: number) => T)(size);
  for (const [i, slot] of slots.entries()) {
    out[i] = column[slot]!;
  }
  return out;
}

/** Where a Data's name TLV-VALUE starts in its wire: past the Data's TLV-TYPE and TLV-LENGTH, and the Name's. */
function nameValueOffset(wire: Uint8Array): number {
  const name = 1 + varNumSize(wire[1]!);
  return name + 1 + varNumSize(wire[name + 1]!);
}

/** Octets of a TLV-LENGTH (NDN's VAR-NUMBER) by its first octet. */
function varNumSize(first: number): number {
  return first < 253 ? 1 : first === 253 ? 3 : first === 254 ? 5 : 9;
}

