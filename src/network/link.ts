import { L3Face, Transport } from "@ndn/l3face";
import { TT as l3TT } from "@ndn/packet";
import { Decoder } from "@ndn/tlv";

import { AsyncQueue } from "../util/async-queue.js";
import { Random } from "../util/random.js";

/** What a link is made of, per direction (both directions alike). */
export interface LinkParams {
  /** Propagation delay, ms. */
  delayMs: number;
  /** Delay variation (normal, sd = jitter), ms; never reorders packets. @defaultValue 0 */
  jitterMs?: number;
  /** Loss rate on the wire, 0..1. @defaultValue 0 */
  loss?: number;
  /** Bandwidth, Mbit/s; undefined: packets serialize instantly. */
  bandwidthMbps?: number;
  /**
   * Drop-tail queue capacity, packets waiting behind the one on the wire.
   * @defaultValue 100 (ns-3's DropTail default) when there is a bandwidth, else unbounded
   */
  maxQueueSize?: number;
  /** MTU in octets; larger packets are fragmented with NDNLPv2. @defaultValue 8800 (NFD's limit) */
  mtu?: number;
}

/** Counters of one direction of a link. */
export interface DirectionCounters {
  /** Packets put on the wire, by kind, and their octets. */
  packets: number;
  bytes: number;
  interests: number;
  interestBytes: number;
  data: number;
  dataBytes: number;
  /** Packets dropped at the tail of a full queue. */
  drops: number;
  /** Packets lost on the wire (the loss rate), or sent while the link was down. */
  lost: number;
  /** Total and largest time packets waited in the queue, ms. */
  queueDelayMs: number;
  maxQueueDelayMs: number;
}

export function newCounters(): DirectionCounters {
  return { packets: 0, bytes: 0, interests: 0, interestBytes: 0, data: 0, dataBytes: 0, drops: 0, lost: 0, queueDelayMs: 0, maxQueueDelayMs: 0 };
}

/**
 * One direction of an emulated link: a drop-tail queue in front of a wire with a bandwidth
 * (serialization delay), then propagation delay with jitter and random loss. Uses the global
 * timers, so it runs in real time or, under a virtual clock, in simulated time.
 */
class LinkDirection {
  readonly counters = newCounters();
  private readonly queue: Array<{ wire: Uint8Array; since: number }> = [];
  private busy = false;
  private lastArrival = 0;
  private readonly maxQueue: number;
  up = true;

  constructor(
    private readonly params: LinkParams,
    private readonly random: Random,
    /** Delivers a packet at the far end. */
    private readonly deliver: (wire: Uint8Array) => void,
  ) {
    this.maxQueue = params.maxQueueSize ?? (params.bandwidthMbps === undefined ? Infinity : 100);
  }

  send(wire: Uint8Array): void {
    if (!this.up) {
      ++this.counters.lost;
      return;
    }
    if (this.busy && this.queue.length >= this.maxQueue) {
      ++this.counters.drops;
      return;
    }
    this.queue.push({ wire, since: Date.now() });
    if (!this.busy) {
      this.transmitNext();
    }
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
    const { wire, since } = next;
    const waited = Date.now() - since;
    this.counters.queueDelayMs += waited;
    this.counters.maxQueueDelayMs = Math.max(this.counters.maxQueueDelayMs, waited);
    this.count(wire);
    const { bandwidthMbps } = this.params;
    const serializationMs = bandwidthMbps === undefined ? 0 : (wire.length * 8) / (bandwidthMbps * 1000);
    if (serializationMs > 0) {
      setTimeout(() => this.onWire(wire), serializationMs);
    } else {
      this.onWire(wire);
    }
  }

  /** The last bit is on the wire: propagate it, and start the next packet. */
  private onWire(wire: Uint8Array): void {
    if (!this.up || this.random.next() < (this.params.loss ?? 0)) {
      ++this.counters.lost;
    } else {
      const jitter = this.params.jitterMs ? Math.max(0, this.random.normal(0, this.params.jitterMs)) : 0;
      // FIFO: a packet never overtakes the one before it.
      const arrival = Math.max(Date.now() + this.params.delayMs + jitter, this.lastArrival);
      this.lastArrival = arrival;
      const delay = arrival - Date.now();
      if (delay > 0) {
        setTimeout(() => this.deliver(wire), delay);
      } else {
        this.deliver(wire);
      }
    }
    this.transmitNext();
  }

  /** Kind of the packet the last first fragment began, for the fragments that follow it. */
  private fragmentedType = 0;

