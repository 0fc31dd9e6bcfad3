import type { Forwarder } from "@ndn/fw";
import { Certificate, CertNaming, createVerifier } from "@ndn/keychain";
import { type Data, Interest, type Name, type Verifier } from "@ndn/packet";
import type { DataStore as S } from "@ndn/repo-api";

import { showName } from "../naming/mod.js";
import { ConsumerFace } from "../streams/consumer-face.js";
import { policyViolation } from "./policy.js";

/** Why a packet was not trusted. */
export type TrustFailure =
  | "no-key-locator"
  | "policy"
  | "bad-signature"
  | "expired"
  | "not-yet-valid"
  | "unknown-anchor"
  | "impostor-anchor"
  | "certificate-unavailable"
  | "malformed-certificate"
  | "certificate-loop"
  | "chain-too-long";

export class TrustError extends Error {
  constructor(
    public readonly failure: TrustFailure,
    public readonly packetName: Name,
    detail: string,
  ) {
    super(`${showName(packetName)} rejected (${failure}): ${detail}`);
    this.name = "TrustError";
  }
}

/** The failure code of a verification error; anything but a TrustError is a bug and is rethrown. */
function trustFailureOf(err: unknown): TrustFailure {
  if (err instanceof TrustError) {
    return err.failure;
  }
  throw err;
}

/**
 * Whether a packet verifies: false for a TrustError (the packet is not to be trusted), any other
 * error is a bug and is rethrown.
 */
export async function isTrusted(verifier: Verifier, pkt: Verifier.Verifiable): Promise<boolean> {
  return await trustFailure(verifier, pkt) === undefined;
}

/** Why a packet does not verify, or undefined if it does; any error but a TrustError is rethrown. */
export async function trustFailure(verifier: Verifier, pkt: Verifier.Verifiable): Promise<TrustFailure | undefined> {
  try {
    await verifier.verify(pkt);
    return undefined;
  } catch (err: unknown) {
    return trustFailureOf(err);
  }
}

/** Fetches a certificate by key or certificate name. */
export type CertificateFetcher = (name: Name) => Promise<Data>;

export interface TrustVerifierOptions {
  /** Pinned trust anchors: one self-signed certificate per trusted hospital. */
  anchors: readonly Certificate[];
  /** How to retrieve certificates that are not cached; see {@link fetchCertificateOverNdn}. */
  fetchCertificate: CertificateFetcher;
  /**
   * Clock for validity checks, in ms since the epoch.
   * @defaultValue Date.now
   */
  now?: () => number;
  /**
   * Verified certificates kept, least recently used evicted first.
   * @defaultValue 1024
   */
  cacheCapacity?: number;
  /**
   * Longest chain of certificates from a packet to its anchor.
   * @defaultValue 5
   */
  maxChainLength?: number;
  /**
   * Makes the Verifier of a certificate's key.
   * @defaultValue NDNts's createVerifier (WebCrypto); a simulation in virtual time passes
   * `syncCertificateVerifier` (node:crypto).
   */
  importVerifier?: (cert: Certificate) => Promise<Verifier>;
}

/** A certificate verified up to an anchor, with the key it certifies and its issuer's entry. */
interface TrustedKey {
  cert: Certificate;
  verifier: Verifier;
  /** The issuer's entry; undefined for an anchor. */
  issuer?: TrustedKey;
}

/**
 * Chain verifier: follows KeyLocator from a packet to a pinned hospital anchor, checks the
 * name-based policy at every step, each certificate's validity and each signature, and caches the
 * certificates it has verified (a cached chain's validity is checked again at every use).
 */
export class TrustVerifier implements Verifier {
  private readonly anchors = new Map<string, Promise<TrustedKey>>();
  private readonly anchorSubjects = new Set<string>();
  private readonly cache = new Map<string, TrustedKey>();
  /** Certificate retrievals in flight, shared by every chain that needs the same key. */
  private readonly fetching = new Map<string, Promise<Data>>();
  private readonly fetchCertificate: CertificateFetcher;
  private readonly now: () => number;
  private readonly cacheCapacity: number;
  private readonly maxChainLength: number;
  private readonly importVerifier: (cert: Certificate) => Promise<Verifier>;

