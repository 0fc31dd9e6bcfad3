import type { FwFace } from "@ndn/fw";
import { L3Face, Transport } from "@ndn/l3face";
import { Decoder } from "@ndn/tlv";
import { pushable } from "@ndn/util";

/**
 * One end of a {@link WireBridge}: what its face sends arrives, copied, on the other end's face.
 */
class WireEnd extends Transport {
  /** Wires from the other end, not yet read by this end's face. */
  readonly arriving = pushable<Uint8Array>();
  readonly rx: Transport.RxIterable;
  other?: WireEnd;

  constructor(describe: string) {
    super({ describe });
    this.rx = decodeEach(this.arriving);
  }

  async tx(iterable: Transport.TxIterable): Promise<void> {
    try {
      for await (const wire of iterable) {
        this.other!.arriving.push(wire.slice());
      }
    } finally {
      // The face closed (its tx ends, or is aborted): the other end receives no more.
      this.other!.arriving.stop();
    }
  }
}

async function* decodeEach(wires: AsyncIterable<Uint8Array>): Transport.RxIterable {
  for await (const wire of wires) {
    yield new Decoder(wire).read();
  }
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
   */
  constructor(addA: (face: L3Face) => FwFace, addB: (face: L3Face) => FwFace, name = "wire") {
    const [a, b] = [new WireEnd(`${name}:A`), new WireEnd(`${name}:B`)];
    a.other = b;
    b.other = a;
    this.faceA = addA(new L3Face(a, { advertiseFrom: false }));
    this.faceB = addB(new L3Face(b, { advertiseFrom: false }));
  }

  [Symbol.dispose](): void {
    this.faceA.close();
    this.faceB.close();
  }
}
