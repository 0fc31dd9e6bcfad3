import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { consume } from "@ndn/endpoint";
import { Forwarder } from "@ndn/fw";
import { Data, ImplicitDigest, Interest, type Name, ValidityPeriod } from "@ndn/packet";
import { Decoder, Encoder } from "@ndn/tlv";
import { ClassicLevel } from "classic-level";
import { beforeEach, describe, expect, test } from "vitest";

import {
  fullName, LedgerAppender, LedgerBlock, LedgerReplicator, merkleRoot, recoverReadings, verifyLedger,
} from "../src/ledger/mod.js";
import { devicePrefix, hospitalPrefix, ledgerBlockName, ledgerPrefix, patientPrefix, readingName } from "../src/naming/mod.js";
import { PatientGateway } from "../src/gateway/mod.js";
import { LevelStore, RepoProducer } from "../src/repo/mod.js";
import { Reading } from "../src/sensors/mod.js";
import { certificatesFromStore, certifyKeyPair, deriveEcdsaKeyPair, type Identity, syncCertificateVerifier, TrustVerifier } from "../src/trust/mod.js";

const validity = new ValidityPeriod(Date.UTC(2026, 0, 1), Date.UTC(2036, 0, 1));
const make = (subject: Name, issuer: Identity | undefined, label: string) =>
  certifyKeyPair(subject, deriveEcdsaKeyPair(5, label), issuer, validity);

let dir: string;
let h: Identity;
let p1: Identity;
let p2: Identity;
let d1: Identity;

async function reading(seq: number): Promise<Data> {
  const data = new Data(readingName("h", "p1", "pulse-oximeter", "heart-rate", seq), Reading.create(Date.UTC(2026, 5, 1) + seq * 1000, [70 + seq]).toContent());
  await d1.signer.sign(data);
  return data;
}

/** A home repo with p1's ledger: genesis, then blocks of 3 readings; 7 readings make heights 0-3. */
async function buildLedger(): Promise<void> {
  await using store = await LevelStore.open(dir);
  await store.insert(h.cert.data, p1.cert.data, p2.cert.data, d1.cert.data);
  using appender = new LedgerAppender({ hospital: "h", pid: "p1", identity: p1, store, everyReadings: 3 });
  for (let i = 0; i < 7; ++i) {
    appender.add(await reading(i));
  }
  await appender.flush();
  expect(appender.blocks).toBe(4);
}

async function verify(): Promise<Awaited<ReturnType<typeof verifyLedger>>> {
  await using store = await LevelStore.open(dir);
  const verifier = new TrustVerifier({ anchors: [h.cert], fetchCertificate: certificatesFromStore(store), importVerifier: syncCertificateVerifier, now: () => Date.UTC(2026, 6, 1) });
  return await verifyLedger(store, "h", "p1", verifier);
}

/** Change the stored packets directly in LevelDB, as an attacker with disk access would. */
async function tamper(edit: (db: ClassicLevel<Uint8Array, Uint8Array>) => Promise<void>): Promise<void> {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: "view", valueEncoding: "view" });
  await db.open();
  await edit(db);
  await db.close();
}

const key = (name: Name) => name.value;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "iomt-ledger-"));
  h = await make(hospitalPrefix("h"), undefined, "h");
  p1 = await make(patientPrefix("h", "p1"), h, "p1");
  p2 = await make(patientPrefix("h", "p2"), h, "p2");
  d1 = await make(devicePrefix("h", "p1", "pulse-oximeter"), p1, "d1");
  await buildLedger();
});

describe("the medical-devices ledger", () => {
  test("an untouched chain verifies: 4 blocks, 7 readings", async () => {
    const r = await verify();
    expect(r).toMatchObject({ patient: "/h/patient/p1", blocks: 4, readingsCommitted: 7, problems: [] });
  });

  test("blocks link by full name, commit full names, and genesis names the gateway certificate", async () => {
    await using store = await LevelStore.open(dir);
    const b0 = LedgerBlock.fromContent((await store.get(ledgerBlockName("h", "p1", 0)))!.content);
    const b1data = (await store.get(ledgerBlockName("h", "p1", 1)))!;
    const b1 = LedgerBlock.fromContent(b1data.content);
    expect(b0.patientCert!.equals(fullName(p1.cert.data))).toBe(true);
    expect(b0.committed).toEqual([]);
    expect(b1.prev!.equals(fullName((await store.get(ledgerBlockName("h", "p1", 0)))!))).toBe(true);
    expect(b1.committed).toHaveLength(3);
    expect(ImplicitDigest.match(b1.committed[0]!.get(-1)!)).toBe(true);
    expect(Buffer.from(b1.merkleRoot)).toEqual(Buffer.from(merkleRoot(b1.committed)));
  });
});

