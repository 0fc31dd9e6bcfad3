import { type FwFace, FwPacket } from "@ndn/fw";
import type { Transport } from "@ndn/l3face";
import { Fragmenter, LpPacket, Reassembler, TT as LpTT } from "@ndn/lp";
import { Data, Interest, Nack, TT as L3TT } from "@ndn/packet";
import { Decoder, Encoder, printTT } from "@ndn/tlv";

import type { DirectLower } from "../node/mod.js";
import { AsyncQueue } from "../util/async-queue.js";
import { encodeCompact, wireOf } from "../util/encode.js";

export interface LpFaceOptions {
  /** @defaultValue the transport's own description */
  describe?: string;
  /** Called with each frame that is not a packet (dropped). @defaultValue none */
  onRxError?: (err: Error, wire: Uint8Array) => void;
  /** Called with each packet that could not be encoded (dropped). @defaultValue none */
  onTxError?: (err: Error) => void;
  /** Called with each error the forwarder threw taking a packet (dropped). @defaultValue none */
  onForwardError?: (err: Error) => void;
  /** Packets being reassembled from fragments at once, the oldest dropped beyond it. @defaultValue 16 */
  reassemblerCapacity?: number;
  /** Called with each packet received, before the forwarder has it. @defaultValue none */
  inspect?: (pkt: FwPacket) => void;
}

/**
 * The lower half of a face speaking NDNLPv2 over an NDNts {@link Transport} (UDP, TCP, Unix): PIT
 * tokens, Nacks, congestion marks, fragmentation to the transport's MTU and reassembly, as NDNts's
 * L3Face does, with @ndn/lp's packet, fragmenter and reassembler.
 *
 * Added to a node layer's forwarder it is a {@link DirectLower}: each frame the transport reads is
 * decoded and handed to the forwarder by a direct call, and each packet the forwarder sends is
 * encoded and queued to the transport at once. L3Face passes every packet through some six async
 * iterator stages each way (its pipelines, LpService's, @ndn/fw's face loops): a node layer over it
 * forwarded at about 0.8 of the rate it does over this face (BENCHMARKS.md). Added to a plain
 * @ndn/fw forwarder it works through @ndn/fw's face pipeline like any face.
 *
 * The face lives as long as its transport: when the transport's reading ends (the peer went), `rx`
 * ends and the forwarder closes the face; when the face is closed, the transport is told to end.
 * Either way {@link ended} resolves. (A face never added to a forwarder never closes its transport.)
 */
export class LpFace implements DirectLower {
  readonly attributes: FwFace.Attributes;
  /** Packets read before the face is joined directly, or all of them on a plain forwarder. */
  readonly rx = new AsyncQueue<FwPacket>();
  /** Dropped: frames that were not packets, packets the forwarder threw on, packets that could not be encoded. */
  readonly counters = { rxErrors: 0, forwardErrors: 0, txErrors: 0 };
  private readonly wires = new AsyncQueue<Uint8Array>();
  private readonly fragmenter = new Fragmenter();
  private readonly reassembler: Reassembler;
  /** Our PIT tokens on the wire: a random prefix then the forwarder's number, as L3Face makes them. */
  private readonly tokenPrefix = Math.trunc(Math.random() * 0x10000);
  private receive?: (pkt: FwPacket) => void;
  /** Resolves when the face has ended: its transport stopped reading or writing, or it was closed. */
  readonly ended: Promise<void>;
  private end!: () => void;

  constructor(private readonly transport: Transport, private readonly opts: LpFaceOptions = {}) {
    this.attributes = { ...transport.attributes, describe: opts.describe ?? transport.toString(), advertiseFrom: false };
    this.reassembler = new Reassembler(opts.reassemblerCapacity ?? 16);
    this.ended = new Promise((resolve) => {
      this.end = () => {
        this.rx.close();
        resolve();
      };
    });
    void this.read();
    transport.tx(this.wires).catch(() => undefined).finally(this.end);
  }

  connect(receive: (pkt: FwPacket) => void): (pkt: FwPacket) => void {
    this.receive = receive;
    return (pkt) => this.transmit(pkt);
  }

  async tx(iterable: AsyncIterable<FwPacket>): Promise<void> {
    try {
      for await (const pkt of iterable) {
        this.transmit(pkt);
      }
    } finally {
      // The face closed: so does the transport.
      this.wires.close();
    }
  }

