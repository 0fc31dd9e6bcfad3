import type { FwFace } from "@ndn/fw";
import { FwPacket } from "@ndn/fw";
import { Data, Interest } from "@ndn/packet";

import type { DirectLower } from "../node/mod.js";
import { AsyncQueue } from "../util/async-queue.js";
import { encodeCompact } from "../util/encode.js";
import { Random } from "../util/random.js";

/** What a link is made of, per direction (both directions alike). */
export interface LinkParams {
  /** Propagation delay, ms. */
  delayMs: number;
  /** Delay variation (normal, sd = jitter), ms; never reorders packets. @defaultValue 0 */
  jitterMs?: number;
  /** Loss rate on the wire, 0..1, per frame. @defaultValue 0 */
  loss?: number;
  /** Bandwidth, Mbit/s; undefined: frames serialize instantly. */
  bandwidthMbps?: number;
  /**
   * Drop-tail queue capacity, packets waiting behind the one on the wire.
   * @defaultValue 100 (ns-3's DropTail default) when there is a bandwidth, else unbounded
   */
  maxQueueSize?: number;
  /** MTU in octets; a larger packet crosses as NDNLPv2 fragments. @defaultValue 8800 (NFD's limit) */
  mtu?: number;
  /**
   * Mark packets with an NDNLPv2 CongestionMark when they join a queue longer than this many
   * packets (as NFD's active queue management does); undefined: no marks.
   */
  markThreshold?: number;
}

/** Counters of one direction of a link. */
export interface DirectionCounters {
  /** Frames put on the wire and their octets; Interests and Data among them (packets, not fragments). */
  packets: number;
  bytes: number;
  interests: number;
  interestBytes: number;
  data: number;
  dataBytes: number;
  /** Packets dropped at the tail of a full queue. */
  drops: number;
  /** Packets lost on the wire (a fragment lost loses its packet), or sent while the link was down. */
  lost: number;
  /** Total and largest time packets waited in the queue, ms. */
  queueDelayMs: number;
  maxQueueDelayMs: number;
  /** Packets given a congestion mark. */
  marks: number;
}

export function newCounters(): DirectionCounters {
  return { packets: 0, bytes: 0, interests: 0, interestBytes: 0, data: 0, dataBytes: 0, drops: 0, lost: 0, queueDelayMs: 0, maxQueueDelayMs: 0, marks: 0 };
}

/** NDNLPv2 header of one fragment: LpPacket, Sequence, FragIndex, FragCount and Fragment TLV headers. */
const LP_FRAGMENT_OVERHEAD = 24;

/** Wire sizes of packets, computed once per packet object (a Data crosses many links unchanged). */
const wireSizes = new WeakMap<object, number>();

/** The size of a packet on the wire, octets. */
export function wireSize(l3: object): number {
  let size = wireSizes.get(l3);
  if (size === undefined) {
    size = l3 instanceof Interest || l3 instanceof Data ? encodeCompact(l3).length : 0;
    wireSizes.set(l3, size);
  }
  return size;
}

/**
 * One direction of an emulated link: a drop-tail queue in front of a wire with a bandwidth
 * (serialization delay), then propagation delay with jitter and random loss. Uses the global
 * timers, so it runs in real time or, under a virtual clock, in simulated time.
 *
 * It carries the forwarders' packet objects and accounts each at its wire size: encoding and
 * decoding at every hop was most of a simulation's cost, and changes nothing it measures. A packet
 * above the MTU is accounted as the NDNLPv2 fragments it would be: each serialized, and each
 * subject to loss.
 */
export class LinkDirection {
  readonly counters = newCounters();
  private readonly observers = new Set<(l3: Interest | Data) => void>();
  private readonly queue: Array<{ pkt: FwPacket; since: number }> = [];
  private busy = false;
  private lastArrival = 0;
  private readonly maxQueue: number;
  private readonly mtu: number;
  private up = true;

  constructor(
    private readonly params: LinkParams,
    private readonly random: Random,
    /** Delivers a packet at the far end. */
    private readonly deliver: (pkt: FwPacket) => void,
  ) {
    this.maxQueue = params.maxQueueSize ?? (params.bandwidthMbps === undefined ? Infinity : 100);
    this.mtu = params.mtu ?? 8800;
  }

  send(pkt: FwPacket): void {
    if (!this.up) {
      ++this.counters.lost;
      return;
    }
    if (this.busy && this.queue.length >= this.maxQueue) {
      ++this.counters.drops;
      return;
    }
    const threshold = this.params.markThreshold;
    if (threshold !== undefined && this.queue.length >= threshold) {
      ++this.counters.marks;
      pkt = FwPacket.create(pkt.l3, pkt.token, 1);
    }
    this.queue.push({ pkt, since: Date.now() });
    if (!this.busy) {
      this.transmitNext();
    }
  }

  /**
   * Watch every Interest and Data as it goes on the wire (after the queue, so not those dropped):
   * for a measurement the counters do not make, such as copies of a reading on a bottleneck.
   */
  observe(onPacket: (l3: Interest | Data) => void): Disposable {
    this.observers.add(onPacket);
    return { [Symbol.dispose]: () => void this.observers.delete(onPacket) };
  }

