import { consume } from "@ndn/endpoint";
import type { Forwarder } from "@ndn/fw";
import { Certificate, CertNaming, createVerifier } from "@ndn/keychain";
import { type Data, Interest, type Name, type Verifier } from "@ndn/packet";

import { showName } from "../naming/mod.js";
import { policyViolation } from "./policy.js";

/** Why a packet was not trusted. */
export type TrustFailure =
  | "no-key-locator"
  | "policy"
  | "bad-signature"
  | "expired"
  | "unknown-anchor"
  | "impostor-anchor"
  | "certificate-unavailable"
  | "malformed-certificate"
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
}

interface TrustedKey {
  cert: Certificate;
  verifier: Verifier;
}

/**
 * Chain verifier: follows KeyLocator from a packet to a pinned hospital anchor, checks the
 * name-based policy at every step, each certificate's validity and each signature, and caches the
 * certificates it has verified.
 */
export class TrustVerifier implements Verifier {
  private readonly anchors = new Map<string, TrustedKey>();
  private readonly anchorSubjects = new Set<string>();
  private readonly cache = new Map<string, TrustedKey>();
  private readonly pending = new Map<string, Promise<TrustedKey>>();
  private readonly fetchCertificate: CertificateFetcher;
  private readonly now: () => number;
  private readonly cacheCapacity: number;
  private readonly maxChainLength: number;
  private readonly ready: Promise<void>;

  constructor(opts: TrustVerifierOptions) {
    this.fetchCertificate = opts.fetchCertificate;
    this.now = opts.now ?? Date.now;
    this.cacheCapacity = opts.cacheCapacity ?? 1024;
    this.maxChainLength = opts.maxChainLength ?? 5;
    this.ready = this.pinAnchors(opts.anchors);
  }

  private async pinAnchors(anchors: readonly Certificate[]): Promise<void> {
    for (const cert of anchors) {
      if (!cert.isSelfSigned) {
        throw new Error(`trust anchor ${showName(cert.name)} is not self-signed`);
      }
      const keyName = CertNaming.toKeyName(cert.name);
      this.anchors.set(keyName.valueHex, { cert, verifier: await createVerifier(cert, { checkValidity: false }) });
      this.anchorSubjects.add(CertNaming.toSubjectName(cert.name).valueHex);
    }
  }

  /** Verify a packet; resolves if trusted, else throws {@link TrustError}. */
  async verify(pkt: Verifier.Verifiable & { readonly name: Name }): Promise<void> {
    await this.ready;
    await this.verifyAt(pkt, 0);
  }

  /** Certificates currently cached (anchors excluded). */
  get cachedCertificates(): number {
    return this.cache.size;
  }

  private async verifyAt(pkt: Verifier.Verifiable & { readonly name: Name }, depth: number): Promise<void> {
    const klName = pkt.sigInfo?.keyLocator?.name;
    if (!klName) {
      throw new TrustError("no-key-locator", pkt.name, "the signature names no key");
    }
    const violation = policyViolation(pkt.name, klName);
    if (violation !== undefined) {
      throw new TrustError("policy", pkt.name, violation);
    }
    const key = await this.trustedKey(klName, pkt.name, depth);
    try {
      await key.verifier.verify(pkt);
    } catch {
      throw new TrustError("bad-signature", pkt.name, `signature does not verify with ${showName(key.cert.name)}`);
    }
  }

  private async trustedKey(klName: Name, forName: Name, depth: number): Promise<TrustedKey> {
    const keyName = CertNaming.toKeyName(klName);
    const id = keyName.valueHex;
    const trusted = this.anchors.get(id) ?? this.cache.get(id);
    if (trusted) {
      this.checkValidity(trusted.cert, forName);
      if (this.cache.delete(id)) {
        this.cache.set(id, trusted); // most recently used goes last
      }
      return trusted;
    }
    if (depth >= this.maxChainLength) {
      throw new TrustError("chain-too-long", forName, `no anchor within ${this.maxChainLength} certificates`);
    }
    let job = this.pending.get(id);
    if (!job) {
      job = this.retrieve(klName, forName, depth).finally(() => this.pending.delete(id));
      this.pending.set(id, job);
    }
    return job;
  }

  private async retrieve(klName: Name, forName: Name, depth: number): Promise<TrustedKey> {
    let data: Data;
    try {
      data = await this.fetchCertificate(klName);
    } catch (err: unknown) {
      throw new TrustError("certificate-unavailable", forName, `cannot retrieve ${showName(klName)}: ${(err as Error).message}`);
    }
    let cert: Certificate;
    try {
      cert = Certificate.fromData(data);
    } catch (err: unknown) {
      throw new TrustError("malformed-certificate", forName, `${showName(data.name)}: ${(err as Error).message}`);
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
    try {
      await this.verifyAt(cert.data, depth + 1);
    } catch (err: unknown) {
      if (err instanceof TrustError) {
        throw new TrustError(err.failure, forName, `via certificate ${err.message}`);
      }
      throw err;
    }
    const trusted = { cert, verifier: await createVerifier(cert, { checkValidity: false }) };
    this.cache.set(CertNaming.toKeyName(cert.name).valueHex, trusted);
    if (this.cache.size > this.cacheCapacity) {
      this.cache.delete(this.cache.keys().next().value!);
    }
    return trusted;
  }

  private checkValidity(cert: Certificate, forName: Name): void {
    const now = this.now();
    if (!cert.validity.includes(now)) {
      const when = now > cert.validity.notAfter ? `expired ${new Date(cert.validity.notAfter).toISOString()}` :
        `not valid before ${new Date(cert.validity.notBefore).toISOString()}`;
      throw new TrustError("expired", forName, `certificate ${showName(cert.name)} ${when}`);
    }
  }
}

/**
 * Retrieve certificates over NDN through a forwarder: an Interest for the key name with
 * CanBePrefix, retransmitted on timeout.
 */
export function fetchCertificateOverNdn(fw: Forwarder, { retx = 2, lifetime = 2000 } = {}): CertificateFetcher {
  return (name) => consume(new Interest(name, Interest.CanBePrefix, Interest.Lifetime(lifetime)), { fw, retx, describe: "cert-fetch" });
}
