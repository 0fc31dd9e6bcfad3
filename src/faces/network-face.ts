import type { Forwarder, FwFace } from "@ndn/fw";

import { NodeForwarder } from "../node/mod.js";

/**
 * Where a face toward another forwarder goes: a node layer, which tells such faces from its
 * applications' (Interests leaving on them carry the nonce of the Interest being forwarded, as its
 * loop guard needs), or a plain @ndn/fw forwarder.
 */
export type NetworkFaceTarget = Forwarder | NodeForwarder;

/** Add a face toward another forwarder to `target`. */
export function addNetworkFace(target: NetworkFaceTarget, face: FwFace.RxTx, attributes?: FwFace.Attributes): FwFace {
  return target instanceof NodeForwarder ? target.addNetworkFace(face, attributes) : target.addFace(face, attributes);
}

/** The forwarder applications on `target` use. */
export function forwarderOf(target: NetworkFaceTarget): Forwarder {
  return target instanceof NodeForwarder ? target.fw : target;
}
