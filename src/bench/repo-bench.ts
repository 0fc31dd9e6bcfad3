import { sign as cryptoSign, verify as cryptoVerify } from "node:crypto";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { Data, Name } from "@ndn/packet";
import { Encoder } from "@ndn/tlv";
import { ClassicLevel } from "classic-level";

import { LedgerAppender, verifyLedger } from "../ledger/mod.js";
import { LevelStore } from "../repo/mod.js";
import { certificatesFromStore, syncCertificateVerifier, TrustVerifier } from "../trust/mod.js";
import { benchIdentities, benchReading } from "./bench-identities.js";
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
  const ids = await benchIdentities();
  const data: Data[] = [];
  for (let i = 0; i < readings; ++i) {
    data.push((await benchReading(ids, i)).data);
  }
  await using store = LevelStore.memory();
  await store.insert(ids.hospital.cert.data, ids.gateway.cert.data);
  let t = process.hrtime.bigint();
  {
    using appender = new LedgerAppender({ hospital: "h", pid: "p", identity: ids.gateway, store, everyReadings: 60, everyMs: 1e9 });
    for (const r of data) {
      appender.add(r);
    }
    await appender.flush();
  }
  const appendPerSecond = readings / secondsSince(t);

  const verifier = new TrustVerifier({ anchors: [ids.hospital.cert], fetchCertificate: certificatesFromStore(store), importVerifier: syncCertificateVerifier });
  t = process.hrtime.bigint();
  const report = await verifyLedger(store, "h", "p", verifier);
  const verifySeconds = secondsSince(t);
  if (report.problems.length > 0) {
    throw new Error(`benchmark ledger does not verify: ${report.problems[0]!.reason}`);
  }

  // Raw: node:crypto verification of as many ECDSA P-256 signatures over a reading's signed portion.
  const input = Encoder.encode(data[0]!);
  const sig = cryptoSign("sha256", input, ids.deviceKeys.privateKey);
  const rounds = Math.min(report.readingsCommitted, 5000);
  t = process.hrtime.bigint();
  for (let i = 0; i < rounds; ++i) {
    cryptoVerify("sha256", input, ids.deviceKeys.publicKey, sig);
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

/**
 * Disk octets per stored reading: signed readings committed to a ledger (a block every 60) in a
 * LevelDB repo, as a home repo keeps them, measured on disk after the repo is closed and reopened
 * (LevelDB then moves its log into a table); beside the octets of one reading's packet.
 */
export async function benchStorage(readings: number): Promise<Record<string, number>> {
  const ids = await benchIdentities();
  const dir = await mkdtemp(path.join(tmpdir(), "iomt-bench-storage-"));
  try {
    let wireOctets = 0;
    {
      await using store = await LevelStore.open(dir);
      using appender = new LedgerAppender({ hospital: "h", pid: "p", identity: ids.gateway, store, everyReadings: 60, everyMs: 1e9 });
      for (let i = 0; i < readings; ++i) {
        const { data } = await benchReading(ids, i);
        wireOctets += Encoder.encode(data).length;
        void appender.add(data);
      }
      await appender.flush();
    }
    await (await LevelStore.open(dir))[Symbol.asyncDispose]();
    const files = await readdir(dir);
    const sizes = await Promise.all(files.map(async (f) => (await stat(path.join(dir, f))).size));
    const diskOctets = sizes.reduce((a, b) => a + b, 0);
    return {
      readings,
      readingPacketOctets: Math.round(wireOctets / readings),
      bytesPerStoredReading: Math.round(diskOctets / readings),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
