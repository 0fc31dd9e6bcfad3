import { createHash } from "node:crypto";

import { type Data, ImplicitDigest, type Name } from "@ndn/packet";

import { encodeCompact } from "../util/encode.js";

/**
 * A Data packet's full name: its name with the implicit SHA-256 digest of its whole TLV, computed
 * synchronously (node:crypto), for the code that needs it without awaiting (the DAG, the chain).
 */
export function fullName(data: Data): Name {
  return data.name.append(ImplicitDigest.create(sha256(encodeCompact(data))));
}

export function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash("sha256");
  for (const p of parts) {
    h.update(p);
  }
  return new Uint8Array(h.digest());
}

/**
 * Merkle root over names (RFC 6962 style): leaf = SHA-256(0x00 ‖ Name TLV), node =
 * SHA-256(0x01 ‖ left ‖ right), an odd node is carried up unchanged; the root of no names is
 * SHA-256 of nothing.
 */
export function merkleRoot(names: readonly Name[]): Uint8Array {
  if (names.length === 0) {
    return sha256();
  }
  let level = names.map((n) => sha256(Uint8Array.of(0), encodeCompact(n, 128)));
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(i + 1 < level.length ? sha256(Uint8Array.of(1), level[i]!, level[i + 1]!) : level[i]!);
    }
    level = next;
  }
  return level[0]!;
}