  /** Take the link down (everything queued is lost) or up again. */
  setUp(up: boolean): void {
    this.up = up;
    if (!up) {
      this.counters.lost += this.queue.length;
      this.queue.length = 0;
    }
  }

  private transmitNext(): void {
    const next = this.queue.shift();
    if (!next) {
      this.busy = false;
      return;
    }
    this.busy = true;
    const { pkt, since } = next;
    const waited = Date.now() - since;
    this.counters.queueDelayMs += waited;
    this.counters.maxQueueDelayMs = Math.max(this.counters.maxQueueDelayMs, waited);
    const size = wireSize(pkt.l3);
    const frames = size <= this.mtu ? 1 : Math.ceil(size / (this.mtu - LP_FRAGMENT_OVERHEAD));
    const octets = frames === 1 ? size : size + frames * LP_FRAGMENT_OVERHEAD;
    this.count(pkt.l3, frames, octets);
    const { bandwidthMbps } = this.params;
    const serializationMs = bandwidthMbps === undefined ? 0 : (octets * 8) / (bandwidthMbps * 1000);
    if (serializationMs > 0) {
      setTimeout(() => this.onWire(pkt, frames), serializationMs);
    } else {
      this.onWire(pkt, frames);
    }
  }

  /** The last bit is on the wire: propagate it, and start the next packet. */
  private onWire(pkt: FwPacket, frames: number): void {
    let lost = !this.up;
    for (let i = 0; i < frames && !lost; ++i) {
      lost = this.random.next() < (this.params.loss ?? 0);
    }
    if (lost) {
      ++this.counters.lost;
    } else {
      const jitter = this.params.jitterMs ? Math.max(0, this.random.normal(0, this.params.jitterMs)) : 0;
      // FIFO: a packet never overtakes the one before it.
      const arrival = Math.max(Date.now() + this.params.delayMs + jitter, this.lastArrival);
      this.lastArrival = arrival;
      const delay = arrival - Date.now();
      if (delay > 0) {
        setTimeout(() => this.deliver(pkt), delay);
      } else {
        queueMicrotask(() => this.deliver(pkt)); // never into the receiver within its sender's call
      }
    }
    this.transmitNext();
  }

  private count(l3: unknown, frames: number, octets: number): void {
    const c = this.counters;
    c.packets += frames;
    c.bytes += octets;
    if (l3 instanceof Interest) {
      ++c.interests;
      c.interestBytes += octets;
    } else if (l3 instanceof Data) {
      ++c.data;
      c.dataBytes += octets;
    } else {
      return;
    }
    for (const observe of this.observers) {
      observe(l3);
    }
  }
}

/**
 * The end of a link a forwarder sees: a face whose packets cross a LinkDirection. Inside a node
 * layer it is a {@link DirectLower}: packets go in and out by direct calls. Added to a plain
 * @ndn/fw forwarder (a baseline), they go through its face pipeline as any face's do.
 */
class LinkEnd implements DirectLower {
  readonly rx = new AsyncQueue<FwPacket>();
  sendTo?: LinkDirection;
  private receive?: (pkt: FwPacket) => void;

  constructor(readonly attributes: FwFace.Attributes) {}

  connect(receive: (pkt: FwPacket) => void): (pkt: FwPacket) => void {
    this.receive = receive;
    return (pkt) => this.transmit(pkt);
  }

  /** A packet arriving from the far end. */
  deliver(pkt: FwPacket): void {
    // The receiving forwarder gets its own FwPacket: PIT tokens are per hop, as NDNLPv2 carries them.
    const own = FwPacket.create(pkt.l3, pkt.token, pkt.congestionMark);
    if (this.receive) {
      this.receive(own);
    } else {
      this.rx.push(own);
    }
  }

  async tx(iterable: AsyncIterable<FwPacket>): Promise<void> {
    for await (const pkt of iterable) {
      this.transmit(pkt);
    }
  }

  private transmit(pkt: FwPacket): void {
    if (FwPacket.isEncodable(pkt)) {
      this.sendTo!.send(pkt);
    }
  }
}

/** A point-to-point link between two forwarders. */
export class Link implements Disposable {
  readonly ab: LinkDirection;
  readonly ba: LinkDirection;
  /** The faces at A and B, to add to their forwarders. */
  readonly faceA: FwFace.RxTx;
  readonly faceB: FwFace.RxTx;

  constructor(readonly a: string, readonly b: string, params: LinkParams, seed: number) {
    const ea = new LinkEnd({ describe: `${a}→${b}` });
    const eb = new LinkEnd({ describe: `${b}→${a}` });
    this.ab = new LinkDirection(params, Random.derive(seed, `link ${a}>${b}`), (p) => eb.deliver(p));
    this.ba = new LinkDirection(params, Random.derive(seed, `link ${b}>${a}`), (p) => ea.deliver(p));
    ea.sendTo = this.ab;
    eb.sendTo = this.ba;
    this.faceA = ea;
    this.faceB = eb;
  }

  /** Take the link down or up, both directions. */
  setUp(up: boolean): void {
    this.ab.setUp(up);
    this.ba.setUp(up);
  }

  [Symbol.dispose](): void {
    (this.faceA as LinkEnd).rx.close();
    (this.faceB as LinkEnd).rx.close();
  }
}