  /** @throws Error if an anchor is not a self-signed certificate. */
  constructor(opts: TrustVerifierOptions) {
    this.fetchCertificate = opts.fetchCertificate;
    this.importVerifier = opts.importVerifier ?? ((cert) => createVerifier(cert, { checkValidity: false }));
    this.now = opts.now ?? Date.now;
    this.cacheCapacity = opts.cacheCapacity ?? 1024;
    this.maxChainLength = opts.maxChainLength ?? 5;
    for (const cert of opts.anchors) {
      if (!cert.isSelfSigned) {
        throw new Error(`trust anchor ${showName(cert.name)} is not self-signed`);
      }
      const verifier = this.importVerifier(cert).then((v) => ({ cert, verifier: v }));
      verifier.catch(() => undefined); // reported when the anchor is used
      this.anchors.set(CertNaming.toKeyName(cert.name).valueHex, verifier);
      this.anchorSubjects.add(CertNaming.toSubjectName(cert.name).valueHex);
    }
  }

  /** Verify a packet; resolves if trusted, else throws {@link TrustError}. */
  async verify(pkt: Verifier.Verifiable & { readonly name: Name }): Promise<void> {
    await this.verifyAt(pkt, []);
  }

  /** Certificates currently cached (anchors excluded). */
  get cachedCertificates(): number {
    return this.cache.size;
  }

  /**
   * @param chain - key names (hex) of the certificates being verified below this packet.
   * @returns the signer's trusted key.
   */
  private async verifyAt(pkt: Verifier.Verifiable & { readonly name: Name }, chain: readonly string[]): Promise<TrustedKey> {
    const klName = pkt.sigInfo?.keyLocator?.name;
    if (!klName) {
      throw new TrustError("no-key-locator", pkt.name, "the signature names no key");
    }
    const violation = policyViolation(pkt.name, klName);
    if (violation !== undefined) {
      throw new TrustError("policy", pkt.name, violation);
    }
    const key = await this.trustedKey(klName, pkt.name, chain);
    try {
      await key.verifier.verify(pkt);
    } catch {
      throw new TrustError("bad-signature", pkt.name, `signature does not verify with ${showName(key.cert.name)}`);
    }
    return key;
  }

  private async trustedKey(klName: Name, forName: Name, chain: readonly string[]): Promise<TrustedKey> {
    const id = CertNaming.toKeyName(klName).valueHex;
    const anchor = this.anchors.get(id);
    if (anchor) {
      const trusted = await anchor;
      this.checkChainValidity(trusted, forName);
      return trusted;
    }
    const cached = this.cache.get(id);
    if (cached) {
      this.checkChainValidity(cached, forName);
      this.cache.delete(id);
      this.cache.set(id, cached); // most recently used goes last
      return cached;
    }
    if (chain.includes(id)) {
      throw new TrustError("certificate-loop", forName, `${showName(klName)} appears twice in its own chain`);
    }
    if (chain.length >= this.maxChainLength) {
      throw new TrustError("chain-too-long", forName, `no anchor within ${this.maxChainLength} certificates`);
    }
    const cert = await this.retrieve(klName, id, forName);
    let issuer: TrustedKey;
    try {
      issuer = await this.verifyAt(cert.data, [...chain, id]);
    } catch (err: unknown) {
      if (err instanceof TrustError) {
        throw new TrustError(err.failure, forName, `via certificate ${err.message}`);
      }
      throw err;
    }
    const trusted: TrustedKey = { cert, verifier: await this.importVerifier(cert), issuer };
    this.cache.set(id, trusted);
    if (this.cache.size > this.cacheCapacity) {
      this.cache.delete(this.cache.keys().next().value!);
    }
    return trusted;
  }

