import { Data } from "@ndn/packet";

import type { SignedReading } from "../sensors/mod.js";
import type { Forgery } from "../topology/mod.js";
import type { Identity } from "../trust/mod.js";

/**
 * Fault injection at a home: readings that a scenario forges before they reach the gateway's
 * publisher, to show they are rejected and counted, never trusted.
 * - `wrong-signer`: the reading is re-signed by another device's key (a compromised device);
 * - `bad-signature`: the signature bytes are corrupted in transit.
 */
export class Forger {
  public forged = 0;

  constructor(
    private readonly forgeries: readonly Forgery[],
    /** Key of another device of the same patient, used for wrong-signer forgeries. */
    private readonly otherDevice: Identity,
  ) {}

  async apply(r: SignedReading): Promise<SignedReading> {
    const f = this.forgeries.find((x) => x.stream === r.stream && r.seq >= x.from && r.seq <= x.to);
    if (!f) {
      return r;
    }
    ++this.forged;
    const data = new Data(r.data);
    if (f.kind === "wrong-signer") {
      await this.otherDevice.signer.sign(data);
    } else {
      const sig = Uint8Array.from(data.sigValue);
      sig[Math.floor(sig.length / 2)]! ^= 0x5A;
      data.sigValue = sig;
    }
    return { ...r, data };
  }
}
