import { createECDH, createPrivateKey, createPublicKey, type KeyObject, sign as cryptoSign, verify as cryptoVerify } from "node:crypto";

import type { Certificate } from "@ndn/keychain";
import { LLSign, LLVerify, type Name, Signer, SigType, Verifier } from "@ndn/packet";

import { Random } from "../util/random.js";

/**
 * ECDSA P-256 signing and verification with node:crypto's synchronous calls, behind the NDNts
 * Signer and Verifier interfaces. A simulation in virtual time needs them: WebCrypto completes on a
 * thread pool, in real time, which would let virtual time race ahead of the signing.
 */

/** Order of the P-256 group. */
const N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551n;

export interface EcdsaKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Public key in SubjectPublicKeyInfo DER, as certificates carry it. */
  spki: Uint8Array;
}

/** A P-256 key pair derived from (seed, label): the same inputs give the same key. */
export function deriveEcdsaKeyPair(seed: number, label: string): EcdsaKeyPair {
  const r = Random.derive(seed, `ecdsa:${label}`);
  for (;;) {
    const d = Buffer.alloc(32);
    for (let i = 0; i < 32; ++i) {
      d[i] = Math.floor(r.next() * 256);
    }
    const k = BigInt(`0x${d.toString("hex")}`);
    if (k === 0n || k >= N) {
      continue; // outside the group: draw again (probability about 2^-32)
    }
    const ecdh = createECDH("prime256v1");
    ecdh.setPrivateKey(d);
    const pub = ecdh.getPublicKey();
    const jwk = { kty: "EC", crv: "P-256", d: b64url(d), x: b64url(pub.subarray(1, 33)), y: b64url(pub.subarray(33, 65)) };
    const privateKey = createPrivateKey({ key: jwk, format: "jwk" });
    const publicKey = createPublicKey(privateKey);
    return { privateKey, publicKey, spki: new Uint8Array(publicKey.export({ type: "spki", format: "der" })) };
  }
}

/**
 * Sign with ECDSA P-256, returning the DER signature NDN uses, always 71 octets long.
 *
 * ECDSA picks a random nonce, so a signature's DER length varies (70-72 octets) and with it every
 * signed packet's size: the traffic a simulation measures would then differ from run to run. Both
 * (r, s) and (r, n-s) verify, and exactly one of s and n-s has its top bit set (needing a leading
 * zero octet in DER). We pick the one that makes r and s take 33+32 or 32+33 octets: 71 in all.
 * Only when r or the s picked is below 2^248 (each once in 256), or s lies within 2^224 of 2^255
 * (so that n-s does not flip its top bit), is a new signature needed.
 */
export function signEcdsaFixedLength(privateKey: KeyObject, input: Uint8Array): Uint8Array {
  for (;;) {
    const rs = cryptoSign("sha256", input, { key: privateKey, dsaEncoding: "ieee-p1363" });
    const r = rs.subarray(0, 32);
    let s: Uint8Array = rs.subarray(32);
    if (r[0] === 0) {
      continue;
    }
    // A top bit set means 33 octets in DER (a leading zero). r with one wants s without: s below
    // 2^255; else s at or above 2^255. The top bit says which; n-s nearly always flips it.
    const rHigh = (r[0]! & 0x80) !== 0;
    const sHigh = () => (s[0]! & 0x80) !== 0;
    if (sHigh() === rHigh) {
      s = orderMinus(s);
    }
    if (sHigh() === rHigh || s[0] === 0) {
      continue; // s within 2^224 of 2^255, or below 2^248: about once in 256
    }
    const der = new Uint8Array(71);
    der.set([0x30, 69, 0x02, rHigh ? 33 : 32]);
    const rAt = rHigh ? 5 : 4;
    der.set(r, rAt);
    const sHeader = rAt + 32;
    der[sHeader] = 0x02;
    der[sHeader + 1] = rHigh ? 32 : 33;
    der.set(s, rHigh ? sHeader + 2 : sHeader + 3); // a leading zero stays 0
    return der;
  }
}

const N_OCTETS = Uint8Array.from(Buffer.from(N.toString(16), "hex"));

/** n - s, for 0 < s < n, as 32 big-endian octets, byte-wise: through BigInt and hex strings, the fixed length cost 25% over raw signing; now 15%. */
function orderMinus(s: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  let borrow = 0;
  for (let i = 31; i >= 0; --i) {
    const d = N_OCTETS[i]! - s[i]! - borrow;
    borrow = d < 0 ? 1 : 0;
    out[i] = d & 0xFF;
  }
  return out;
}

/** A Signer for `keyName` (the KeyLocator it writes) with a node:crypto private key. */
export function syncEcdsaSigner(keyName: Name, privateKey: KeyObject): Signer {
  const llSign = (input: Uint8Array) => Promise.resolve(signEcdsaFixedLength(privateKey, input));
  return {
    async sign(pkt) {
      Signer.putSigInfo(pkt, SigType.Sha256WithEcdsa, keyName);
      await pkt[LLSign.OP](llSign);
    },
  };
}

/** A Verifier for one public key (SPKI DER), with node:crypto. */
export function syncEcdsaVerifier(spki: Uint8Array): Verifier {
  const key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
  const llVerify = (input: Uint8Array, sig: Uint8Array) => {
    Verifier.throwOnBadSig(cryptoVerify("sha256", input, key, sig));
    return Promise.resolve();
  };
  return {
    async verify(pkt) {
      Verifier.checkSigType(pkt, SigType.Sha256WithEcdsa);
      await pkt[LLVerify.OP](llVerify);
    },
  };
}

/** The Verifier of a certificate's public key, with node:crypto. */
export function syncCertificateVerifier(cert: Certificate): Promise<Verifier> {
  return Promise.resolve(syncEcdsaVerifier(cert.publicKeySpki));
}

function b64url(b: Uint8Array): string {
  return Buffer.from(b).toString("base64url");
}
