import { verify as cryptoVerify } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { Data, Name, ValidityPeriod } from "@ndn/packet";
import { Encoder } from "@ndn/tlv";
import { ClassicLevel } from "classic-level";

import { LedgerAppender, verifyLedger } from "../ledger/mod.js";
import { devicePrefix, hospitalPrefix, patientPrefix, readingName } from "../naming/mod.js";
import { LevelStore } from "../repo/mod.js";
import { Reading } from "../sensors/mod.js";
import { certificatesFromStore, certifyKeyPair, deriveEcdsaKeyPair, signEcdsaFixedLength, syncCertificateVerifier, TrustVerifier } from "../trust/mod.js";
import { round2, secondsSince } from "./measure.js";


/**
 * Repo inserts and finds against raw classic-level puts and gets of the same bytes, same run; each
 * measured twice, alternating, keeping the better of the two (disk and GC noise).
 */
export async function benchRepo(n: number): Promise<Record<string, number>> {
  const first = await benchRepoOnce(n);
  const second = await benchRepoOnce(n);
  const best = (k: string) => Math.max(first[k]!, second[k]!);
  const r = {
    insertsPerSecond: best("insertsPerSecond"), rawPutsPerSecond: best("rawPutsPerSecond"),
    findsPerSecond: best("findsPerSecond"), rawGetsPerSecond: best("rawGetsPerSecond"),
  };
  return {
    ...r,
    repoInsertVsRawLevel: round2(r.insertsPerSecond / r.rawPutsPerSecond),
    repoFindVsRawGet: round2(r.findsPerSecond / r.rawGetsPerSecond),
  };
}

async function benchRepoOnce(n: number): Promise<Record<string, number>> {
  const dir = await mkdtemp(path.join(tmpdir(), "iomt-bench-repo-"));
  const packets = Array.from({ length: n }, (_, i) => new Data(new Name(`/bench/repo/${i}`), new Uint8Array(250).fill(i % 251)));
  const wires = packets.map((d) => ({ key: d.name.value, value: Encoder.encode(d) }));
  const batch = 100;
  try {
    const raw = new ClassicLevel<Uint8Array, Uint8Array>(path.join(dir, "raw"), { keyEncoding: "view", valueEncoding: "view" });
    await raw.open();
    let t = process.hrtime.bigint();
    for (let i = 0; i < n; i += batch) {
      await raw.batch(wires.slice(i, i + batch).map((w) => ({ type: "put" as const, ...w })));
    }
    const rawPuts = n / secondsSince(t);
    t = process.hrtime.bigint();
    for (const w of wires) {
      await raw.get(w.key);
    }
    const rawGets = n / secondsSince(t);
    await raw.close();

    await using store = await LevelStore.open(path.join(dir, "repo"));
    t = process.hrtime.bigint();
    for (let i = 0; i < n; i += batch) {
      await store.insert(packets.slice(i, i + batch));
    }
    const inserts = n / secondsSince(t);
    t = process.hrtime.bigint();
    for (const d of packets) {
      await store.get(d.name);
    }
    const finds = n / secondsSince(t);
    return {
      insertsPerSecond: Math.round(inserts), rawPutsPerSecond: Math.round(rawPuts),
      findsPerSecond: Math.round(finds), rawGetsPerSecond: Math.round(rawGets),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Ledger append (readings committed/s) and verification (blocks/s, readings/s) against raw signature verification. */
export async function benchLedger(readings: number): Promise<Record<string, number>> {
  const validity = new ValidityPeriod(Date.UTC(2026, 0, 1), Date.UTC(2036, 0, 1));
  const h = await certifyKeyPair(hospitalPrefix("h"), deriveEcdsaKeyPair(1, "h"), undefined, validity);
  const g = await certifyKeyPair(patientPrefix("h", "p"), deriveEcdsaKeyPair(1, "g"), h, validity);
  const d = await certifyKeyPair(devicePrefix("h", "p", "d"), deriveEcdsaKeyPair(1, "d"), g, validity);
  const data: Data[] = [];
  for (let i = 0; i < readings; ++i) {
    const r = new Data(readingName("h", "p", "d", "heart-rate", i), Reading.create(Date.UTC(2026, 1, 1) + i * 1000, [70]).toContent());
    await d.signer.sign(r);
    data.push(r);
  }
  await using store = LevelStore.memory();
  await store.insert(h.cert.data, g.cert.data);
  let t = process.hrtime.bigint();
  {
    using appender = new LedgerAppender({ hospital: "h", pid: "p", identity: g, store, everyReadings: 60, everyMs: 1e9 });
    for (const r of data) {
      appender.add(r);
    }
    await appender.flush();
  }
  const appendPerSecond = readings / secondsSince(t);

  const verifier = new TrustVerifier({ anchors: [h.cert], fetchCertificate: certificatesFromStore(store), importVerifier: syncCertificateVerifier });
  t = process.hrtime.bigint();
  const report = await verifyLedger(store, "h", "p", verifier);
  const verifySeconds = secondsSince(t);
  if (report.problems.length > 0) {
    throw new Error(`benchmark ledger does not verify: ${report.problems[0]!.reason}`);
  }

  // Raw: node:crypto verification of as many ECDSA P-256 signatures over 300 octets.
  const keys = deriveEcdsaKeyPair(1, "raw");
  const input = new Uint8Array(300);
  const sig = signEcdsaFixedLength(keys.privateKey, input);
  const rounds = Math.min(report.readingsCommitted, 5000);
  t = process.hrtime.bigint();
  for (let i = 0; i < rounds; ++i) {
    cryptoVerify("sha256", input, keys.publicKey, sig);
  }
  const rawVerifyPerSecond = rounds / secondsSince(t);
  const readingsPerSecond = report.readingsCommitted / verifySeconds;
  return {
    appendReadingsPerSecond: Math.round(appendPerSecond),
    verifyBlocksPerSecond: Math.round(report.blocks / verifySeconds),
    verifyReadingsPerSecond: Math.round(readingsPerSecond),
    rawVerifyPerSecond: Math.round(rawVerifyPerSecond),
    // A ledger vouches for each reading: checking it through the ledger against checking its own signature.
    ledgerVerifyVsRawVerify: round2(readingsPerSecond / rawVerifyPerSecond),
  };
}

