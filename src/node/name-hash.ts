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

/**
 * Whether two names are the same, by their TLV-VALUEs: a decoded name has its own, and the tables
 * have made the others' for {@link nameHash}. NDNts's `equals` compares component by component.
 */
export function sameName(a: Name, b: Name): boolean {
  return equalOctets(a.value, b.value);
}

export function equalOctets(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) {
    return false;
  }
  for (let i = 0; i < a.length; ++i) {
    if (a[i] !== b[i]) {
      return false;
    }
  }
  return true;
}