  /** Retrieve a certificate, sharing the retrieval with concurrent requests, and check its form and validity. */
  private async retrieve(klName: Name, id: string, forName: Name): Promise<Certificate> {
    let job = this.fetching.get(id);
    if (!job) {
      job = this.fetchCertificate(klName).finally(() => this.fetching.delete(id));
      this.fetching.set(id, job);
    }
    let data: Data;
    try {
      data = await job;
    } catch (err: unknown) {
      throw new TrustError("certificate-unavailable", forName, `cannot retrieve ${showName(klName)}: ${(err as Error).message}`);
    }
    let cert: Certificate;
    try {
      cert = Certificate.fromData(data);
    } catch (err: unknown) {
      throw new TrustError("malformed-certificate", forName, `${showName(data.name)}: ${(err as Error).message}`);
    }
    if (!CertNaming.toKeyName(cert.name).equals(CertNaming.toKeyName(klName))) {
      throw new TrustError("malformed-certificate", forName, `asked for ${showName(klName)}, got ${showName(cert.name)}`);
    }
    if (cert.isSelfSigned) {
      const subject = CertNaming.toSubjectName(cert.name);
      if (this.anchorSubjects.has(subject.valueHex)) {
        throw new TrustError("impostor-anchor", forName,
          `${showName(cert.name)} is self-signed in the name of ${showName(subject)}, but its key is not that hospital's pinned anchor`);
      }
      throw new TrustError("unknown-anchor", forName, `chain ends at ${showName(cert.name)}, which is not a pinned trust anchor`);
    }
    this.checkValidity(cert, forName);
    return cert;
  }

  private checkChainValidity(trusted: TrustedKey, forName: Name): void {
    for (let k: TrustedKey | undefined = trusted; k; k = k.issuer) {
      this.checkValidity(k.cert, forName);
    }
  }

  private checkValidity(cert: Certificate, forName: Name): void {
    const now = this.now();
    if (now > cert.validity.notAfter) {
      throw new TrustError("expired", forName, `certificate ${showName(cert.name)} expired ${new Date(cert.validity.notAfter).toISOString()}`);
    }
    if (now < cert.validity.notBefore) {
      throw new TrustError("not-yet-valid", forName, `certificate ${showName(cert.name)} is not valid before ${new Date(cert.validity.notBefore).toISOString()}`);
    }
  }
}

/**
 * Retrieve certificates over NDN through a forwarder: an Interest for the key name with
 * CanBePrefix, retransmitted on timeout.
 */
export function fetchCertificateOverNdn(fw: Forwarder, { retx = 2, lifetime = 2000 } = {}): CertificateFetcher {
  // Our own face and timers: a fetch ends after its attempts, whatever the forwarder does with them.
  let face: ConsumerFace | undefined;
  return async (name) => {
    face ??= new ConsumerFace(fw, "cert-fetch");
    const data = await face.fetch(new Interest(name, Interest.CanBePrefix, Interest.Lifetime(lifetime)), 1 + retx);
    if (!data) {
      throw new Error(`no answer after ${1 + retx} Interests`);
    }
    return data;
  };
}

/** Certificates from a store (a repo keeps the certificates of its chains). */
export function certificatesFromStore(store: S.Find): CertificateFetcher {
  return async (name) => {
    const data = await store.find(new Interest(name, Interest.CanBePrefix));
    if (!data) {
      throw new Error(`certificate ${showName(name)} is not in the store`);
    }
    return data;
  };
}

/**
 * Certificates from a store, else from `fetch` (the network), keeping what is fetched in the store:
 * a repo then holds every certificate its chains need, and can be verified offline.
 */
export function certificatesKeptIn(store: S.Find & S.Insert, fetch: CertificateFetcher): CertificateFetcher {
  return async (name) => {
    const have = await store.find(new Interest(name, Interest.CanBePrefix));
    if (have) {
      return have;
    }
    const cert = await fetch(name);
    await store.insert(cert);
    return cert;
  };
}