describe("tampering is detected with the right reason", () => {
  test("one flipped byte in a stored reading", async () => {
    const victim = readingName("h", "p1", "pulse-oximeter", "heart-rate", 4);
    await tamper(async (db) => {
      const wire = Uint8Array.from((await db.get(key(victim)))!);
      wire[wire.length - 80]! ^= 0x01;
      await db.put(key(victim), wire);
    });
    const r = await verify();
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ block: 2, reason: expect.stringMatching(/reading altered: its digest is \w+, committed \w+/) });
    expect(r.problems[0]!.reading).toMatch(/heart-rate\/seq=4\/sha256digest=/);
  });

  test("one flipped byte in a block's content", async () => {
    const victim = ledgerBlockName("h", "p1", 2);
    await tamper(async (db) => {
      const data = new Data(new Decoder((await db.get(key(victim)))!).decode(Data));
      const content = Uint8Array.from(data.content);
      content[content.length - 1]! ^= 0x01; // inside the Merkle root
      const wire = Encoder.encode(data);
      const i = Buffer.from(wire).indexOf(Buffer.from(data.content));
      wire.set(content, i);
      await db.put(key(victim), wire);
    });
    const r = await verify();
    expect(r.problems.find((p) => p.block === 2)?.reason).toMatch(/signature: .*bad-signature/);
    expect(r.problems.find((p) => p.block === 3)?.reason).toMatch(/hash link broken: block 2 has digest/);
  });

  test("a removed block", async () => {
    await tamper((db) => db.del(key(ledgerBlockName("h", "p1", 1))));
    const r = await verify();
    expect(r.problems).toEqual([{ block: 1, reason: "missing: heights must be contiguous" }]);
  });

  test("two blocks swapped", async () => {
    await tamper(async (db) => {
      const [a, b] = [key(ledgerBlockName("h", "p1", 1)), key(ledgerBlockName("h", "p1", 2))];
      const [wa, wb] = [await db.get(a), await db.get(b)];
      await db.batch([{ type: "put", key: a, value: wb! }, { type: "put", key: b, value: wa! }]);
    });
    const r = await verify();
    expect(new Set(r.problems.filter((p) => /blocks moved or swapped/.test(p.reason)).map((p) => p.block))).toEqual(new Set([1, 2]));
    expect(r.problems.some((p) => /hash link broken/.test(p.reason))).toBe(true);
  });

  test("a block re-signed by a device key", async () => {
    await resign(2, d1);
    const r = await verify();
    expect(r.problems.find((p) => p.block === 2)?.reason).toMatch(/policy.*device pulse-oximeter of patient h\/p1 may not sign \/h\/patient\/p1\/ledger\/seq=2/);
  });

  test("a block signed by another patient's gateway", async () => {
    await resign(2, p2);
    const r = await verify();
    expect(r.problems.find((p) => p.block === 2)?.reason).toMatch(/policy.*gateway of patient h\/p2 may not sign \/h\/patient\/p1\/ledger/);
  });
});

/** Re-sign a stored block with another key (its content unchanged). */
async function resign(height: number, by: Identity): Promise<void> {
  const victim = ledgerBlockName("h", "p1", height);
  await tamper(async (db) => {
    const data = new Decoder((await db.get(key(victim)))!).decode(Data);
    const forged = new Data(data.name, data.content, Data.FreshnessPeriod(data.freshnessPeriod));
    await by.signer.sign(forged);
    await db.put(key(victim), Encoder.encode(forged));
  });
}

test("a tampered reading is recovered from another replica, by its full name", async () => {
  const replicaDir = await mkdtemp(path.join(tmpdir(), "iomt-replica-"));
  {
    await using home = await LevelStore.open(dir);
    await using replica = await LevelStore.open(replicaDir);
    await replica.insert(home.listData());
  }
  const victim = readingName("h", "p1", "pulse-oximeter", "heart-rate", 1);
  await tamper(async (db) => {
    const wire = Uint8Array.from((await db.get(key(victim)))!);
    wire[wire.length - 5]! ^= 0xFF;
    await db.put(key(victim), wire);
  });
  const before = await verify();
  expect(before.problems).toHaveLength(1);
  {
    await using home = await LevelStore.open(dir);
    await using replica = await LevelStore.open(replicaDir);
    expect(await recoverReadings(before, home, (name) => replica.get(ImplicitDigest.strip(name)))).toBe(1);
  }
  expect((await verify()).problems).toEqual([]);
});


