import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

import { KeyChain } from "@ndn/keychain";
import { type Name, ValidityPeriod } from "@ndn/packet";

import { showName } from "../naming/mod.js";
import {
  certificateText, certifyKeyPair, deriveEcdsaKeyPair, type Identity, loadOrCreateAnchor, loadOrEnrol, openKeyChain,
  DAY, syncCertificateVerifier, VALIDITY_DAYS,
} from "../trust/mod.js";
import type { TrustVerifierOptions } from "../trust/mod.js";

/** Where a scenario's nodes get their keys and certificates. */
export interface IdentityProvider {
  /** The trust anchor of a hospital node. */
  anchor(node: string, hospitalName: Name): Promise<Identity>;
  /** A member's identity (gateway, device, monitor) at `node`, certified by `issuer`. */
  enrol(node: string, subject: Name, issuer: Identity): Promise<Identity>;
  /** How verifiers make a certificate's Verifier. */
  importVerifier?: TrustVerifierOptions["importVerifier"];
}

/**
 * Keys in each node's NDNts keychain (WebCrypto), persisted under `<dataDir>/nodes/<node>/keys` and
 * loaded back on the next run; in memory without a data directory. For real-time runs.
 */
export function keyChainIdentities(dataDir?: string): IdentityProvider {
  const chains = new Map<string, KeyChain>();
  const of = (node: string) => {
    let kc = chains.get(node);
    if (!kc) {
      kc = dataDir === undefined ? KeyChain.createTemp() : openKeyChain(path.join(dataDir, "nodes", node));
      chains.set(node, kc);
    }
    return kc;
  };
  return {
    anchor: (node, name) => loadOrCreateAnchor(of(node), name),
    enrol: (node, subject, issuer) => loadOrEnrol(of(node), subject, issuer),
  };
}


/**
 * Keys derived from the seed and signed synchronously (node:crypto), certificates valid from the
 * simulation's start: the same seed gives the same keys and names, and nothing waits on WebCrypto,
 * so virtual time stays exact. Each node's keys are written (PKCS#8 PEM, and the certificate as
 * base64 NDN TLV) under `<dataDir>/nodes/<node>/keys` for inspection.
 */
export function seededIdentities(seed: number, startMs: number, dataDir?: string): IdentityProvider {
  const write = (node: string, id: Identity, keys: ReturnType<typeof deriveEcdsaKeyPair>) => {
    if (dataDir === undefined) {
      return;
    }
    const dir = path.join(dataDir, "nodes", node, "keys");
    mkdirSync(dir, { recursive: true });
    const base = showName(id.subject).slice(1).replaceAll("/", "_");
    writeFileSync(path.join(dir, `${base}.key.pem`), keys.privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
    writeFileSync(path.join(dir, `${base}.cert.base64`), certificateText(id.cert));
  };
  const make = async (node: string, subject: Name, issuer: Identity | undefined, days: number) => {
    const keys = deriveEcdsaKeyPair(seed, showName(subject));
    const id = await certifyKeyPair(subject, keys, issuer, new ValidityPeriod(startMs, startMs + days * DAY));
    write(node, id, keys);
    return id;
  };
  return {
    anchor: (node, name) => make(node, name, undefined, VALIDITY_DAYS.anchor),
    enrol: (node, subject, issuer) => make(node, subject, issuer, VALIDITY_DAYS.member),
    importVerifier: syncCertificateVerifier,
  };
}
