import type { Name } from "@ndn/packet";

const FNV_OFFSET = 0x811C9DC5;
const FNV_PRIME = 0x01000193;

/**
 * A 31-bit hash (FNV-1a) of a name's TLV-VALUE, the key of the node layer's tables. A small integer
 * is kept by a Map without an object per entry, where a name's hex string (NDNts's `valueHex`) is
 * one more object kept alive per packet, and a Data's would be built for the tables alone. Every
 * table compares the names themselves on a match: two names of one hash only share a slot.
 */
export function nameHash(name: Name): number {
  return mix(FNV_OFFSET, name.value) >>> 1;
}

/** {@link nameHash} of each prefix of a name, by its length (0: the empty name). */
export function prefixHashes(name: Name): number[] {
  const hashes = [FNV_OFFSET >>> 1];
  let h = FNV_OFFSET;
  for (const { tlv } of name.comps) {
    h = mix(h, tlv);
    hashes.push(h >>> 1);
  }
  return hashes;
}

/** FNV-1a's state after `octets`, from `h`. */
function mix(h: number, octets: Uint8Array): number {
  for (let i = 0; i < octets.length; ++i) {
    h = Math.imul(h ^ octets[i]!, FNV_PRIME);
  }
  return h;
}