test("a home gateway restarted on its repo goes on with the same chain and the next sequence numbers, and serves older readings from the repo", async () => {
  dir = await mkdtemp(path.join(tmpdir(), "iomt-gateway-")); // not the ledger beforeEach built
  const store = await LevelStore.open(dir);
  await store.insert(h.cert.data, p1.cert.data, d1.cert.data);
  const devices = new Map([["pulse-oximeter", ["heart-rate" as const]]]);
  const signed = async (seq: number) => {
    const data = await reading(seq);
    return { data, did: "pulse-oximeter", stream: "heart-rate" as const, seq, reading: Reading.fromContent(data.content) };
  };
  const fw = Forwarder.create();
  {
    using before = await PatientGateway.open({ fw, hospital: "h", pid: "p1", devices, identity: p1, store, ledger: { everyReadings: 3 } });
    for (let i = 0; i < 7; ++i) {
      await before.take(await signed(i));
    }
    // A crash here: reading 6 is stored, not yet committed.
  }
  const after = await PatientGateway.open({ fw, hospital: "h", pid: "p1", devices, identity: p1, store, ledger: { everyReadings: 3 } });
  expect(after.nextSeqs.get("pulse-oximeter/heart-rate")).toBe(7);
  expect(after.appender.blocks).toBe(3); // genesis and two blocks of 3
  for (let i = 7; i < 9; ++i) {
    await after.take(await signed(i));
  }
  await after.appender.flush();
  expect(after.appender.blocks).toBe(4); // 6, 7 and 8 in the fourth
  // A reading from before the restart, not in the new run's buffer: from the repo.
  const old = await consume(new Interest(readingName("h", "p1", "pulse-oximeter", "heart-rate", 2), Interest.Lifetime(500)), { fw, retx: 0 });
  expect([...old.content]).toEqual([...(await reading(2)).content]);
  after[Symbol.dispose]();
  fw.close();
  await store[Symbol.asyncDispose]();
  expect((await verify()).problems).toEqual([]);
});

test("a hospital replica stopped while fetching a block's readings stores no partial block, and takes it up whole after a restart", async () => {
  const replicaDir = await mkdtemp(path.join(tmpdir(), "iomt-replica-"));
  await using home = await LevelStore.open(dir);
  await using replica = await LevelStore.open(replicaDir);
  await replica.insert(h.cert.data, p1.cert.data, d1.cert.data);
  const fw = Forwarder.create();
  using _blocks = new RepoProducer(fw, home, [ledgerPrefix("h", "p1")]);
  const verifier = new TrustVerifier({ anchors: [h.cert], fetchCertificate: certificatesFromStore(replica), importVerifier: syncCertificateVerifier, now: () => Date.UTC(2026, 6, 1) });
  const replicate = () => new LedgerReplicator({ fw, hospital: "h", patients: ["p1"], store: replica, verifier });

  // The readings are unreachable: the first block with readings waits on them when the hospital stops.
  const first = replicate();
  await expect.poll(() => first.perPatient.get("p1")!.blocks, { timeout: 5000 }).toBe(1); // genesis commits none
  await new Promise((r) => setTimeout(r, 100));
  await first.stop();
  expect(first.perPatient.get("p1")).toMatchObject({ blocks: 1, missingReadings: 0 });
  expect(await replica.get(ledgerBlockName("h", "p1", 1))).toBeUndefined();

  // Back up, with the readings served: every block, whole.
  using _readings = new RepoProducer(fw, home, [devicePrefix("h", "p1", "pulse-oximeter")]);
  const second = replicate();
  await expect.poll(() => second.perPatient.get("p1")!.blocks, { timeout: 5000 }).toBe(4);
  await second.stop();
  expect(second.perPatient.get("p1")).toMatchObject({ readingsCommitted: 7, missingReadings: 0 });
  fw.close();
  expect((await verifyLedger(replica, "h", "p1", verifier)).problems).toEqual([]);
});
