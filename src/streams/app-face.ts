import type { Forwarder, FwFace, FwPacket } from "@ndn/fw";

import type { DirectLower } from "../node/mod.js";
import { AsyncQueue } from "../util/async-queue.js";

/**
 * An application's face on a forwarder, whose packets go both ways by plain calls: directly into a
 * node layer's forwarder ({@link DirectLower}), or through @ndn/fw's face pipeline on a plain one.
 */
export class AppFace implements Disposable {
  readonly face: FwFace;
  private readonly rx = new AsyncQueue<FwPacket>();
  /** The forwarder's intake when the face is direct. */
  private receive?: (pkt: FwPacket) => void;

  /** @param onPacket - each packet the forwarder sends the application. */
  constructor(fw: Forwarder, attributes: FwFace.Attributes, onPacket: (pkt: FwPacket) => void) {
    const lower: DirectLower = {
      rx: this.rx,
      async tx(iterable) {
        for await (const pkt of iterable) {
          onPacket(pkt);
        }
      },
      connect: (receive) => {
        this.receive = receive;
        return onPacket;
      },
    };
    this.face = fw.addFace(lower, { local: true, ...attributes });
  }

  /** Hand a packet to the forwarder. */
  send(pkt: FwPacket): void {
    if (this.receive) {
      this.receive(pkt);
    } else {
      this.rx.push(pkt);
    }
  }

  [Symbol.dispose](): void {
    this.rx.close();
    this.face.close();
  }
}