  private count(wire: Uint8Array): void {
    const c = this.counters;
    ++c.packets;
    c.bytes += wire.length;
    let type = networkLayerType(wire);
    if (type === CONTINUATION) {
      type = this.fragmentedType;
    } else {
      this.fragmentedType = type;
      c.interests += type === l3TT.Interest ? 1 : 0;
      c.data += type === l3TT.Data ? 1 : 0;
    }
    c.interestBytes += type === l3TT.Interest ? wire.length : 0;
    c.dataBytes += type === l3TT.Data ? wire.length : 0;
  }
}

const TT_LP_PACKET = 0x64;
const TT_LP_FRAGMENT = 0x50;
const TT_LP_FRAG_INDEX = 0x52;
/** Marks a frame that continues the packet of the frame before it (a later NDNLPv2 fragment). */
const CONTINUATION = -1;

/**
 * The TLV-TYPE of the network-layer packet a frame carries, looking inside NDNLPv2;
 * CONTINUATION for a fragment after the first; 0 when the frame is not TLV.
 */
function networkLayerType(wire: Uint8Array): number {
  try {
    const outer = new Decoder(wire).read();
    if (outer.type !== TT_LP_PACKET) {
      return outer.type;
    }
    const d = new Decoder(outer.value);
    let type = 0;
    while (!d.eof) {
      const field = d.read();
      if (field.type === TT_LP_FRAG_INDEX && field.nni !== 0) {
        return CONTINUATION;
      }
      if (field.type === TT_LP_FRAGMENT) {
        type = peekType(field.value);
      }
    }
    return type;
  } catch {
    return 0;
  }
}

/** The TLV-TYPE at the start of `b`, which may be only the beginning of a TLV. */
function peekType(b: Uint8Array): number {
  const first = b[0] ?? 0;
  if (first < 253) {
    return first;
  }
  return first === 253 ? ((b[1] ?? 0) << 8) | (b[2] ?? 0) : 0;
}

/** The end of a link a forwarder sees: an NDNts transport whose frames cross a LinkDirection. */
class LinkTransport extends Transport {
  readonly rx: AsyncQueue<Decoder.Tlv>;
  sendTo?: LinkDirection;

  constructor(describe: string, private readonly mtuOctets: number) {
    super({ describe });
    this.rx = new AsyncQueue();
  }

  override get mtu(): number {
    return this.mtuOctets;
  }

  /** A frame arrived from the wire. A frame that is not TLV is dropped here and counted. */
  receive(wire: Uint8Array, onMalformed: () => void): void {
    try {
      this.rx.push(new Decoder(wire).read());
    } catch {
      onMalformed();
    }
  }

  async tx(iterable: AsyncIterable<Uint8Array>): Promise<void> {
    for await (const wire of iterable) {
      this.sendTo!.send(wire);
    }
  }

  close(): void {
    this.rx.close();
  }
}

/**
 * A point-to-point link between two forwarders' faces, each an NDNts L3Face (NDNLPv2: fragmentation
 * above the MTU, malformed frames dropped and counted).
 */
export class Link implements Disposable {
  readonly ab: LinkDirection;
  readonly ba: LinkDirection;
  /** The L3Faces at A and B, to add to their forwarders. */
  readonly faceA: L3Face;
  readonly faceB: L3Face;
  /** Frames each end received that were not valid packets, dropped. */
  readonly malformed = { a: 0, b: 0 };

  constructor(readonly a: string, readonly b: string, params: LinkParams, seed: number) {
    const mtu = params.mtu ?? 8800;
    const ta = new LinkTransport(`${a}→${b}`, mtu);
    const tb = new LinkTransport(`${b}→${a}`, mtu);
    this.ab = new LinkDirection(params, Random.derive(seed, `link ${a}>${b}`), (w) => tb.receive(w, () => ++this.malformed.b));
    this.ba = new LinkDirection(params, Random.derive(seed, `link ${b}>${a}`), (w) => ta.receive(w, () => ++this.malformed.a));
    ta.sendTo = this.ab;
    tb.sendTo = this.ba;
    const lp = { mtu, keepAlive: false as const };
    this.faceA = new L3Face(ta, { describe: `${a}→${b}` }, lp);
    this.faceB = new L3Face(tb, { describe: `${b}→${a}` }, lp);
    this.faceA.addEventListener("rxerror", () => void ++this.malformed.a);
    this.faceB.addEventListener("rxerror", () => void ++this.malformed.b);
    this.transports = [ta, tb];
  }

  private readonly transports: LinkTransport[];

  /** Take the link down or up, both directions. */
  setUp(up: boolean): void {
    this.ab.setUp(up);
    this.ba.setUp(up);
  }

  [Symbol.dispose](): void {
    for (const t of this.transports) {
      t.close();
    }
  }
}