  private async read(): Promise<void> {
    try {
      for await (const tlv of this.transport.rx) {
        this.take(tlv);
      }
    } catch {
      // A transport that fails ends the face as one that ends does.
    } finally {
      this.end();
    }
  }

  /** Decode a frame and hand its packet on; a frame that fails either way is dropped and counted, and the face lives on. */
  private take(tlv: Decoder.Tlv): void {
    let pkt: FwPacket | undefined;
    try {
      pkt = this.decode(tlv);
    } catch (err: unknown) {
      ++this.counters.rxErrors;
      this.opts.onRxError?.(err as Error, tlv.tlv);
      return;
    }
    if (!pkt) {
      return;
    }
    try {
      this.opts.inspect?.(pkt);
      if (this.receive) {
        this.receive(pkt);
      } else {
        this.rx.push(pkt);
      }
    } catch (err: unknown) {
      // Our fault, not the peer's: counted apart from its malformed frames.
      ++this.counters.forwardErrors;
      this.opts.onForwardError?.(err as Error);
    }
  }

  /** The packet a frame carries, or undefined for a fragment of one not yet whole, or an IDLE packet. */
  private decode(tlv: Decoder.Tlv): FwPacket | undefined {
    if (tlv.type !== LpTT.LpPacket) {
      return FwPacket.create(decodeL3(tlv));
    }
    const lpp = this.reassembler.accept(tlv.decoder.decode(LpPacket));
    if (!lpp?.payload) {
      return undefined;
    }
    let l3: Interest | Data | Nack = decodeL3(new Decoder(lpp.payload).read());
    if (lpp.nack) {
      if (!(l3 instanceof Interest)) {
        throw new Error("a Nack must carry an Interest");
      }
      l3 = new Nack(l3, lpp.nack);
    }
    return FwPacket.create(l3, l3 instanceof Interest ? lpp.pitToken : this.ownToken(lpp.pitToken), lpp.congestionMark);
  }

  private transmit(pkt: FwPacket): void {
    if (!FwPacket.isEncodable(pkt)) {
      return;
    }
    const { l3, token } = pkt;
    const lpp = new LpPacket();
    lpp.pitToken = typeof token === "number" ? this.wireToken(token) : token instanceof Uint8Array ? token : undefined;
    lpp.congestionMark = pkt.congestionMark;
    const mtu = this.transport.mtu;
    try {
      // A Data that was decoded, or encoded once, goes as the wire it keeps; the rest are encoded
      // into buffers of their size (NDNts's Encoder starts each with 2 KiB).
      if (l3 instanceof Nack) {
        lpp.nack = l3.header;
        lpp.payload = encodeCompact(l3.interest);
      } else {
        lpp.payload = (l3 instanceof Data ? wireOf(l3) : undefined) ?? encodeCompact(l3);
      }
      if (!lpp.hasL3Headers() && lpp.payload.length <= mtu) {
        this.wires.push(lpp.payload);
      } else if (Number.isFinite(mtu)) {
        const fragments = this.fragmenter.fragment(lpp, mtu);
        if (fragments.length === 0) {
          throw new Error(`${l3 instanceof Nack ? l3.interest.name : l3.name} does not fit the MTU ${mtu}`);
        }
        for (const f of fragments) {
          this.wires.push(Encoder.encode(f, mtu));
        }
      } else {
        this.wires.push(encodeCompact(lpp, lpp.payload.length + 64));
      }
    } catch (err: unknown) {
      ++this.counters.txErrors;
      this.opts.onTxError?.(err as Error);
    }
  }

  private wireToken(token: number): Uint8Array {
    const wire = new Uint8Array(6);
    const view = new DataView(wire.buffer);
    view.setUint16(0, this.tokenPrefix);
    view.setUint32(2, token);
    return wire;
  }

  /** The forwarder's number in a token we put on an Interest, or undefined for any other token. */
  private ownToken(wire: Uint8Array | undefined): number | undefined {
    if (wire?.length !== 6) {
      return undefined;
    }
    const view = new DataView(wire.buffer, wire.byteOffset, 6);
    return view.getUint16(0) === this.tokenPrefix ? view.getUint32(2) : undefined;
  }
}

function decodeL3({ type, decoder }: Decoder.Tlv): Interest | Data {
  switch (type) {
    case L3TT.Interest:
      return decoder.decode(Interest);
    case L3TT.Data:
      return decoder.decode(Data);
    default:
      throw new Error(`TLV-TYPE ${printTT(type)} is not a network layer packet`);
  }
}
