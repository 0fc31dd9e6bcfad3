import { createHash, type KeyObject, sign as cryptoSign } from "node:crypto";

import { type Data, ImplicitDigest, LLSign, type Name, Signer, SigType } from "@ndn/packet";
import type { MemoryLevel } from "memory-level";

import { encodeCompact } from "../util/encode.js";

/**
 * What the pinned dependencies must do to publish one Data, with nothing of ndn-iomt's: sign it
 * through NDNts's signing interface with raw node:crypto ECDSA, encode it once (compact, as our code
 * does), put its wire in memory-level in a batch of its own (as a gateway stores each reading before
 * serving it), and hash it (SHA-256) for the full name a ledger commits. The ceilings of publishing
 * and of the simulation are made of it.
 */
export async function publishWithDependencies(
    data: Data, keyName: Name, privateKey: KeyObject, store: MemoryLevel<Uint8Array, Uint8Array>,
): Promise<Name> {
  Signer.putSigInfo(data, SigType.Sha256WithEcdsa, keyName);
  await data[LLSign.OP]((input) => Promise.resolve(cryptoSign("sha256", input, privateKey)));
  const wire = encodeCompact(data);
  await store.batch([{ type: "put", key: data.name.value, value: wire }]);
  return data.name.append(ImplicitDigest.create(createHash("sha256").update(wire).digest()));
}
