import path from "node:path";

import { produce, type Producer } from "@ndn/endpoint";
import type { Forwarder } from "@ndn/fw";
import { Certificate, CertNaming, ECDSA, generateSigningKey, KeyChain, type PublicKey } from "@ndn/keychain";
import { Component, type Name, type Signer, ValidityPeriod } from "@ndn/packet";
import { Version } from "@ndn/naming-convention2";
import { createHash } from "node:crypto";

import { type EcdsaKeyPair, syncEcdsaSigner } from "./sync-ecdsa.js";

import { showName } from "../naming/mod.js";

/** A key with its certificate: what a gateway, device, health worker, monitor or hospital signs with. */
export interface Identity {
  readonly subject: Name;
  /** Signs with the certified key; its KeyLocator is the key name. */
  readonly signer: Signer;
  readonly cert: Certificate;
}

/** One day, ms. */
export const DAY = 86_400_000;

/** Default validity of the certificates we issue, in days. */
export const VALIDITY_DAYS = {
  anchor: 3650,
  member: 365,
} as const;

/** The keychain of a node, persisted under its data directory (`<dataDir>/keys`). */
export function openKeyChain(dataDir: string): KeyChain {
  return KeyChain.open(path.join(dataDir, "keys"));
}

/**
 * The hospital's trust anchor: an ECDSA P-256 key with a self-signed certificate, loaded from the
 * keychain if present, else created and stored there.
 */
export async function loadOrCreateAnchor(keyChain: KeyChain, hospitalName: Name, now = Date.now()): Promise<Identity> {
  const existing = await findIdentity(keyChain, hospitalName, (cert) => cert.isSelfSigned && cert.validity.includes(now));
  if (existing) {
    return existing;
  }
  const [signer, publicKey] = await generateSigningKey(keyChain, hospitalName, ECDSA);
  const cert = await Certificate.selfSign({
    privateKey: signer,
    publicKey,
    validity: new ValidityPeriod(now, now + VALIDITY_DAYS.anchor * DAY),
  });
  await keyChain.insertCert(cert);
  return { subject: hospitalName, signer, cert };
}

export interface EnrolOptions {
  /** Certificate validity; default: now to now + {@link VALIDITY_DAYS}.member days. */
  validity?: ValidityPeriod;
  now?: number;
}

/**
 * A member's identity (gateway, device, health worker, monitor) issued by `issuer`: loaded from
 * the keychain when a valid certificate from that issuer is there, else a new ECDSA P-256 key is
 * generated and certified. Enrolment happens in-process (the issuer is reachable out of band).
 */
export async function loadOrEnrol(keyChain: KeyChain, subject: Name, issuer: Identity, opts: EnrolOptions = {}): Promise<Identity> {
  const now = opts.now ?? Date.now();
  const issuerKey = CertNaming.toKeyName(issuer.cert.name);
  const existing = await findIdentity(keyChain, subject, (cert) =>
    !!cert.issuer && CertNaming.toKeyName(cert.issuer).equals(issuerKey) && cert.validity.includes(now));
  if (existing) {
    return existing;
  }
  const [signer, publicKey] = await generateSigningKey(keyChain, subject, ECDSA);
  const cert = await issueCertificate(issuer, publicKey, opts.validity ?? new ValidityPeriod(now, now + VALIDITY_DAYS.member * DAY));
  await keyChain.insertCert(cert);
  return { subject, signer, cert };
}

/**
 * An identity from a key pair held in memory (node:crypto, synchronous signing): what a simulation
 * in virtual time uses. `issuer` undefined makes a self-signed anchor. The KeyId is the first 8
 * octets of the key's SHA-256, so the same key always gets the same name.
 */
export async function certifyKeyPair(subject: Name, keys: EcdsaKeyPair, issuer: Identity | undefined, validity: ValidityPeriod): Promise<Identity> {
  const keyId = new Component(8, createHash("sha256").update(keys.spki).digest().subarray(0, 8).toString("hex"));
  const keyName = CertNaming.makeKeyName(subject, { keyId });
  const signer = syncEcdsaSigner(keyName, keys.privateKey);
  const cert = await Certificate.build({
    name: CertNaming.makeCertName(keyName, {
      issuerId: issuer ? issuer.subject.get(-1)! : CertNaming.ISSUER_SELF,
      version: Version.create(validity.notBefore),
    }),
    validity,
    publicKeySpki: keys.spki,
    signer: issuer?.signer ?? signer,
  });
  return { subject, signer, cert };
}

/** Issue a certificate for `publicKey`, signed by `issuer`; the IssuerId is the issuer's last name component. */
export function issueCertificate(issuer: Identity, publicKey: PublicKey, validity: ValidityPeriod): Promise<Certificate> {
  return Certificate.issue({
    publicKey,
    validity,
    issuerId: issuer.subject.get(-1)!,
    issuerPrivateKey: issuer.signer,
  });
}

/** A subject's identity already in a keychain, with a certificate valid now. */
export async function loadIdentity(keyChain: KeyChain, subject: Name, now = Date.now()): Promise<Identity> {
  const found = await findIdentity(keyChain, subject, (cert) => cert.validity.includes(now));
  if (!found) {
    throw new Error(`no key with a valid certificate for ${showName(subject)} in this keychain`);
  }
  return found;
}

async function findIdentity(keyChain: KeyChain, subject: Name, accept: (cert: Certificate) => boolean): Promise<Identity | undefined> {
  for (const certName of await keyChain.listCerts(subject)) {
    if (!CertNaming.toSubjectName(certName).equals(subject)) {
      continue; // a certificate of a name below ours, e.g. a device under a patient
    }
    const cert = await keyChain.getCert(certName);
    if (accept(cert)) {
      const signer = await keyChain.getKey(CertNaming.toKeyName(certName), "signer");
      return { subject, signer, cert };
    }
  }
  return undefined;
}

/**
 * Serve certificates to the network: one producer per key prefix (`<subject>/KEY`), answering an
 * Interest for a key or certificate name with the matching certificate.
 */
export class CertificateServer implements Disposable {
  private readonly certs = new Map<string, Certificate[]>();
  private readonly producers = new Map<string, Producer>();

  constructor(private readonly fw: Forwarder) {}

  add(cert: Certificate): void {
    const keyPrefix = CertNaming.toSubjectName(cert.name).append(CertNaming.KEY);
    const id = keyPrefix.valueHex;
    const list = this.certs.get(id) ?? [];
    list.push(cert);
    this.certs.set(id, list);
    if (!this.producers.has(id)) {
      this.producers.set(id, produce(keyPrefix, async (interest) => newestValid(list.filter((c) => interest.name.isPrefixOf(c.name)))?.data, {
        fw: this.fw,
        describe: `certs ${showName(keyPrefix)}`,
        announcement: false,
      }));
    }
  }

  [Symbol.dispose](): void {
    for (const p of this.producers.values()) {
      p.close();
    }
    this.producers.clear();
  }
}

/** Of several certificates for one key prefix, the one valid now that was issued last, else the last issued. */
function newestValid(certs: readonly Certificate[], now = Date.now()): Certificate | undefined {
  const byIssue = [...certs].sort((a, b) => b.validity.notBefore - a.validity.notBefore);
  return byIssue.find((c) => c.validity.includes(now)) ?? byIssue[0];
}
