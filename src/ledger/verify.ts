import { CertNaming } from "@ndn/keychain";
import { type Data, ImplicitDigest, type Name } from "@ndn/packet";
import type { DataStore as S } from "@ndn/repo-api";
import { toHex } from "@ndn/util";

import { expectName, ledgerBlockName, ledgerPrefix, showName } from "../naming/mod.js";
import type { TrustVerifier } from "../trust/mod.js";
import { LedgerBlock } from "./block.js";
import { fullName, merkleRoot, sha256 } from "./digest.js";

/** Something wrong with a ledger, and where. */
export interface LedgerProblem {
  /** Height of the block concerned. */
  block: number;
  /** The reading concerned (its full name, as people read it), if any. */
  reading?: string;
  /** The same, as a name. */
  readingName?: Name;
  reason: string;
}

export interface VerifyLedgerOptions {
  /**
   * Called with each block's time before its signature is verified: a verifier whose clock follows
   * it checks certificates as of when the block was signed, so a ledger stays verifiable after its
   * certificates expire.
   */
  atBlockTime?: (ms: number) => void;
}

export interface LedgerReport {
  patient: string;
  blocks: number;
  readingsCommitted: number;
  problems: LedgerProblem[];
}

/**
 * Verify a patient's medical-devices ledger in a store: every block's signature under the trust
 * policy, contiguous heights, every hash link, the Merkle root, genesis bound to the gateway's
 * certificate, and every committed reading present with the digest committed.
 */
/** A store that can hand out a packet's stored TLV: digests are then checked without decoding. */
interface WireGet {
  getWire: (name: Name) => Promise<Uint8Array | undefined>;
}

export async function verifyLedger(store: S.Get & S.ListNames & Partial<WireGet>, hospital: string, pid: string, verifier: TrustVerifier,
    opts: VerifyLedgerOptions = {}): Promise<LedgerReport> {
  const prefix = ledgerPrefix(hospital, pid);
  const report: LedgerReport = { patient: showName(prefix.getPrefix(-1)), blocks: 0, readingsCommitted: 0, problems: [] };
  const problem = (block: number, reason: string, reading?: Name) =>
    report.problems.push({ block, reason, ...(reading ? { reading: showName(reading), readingName: reading } : {}) });

  let top = -1;
  for await (const name of store.listNames(prefix)) {
    top = Math.max(top, expectName(name, "ledger-block").height);
  }
  if (top < 0) {
    problem(0, "no blocks: the ledger is empty or missing");
    return report;
  }
  let prevFull: Name | undefined;
  for (let h = 0; h <= top; ++h) {
    // Fetched by name, as a consumer would: what the store answers for block h.
    let data: Data | undefined;
    try {
      data = await store.get(ledgerBlockName(hospital, pid, h));
    } catch (err: unknown) {
      problem(h, `the stored block is not a valid Data packet: ${(err as Error).message}`);
      prevFull = undefined;
      continue;
    }
    if (!data) {
      problem(h, "missing: heights must be contiguous");
      prevFull = undefined;
      continue;
    }
    ++report.blocks;
    if (!data.name.equals(ledgerBlockName(hospital, pid, h))) {
      problem(h, `the packet stored as block ${h} is ${showName(data.name)} (blocks moved or swapped)`);
    }
    const full = fullName(data);
    let block: LedgerBlock | undefined;
    try {
      block = LedgerBlock.fromContent(data.content);
    } catch (err: unknown) {
      problem(h, `content is not a ledger block: ${(err as Error).message}`);
    }
    if (block) {
      opts.atBlockTime?.(block.time);
    }
    try {
      await verifier.verify(data);
    } catch (err: unknown) {
      problem(h, `signature: ${(err as Error).message}`);
    }
    if (!block) {
      prevFull = full;
      continue;
    }
    if (block.height !== h) {
      problem(h, `the packet stored as block ${h} says it is block ${block.height} (blocks moved or swapped)`);
    }
    if (h === 0) {
      await checkGenesis(store, data, block, (reason) => problem(0, reason));
    } else if (!block.prev) {
      problem(h, "no link to the previous block");
    } else if (prevFull && !block.prev.equals(prevFull)) {
      problem(h, `hash link broken: block ${h - 1} has digest ${digestHex(prevFull)}, block ${h} links to ${digestHex(block.prev)}`);
    }
    if (toHex(merkleRoot(block.committed)) !== toHex(block.merkleRoot)) {
      problem(h, "Merkle root does not match the committed names");
    }
    for (const committed of block.committed) {
      ++report.readingsCommitted;
      const digest = await storedDigest(store, ImplicitDigest.strip(committed));
      if (digest === undefined) {
        problem(h, "committed reading missing from the store", committed);
      } else if (toHex(digest) !== toHex(ImplicitDigest.parse(committed.get(-1)!))) {
        problem(h, `reading altered: its digest is ${toHex(digest).slice(0, 16)}, committed ${digestHex(committed)}`, committed);
      }
    }
    prevFull = full;
  }
  return report;
}

/** The implicit digest of what a store holds under a name (SHA-256 of the stored TLV). */
async function storedDigest(store: S.Get & Partial<WireGet>, name: Name): Promise<Uint8Array | undefined> {
  if (store.getWire) {
    const wire = await store.getWire(name);
    return wire && sha256(wire);
  }
  let data: Data | undefined;
  try {
    data = await store.get(name);
  } catch {
    return new Uint8Array(32); // undecodable: matches no committed digest
  }
  return data && ImplicitDigest.parse(fullName(data).get(-1)!);
}

async function checkGenesis(store: S.Get, data: Data, block: LedgerBlock, problem: (reason: string) => void): Promise<void> {
  if (block.prev) {
    problem("genesis links to a previous block");
  }
  if (!block.patientCert) {
    problem("genesis is not bound to the patient's certificate");
    return;
  }
  const signer = data.sigInfo?.keyLocator?.name;
  if (!signer || !CertNaming.toKeyName(ImplicitDigest.strip(block.patientCert)).equals(CertNaming.toKeyName(signer))) {
    problem(`genesis is bound to ${showName(block.patientCert)}, but signed by ${signer ? showName(signer) : "no key"}`);
  }
  const cert = await store.get(ImplicitDigest.strip(block.patientCert));
  if (cert && !fullName(cert).equals(block.patientCert)) {
    problem("the stored patient certificate is not the one genesis is bound to");
  }
}

function digestHex(full: Name): string {
  const c = full.get(-1);
  return c && ImplicitDigest.match(c) ? toHex(ImplicitDigest.parse(c)).slice(0, 16) : "(none)";
}

/**
 * Replace readings a report found missing or altered with the originals from another replica,
 * fetched by full name (so only the exact original is accepted).
 * @returns the readings recovered.
 */
export async function recoverReadings(report: LedgerReport, store: S.Insert, fetch: (fullName: Name) => Promise<Data | undefined>): Promise<number> {
  let recovered = 0;
  for (const p of report.problems) {
    const want = p.readingName;
    if (!want) {
      continue;
    }
    const original = await fetch(want);
    if (original && fullName(original).equals(want)) {
      await store.insert(original);
      ++recovered;
    }
  }
  return recovered;
}
