import type { FwFace } from "@ndn/fw";
import { L3Face, Transport } from "@ndn/l3face";
import { Decoder } from "@ndn/tlv";

import { LpFace } from "../faces/lp-face.js";
import { AsyncQueue } from "../util/async-queue.js";

/**
 * One end of a {@link WireBridge}: what its face sends arrives, copied, on the other end's face.
 */
class WireEnd extends Transport {
  /** Wires from the other end, not yet read by this end's face. */
  readonly arriving = new AsyncQueue<Uint8Array>();
  readonly rx: Transport.RxIterable;
  other?: WireEnd;

  constructor(describe: string, private readonly mtu_: number) {
    super({ describe });
    this.rx = decodeEach(this.arriving);
  }

  override get mtu(): number {
    return this.mtu_;
  }

  async tx(iterable: Transport.TxIterable): Promise<void> {
    try {
      for await (const wire of iterable) {
        if (wire.length <= this.mtu_) { // a longer frame is lost, as on a real link
          this.other!.arriving.push(wire.slice());
        }
      }
    } finally {
      // The face closed (its tx ends, or is aborted): the other end receives no more.
      this.other!.arriving.close();
    }
  }
}

async function* decodeEach(wires: AsyncIterable<Uint8Array>): Transport.RxIterable {
  for await (const wire of wires) {
    yield new Decoder(wire).read();
  }
}

/**
 * Two transports joined in memory, each packet's octets copied from one to the other, as over UDP
 * with no delay: what one sends the other reads, but for frames longer than the MTU, which are lost;
 * when one's sending ends, the other's reading does.
 * @param mtu - what both report as their MTU. @defaultValue Infinity
 */
export function wireTransports(name = "wire", mtu = Infinity): [Transport, Transport] {
  const [a, b] = [new WireEnd(`${name}:A`, mtu), new WireEnd(`${name}:B`, mtu)];
  a.other = b;
  b.other = a;
  return [a, b];
}

/**
 * Two forwarders joined as by a link that carries wires: each packet encoded by the sending face
 * (NDNLPv2), its octets copied, and decoded by the receiving face, as over UDP, with no delay.
 *
 * NDNts's `Bridge` does the same, and keeps every packet it ever carried: it races each packet's
 * wait against the bridge's one close promise, whose reactions, one per packet, hold the winner
 * (a wire of about 1.2 KB). The heap of a chain of two bridges grew by some 3 KB an exchange, and
 * every major garbage collection marked all of it, at a cost that grew with the exchanges done
 * (BENCHMARKS.md). This one keeps nothing it has delivered.
 */
export class WireBridge implements Disposable {
  readonly faceA: FwFace;
  readonly faceB: FwFace;

  /**
   * @param addA - adds a face to the first forwarder (`fw.addFace`, or a node layer's `addNetworkFace`).
   * @param addB - the same, for the second.
   * @param faces - the faces on the wires: NDNts's L3Face, or our LpFace.
   */
  constructor(addA: (face: FwFace.RxTx) => FwFace, addB: (face: FwFace.RxTx) => FwFace, name = "wire",
      faces: "l3face" | "lp-face" = "l3face") {
    const [a, b] = wireTransports(name);
    const face = (end: Transport) => (faces === "lp-face" ? new LpFace(end) : new L3Face(end, { advertiseFrom: false }));
    this.faceA = addA(face(a));
    this.faceB = addB(face(b));
  }

  [Symbol.dispose](): void {
    this.faceA.close();
    this.faceB.close();
  }
}
