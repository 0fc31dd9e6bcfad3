import type { Forwarder } from "@ndn/fw";
import { FwPacket } from "@ndn/fw";
import { Data, Interest } from "@ndn/packet";

import { AppFace } from "./app-face.js";

interface Pending {
  resolve: (data: Data) => void;
  reject: (err: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * One long-lived face for expressing many Interests. NDNts's `consume()` adds a face to the
 * forwarder for every Interest, which costs more than the exchange itself when a consumer follows
 * hundreds of streams; this face stays, and matches Data to Interests by PIT token.
 */
export class ConsumerFace implements Disposable {
  private readonly pending = new Map<number, Pending>();
  private nextToken = 1;
  private readonly face: AppFace;
  private closed = false;

  constructor(fw: Forwarder, describe = "consumer") {
    this.face = new AppFace(fw, { describe }, (pkt) => this.answered(pkt));
  }

  /** A packet the forwarder sent this face: the Data of an Interest of ours. */
  private answered(pkt: FwPacket): void {
    if (pkt.l3 instanceof Data && typeof pkt.token === "number") {
      const p = this.pending.get(pkt.token);
      if (p) {
        this.pending.delete(pkt.token);
        clearTimeout(p.timer);
        p.resolve(pkt.l3);
      }
    }
  }

  /** Express an Interest; resolves with its Data, rejects when its lifetime ends first. */
  express(interest: Interest): Promise<Data> {
    if (this.closed) {
      return Promise.reject(new Error("consumer face closed"));
    }
    const token = this.nextToken++;
    return new Promise<Data>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(token);
        reject(new Error("Interest timed out"));
      }, interest.lifetime);
      this.pending.set(token, { resolve, reject, timer });
      this.face.send(FwPacket.create(interest, token));
    });
  }

  /** Express an Interest, again on timeout, up to `attempts` times; undefined if none is answered. */
  async fetch(interest: Interest, attempts: number): Promise<Data | undefined> {
    for (let i = 0; i < attempts && !this.closed; ++i) {
      try {
        return await this.express(i === 0 ? interest : retransmission(interest));
      } catch {
        // timed out
      }
    }
    return undefined;
  }

  [Symbol.dispose](): void {
    this.closed = true;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error("consumer face closed"));
    }
    this.pending.clear();
    this.face[Symbol.dispose]();
  }
}

/** A copy of an Interest with no nonce: it gets a new one, so that loop guards do not drop it. */
function retransmission(interest: Interest): Interest {
  const again = new Interest(interest);
  again.nonce = undefined;
  return again;
}
