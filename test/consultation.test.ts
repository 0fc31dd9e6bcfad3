import { Data, type Name, ValidityPeriod } from "@ndn/packet";
import { Encoder } from "@ndn/tlv";
import { beforeAll, describe, expect, test, vi } from "vitest";

import {
  type AddResult, ConsultationBlock, ConsultationChain, ConsultationDag, ConsultationRecord, MAX_CONTENT, MAX_EVIDENCE_REFS, RecordKind, recordToFhir, writeRecord,
} from "../src/consultation/mod.js";
import { fullName } from "../src/ledger/mod.js";
import { consultationBlockName, hospitalPrefix, patientPrefix, showName, staffPrefix } from "../src/naming/mod.js";
import { certifyKeyPair, deriveEcdsaKeyPair, type Identity, syncCertificateVerifier, TrustVerifier } from "../src/trust/mod.js";
import { Random } from "../src/util/random.js";

const HOSPITALS = ["h1", "h2", "h3", "h4"];
const validity = new ValidityPeriod(Date.UTC(2026, 0, 1), Date.UTC(2036, 0, 1));
const anchors = new Map<string, Identity>();
const ledgerIds = new Map<string, Identity>();
const doctors = new Map<string, Identity>();
const certs = new Map<string, Data>();

beforeAll(async () => {
  for (const h of HOSPITALS) {
    const a = await certifyKeyPair(hospitalPrefix(h), deriveEcdsaKeyPair(9, h), undefined, validity);
    anchors.set(h, a);
    ledgerIds.set(h, await certifyKeyPair(staffPrefix(h, "registrar"), deriveEcdsaKeyPair(9, `${h}/registrar`), a, validity));
    doctors.set(h, await certifyKeyPair(staffPrefix(h, "dr"), deriveEcdsaKeyPair(9, `${h}/dr`), a, validity));
    for (const id of [ledgerIds.get(h)!, doctors.get(h)!]) {
      certs.set(id.cert.name.valueHex, id.cert.data);
    }
  }
});

/** One hospital: its DAG, its chain, and a verifier that pins every consortium member's anchor. */
class Hospital {
  readonly dag = new ConsultationDag("c", HOSPITALS);
  readonly chain: ConsultationChain;
  readonly verifier = new TrustVerifier({
    anchors: [...anchors.values()].map((a) => a.cert),
    importVerifier: syncCertificateVerifier,
    fetchCertificate: async (name: Name) => [...certs.values()].find((c) => name.isPrefixOf(c.name))!,
  });
  private seq = 0;
  readonly rejected: string[] = [];

  constructor(readonly name: string) {
    this.chain = new ConsultationChain(name, this.dag, ledgerIds.get(name)!);
  }

  async write(n: number): Promise<Data[]> {
    const records = [];
    for (let i = 0; i < n; ++i) {
      records.push(await writeRecord(doctors.get(this.name)!, "c", this.seq++, {
        kind: RecordKind.Note, patient: patientPrefix(this.name, "p1"), text: `${this.name} note ${this.seq}`,
      }, Date.UTC(2026, 3, 1)));
    }
    return this.chain.commit(records, Date.UTC(2026, 3, 1));
  }

  async receive(block: Data): Promise<AddResult | undefined> {
    try {
      await this.verifier.verify(block);
    } catch (err: unknown) {
      this.rejected.push((err as Error).message);
      return undefined;
    }
    const r = this.dag.add(block);
    if (r.status === "rejected" || r.status === "equivocation") {
      this.rejected.push(r.reason);
    }
    return r;
  }

  /** Receive a block as a replica does: the parents it waits for are fetched from the DAG of the hospital that sent it. */
  async receiveFrom(from: Hospital, block: Data): Promise<void> {
    const todo = [block];
    while (todo.length > 0) {
      const r = await this.receive(todo.pop()!);
      if (r?.status === "pending") {
        todo.push(...r.missing.map((n) => from.dag.get(n)!));
      }
    }
  }

  order(): string[] {
    return this.dag.confirmed().map((b) => showName(b.fullName));
  }
}

/** A block of h4's at `height` on `prev`, with one record: a Byzantine h4 signs two for some heights (or one with no `prev`: a broken link). */
async function h4Block(height: number, prev: Name | undefined, time: number): Promise<Data> {
  const block = new ConsultationBlock();
  block.height = height;
  block.prev = prev;
  block.time = time;
  block.recordWires = [Encoder.encode(await writeRecord(doctors.get("h4")!, "c", time, { kind: RecordKind.Note, patient: patientPrefix("h4", "p1"), text: "twice" }, time))];
  const data = new Data(consultationBlockName("c", "h4", height), block.toContent());
  await ledgerIds.get("h4")!.signer.sign(data);
  return data;
}

/** Rounds of: every hospital writes and commits, then every block reaches every other hospital, in a seeded random order. */
async function run(hospitals: Hospital[], rounds: number, seed = 1, deliver?: (from: Hospital, to: Hospital, block: Data) => boolean) {
  const r = new Random(seed);
  for (let round = 0; round < rounds; ++round) {
    const sent: Array<[Hospital, Data]> = [];
    for (const h of hospitals) {
      for (const b of await h.write(1 + Math.floor(r.next() * 3))) {
        sent.push([h, b]);
      }
    }
    for (const to of hospitals) {
      const mine = sent.filter(([from]) => from !== to);
      for (let i = mine.length - 1; i > 0; --i) {
        const j = Math.floor(r.next() * (i + 1));
        [mine[i], mine[j]] = [mine[j]!, mine[i]!];
      }
      for (const [from, b] of mine) {
        if (!deliver || deliver(from, to, b)) {
          await to.receive(b);
        }
      }
    }
  }
}

describe("consultation records", () => {
  test("a record is signed by its author and exports to the matching FHIR resource", async () => {
    const data = await writeRecord(doctors.get("h1")!, "c", 0, {
      kind: RecordKind.Diagnosis, patient: patientPrefix("h1", "alice"), text: "Sepsis", code: "http://snomed.info/sct|91302008",
    }, Date.UTC(2026, 3, 1));
    expect(showName(data.name)).toBe("/c/consultation/h1/record/dr/seq=0");
    await new Hospital("h2").verifier.verify(data);
    const fhir = recordToFhir(data.name, ConsultationRecord.fromContent(data.content));
    expect(fhir).toMatchObject({
      resourceType: "Condition", code: { coding: [{ system: "http://snomed.info/sct", code: "91302008" }], text: "Sepsis" },
      subject: { identifier: { value: "/h1/patient/alice" } }, recordedDate: "2026-04-01T00:00:00.000Z",
    });
    for (const [kind, type] of [[RecordKind.Prescription, "MedicationRequest"], [RecordKind.Referral, "ServiceRequest"], [RecordKind.Note, "Communication"]] as const) {
      const r = await writeRecord(doctors.get("h1")!, "c", 1, { kind, patient: patientPrefix("h1", "alice"), text: "x" });
      expect(recordToFhir(r.name, ConsultationRecord.fromContent(r.content)).resourceType).toBe(type);
    }
  });
});

describe("the consultation DAG", () => {
  test("four honest hospitals converge on the same confirmed order", async () => {
    const hs = HOSPITALS.map((h) => new Hospital(h));
    await run(hs, 6);
    const orders = hs.map((h) => h.order());
    for (const o of orders) {
      expect(o).toEqual(orders[0]);
    }
    expect(orders[0]!.length).toBeGreaterThan(12);
    // The newest blocks are not confirmed yet: too few hospitals have referenced them.
    expect(hs[0]!.dag.blocks.length).toBeGreaterThan(orders[0]!.length);
    for (const h of hs) {
      expect(h.rejected).toEqual([]);
      expect(h.dag.pendingCount).toBe(0);
    }
    // Every confirmed block carries records signed by its hospital's doctor.
    const first = hs[0]!.dag.confirmed()[0]!;
    expect(first.block.records.length).toBeGreaterThan(0);
  });

  test("blocks arriving before their parents wait, then join", async () => {
    const [a, b] = [new Hospital("h1"), new Hospital("h2")];
    const blocks = [...await a.write(1), ...await a.write(1), ...await a.write(1)];
    const [block2, block1, block0] = blocks.reverse() as [Data, Data, Data];
    expect(b.dag.add(block2)).toMatchObject({ status: "pending", released: [] });
    expect(b.dag.add(block1)).toMatchObject({ status: "pending", released: [] });
    // The parent joins, and the blocks that waited for it join after it, each reported once.
    const r = b.dag.add(block0);
    expect(r.status).toBe("accepted");
    expect(r.released).toEqual([block1, block2]);
    expect(b.dag.pendingCount).toBe(0);
    expect(b.dag.blocks.map((x) => x.height)).toEqual([0, 1, 2]);
  });

  test("an equivocating hospital is detected with its evidence and never confirmed; the honest ones still confirm", async () => {
    const hs = HOSPITALS.map((h) => new Hospital(h));
    await run(hs, 2);
    // h4 signs two different blocks for height 2 and shows each to different hospitals.
    const prev = hs[3]!.dag.newest("h4")!.fullName;
    const a = await h4Block(2, prev, Date.UTC(2026, 3, 2));
    const b = await h4Block(2, prev, Date.UTC(2026, 3, 3));
    expect(fullName(a).equals(fullName(b))).toBe(false);
    await hs[0]!.receive(a);
    await hs[1]!.receive(a);
    await hs[2]!.receive(b);
    // The honest hospitals go on; they gossip what they saw, so each meets both versions.
    const honest = hs.slice(0, 3);
    for (let round = 0; round < 4; ++round) {
      const sent: Data[] = [];
      for (const h of honest) {
        sent.push(...await h.write(1));
      }
      for (const h of honest) {
        for (const blk of [...sent, a, b]) {
          await h.receive(blk);
        }
      }
    }
    for (const h of honest) {
      expect(h.dag.equivocations).toHaveLength(1);
      expect(h.dag.equivocations[0]).toMatchObject({ hospital: "h4", height: 2 });
      expect(h.dag.equivocations[0]!.blocks.sort()).toEqual([showName(fullName(a)), showName(fullName(b))].sort());
      const confirmed = h.dag.confirmed();
      expect(confirmed.some((x) => x.hospital === "h4" && x.height >= 2)).toBe(false);
      expect(confirmed.filter((x) => x.hospital !== "h4").length).toBeGreaterThan(6);
    }
    expect(honest.map((h) => h.order()).every((o) => JSON.stringify(o) === JSON.stringify(honest[0]!.order()))).toBe(true);
    // A last round of references only: then no block of records waits for an honest hospital's
    // reference, the version of h4's block it never referenced included. The ledger falls quiet.
    const last: Data[] = [];
    for (const h of honest) {
      last.push(...await h.write(0));
    }
    for (const h of honest) {
      for (const blk of last) {
        await h.receive(blk);
      }
      expect(h.dag.awaitsReferenceFrom(h.name)).toBe(false);
    }
  });

  test("a block on another version of its hospital's previous block waits for that version; with it, the fork is an equivocation, and what waited joins", async () => {
    const hs = HOSPITALS.map((h) => new Hospital(h));
    await run(hs, 2);
    const [h1, h3] = [hs[0]!, hs[2]!];
    // h4 forks at height 2: h1 is shown a, h3 is shown b and b's successor c.
    const prev = hs[3]!.dag.newest("h4")!.fullName;
    const a = await h4Block(2, prev, Date.UTC(2026, 3, 2));
    const b = await h4Block(2, prev, Date.UTC(2026, 3, 3));
    const c = await h4Block(3, fullName(b), Date.UTC(2026, 3, 4));
    await h1.receive(a);
    await h3.receive(b);
    await h3.receive(c);
    const [fromH3] = await h3.write(1) as [Data]; // references c
    // h1 meets the fork through h3's block, which waits for c; c waits for b.
    const waitsFor = (r: AddResult) => (r.status === "pending" ? r.missing.map(showName) : r.status);
    expect(waitsFor(h1.dag.add(fromH3))).toEqual([showName(fullName(c))]);
    expect(waitsFor(h1.dag.add(c))).toEqual([showName(fullName(b))]);
    expect(h1.dag.equivocations).toEqual([]); // not without b in hand
    // b, fetched as c's parent: the equivocation, with both versions; the blocks that waited join.
    expect(h1.dag.add(b)).toMatchObject({ status: "equivocation", released: [c, fromH3] });
    expect(h1.dag.equivocations).toEqual([{ hospital: "h4", height: 2, blocks: [showName(fullName(a)), showName(fullName(b))] }]);
    expect(h1.dag.pendingCount).toBe(0);
    expect(h1.dag.confirmed().some((x) => x.hospital === "h4" && x.height >= 2)).toBe(false);
  });

  test("a block linking to a rejected block is rejected at once, and so are the blocks that waited for it; each is recorded once", async () => {
    const hs = HOSPITALS.map((h) => new Hospital(h));
    await run(hs, 1);
    const h1 = hs[0]!;
    // h4's block 2 has no link to block 1: a broken link. Blocks 3 and 4 are built on it.
    const broken = await h4Block(2, undefined, Date.UTC(2026, 3, 2));
    const on = await h4Block(3, fullName(broken), Date.UTC(2026, 3, 3));
    const onOn = await h4Block(4, fullName(on), Date.UTC(2026, 3, 4));
    expect(h1.dag.add(onOn).status).toBe("pending");
    expect(h1.dag.add(on).status).toBe("pending");
    expect(h1.dag.add(broken)).toMatchObject({ status: "rejected", released: [] });
    expect(h1.dag.pendingCount).toBe(0);
    const links = () => h1.dag.brokenLinks.map((b) => [b.block, b.reason]);
    expect(links()).toEqual([
      [showName(fullName(broken)), "block 2 has no link to block 1"],
      [showName(fullName(on)), `links to ${showName(fullName(broken))}, which was rejected`],
      [showName(fullName(onOn)), `links to ${showName(fullName(on))}, which was rejected`],
    ]);
    // Added again, or linked to by a block that comes later: rejected at once, recorded no more.
    const another = await h4Block(3, fullName(broken), Date.UTC(2026, 3, 5));
    expect(h1.dag.add(broken)).toMatchObject({ status: "rejected", reason: "broken link: block 2 has no link to block 1" });
    expect(h1.dag.add(on)).toMatchObject({ status: "rejected", reason: `broken link: links to ${showName(fullName(broken))}, which was rejected` });
    expect(h1.dag.add(another).status).toBe("rejected");
    expect(links()).toHaveLength(4);
    expect(links()[3]![0]).toBe(showName(fullName(another)));
    expect(h1.dag.pendingCount).toBe(0);
  });

  test("a hospital that alone meets a fork's other version references it in its next block, and the others record the equivocation too", async () => {
    const hs = HOSPITALS.map((h) => new Hospital(h));
    await run(hs, 2);
    const [h1, h2, h3] = hs as [Hospital, Hospital, Hospital];
    const honest = [h1, h2, h3];
    // A round of references only: then no block of records awaits anyone's reference.
    const quiet: Data[] = [];
    for (const h of hs) {
      quiet.push(...await h.write(0));
    }
    for (const h of hs) {
      for (const blk of quiet) {
        await h.receive(blk);
      }
    }
    expect(h1.dag.awaitsReferenceFrom("h1")).toBe(false);
    // h4 forks its chain: every honest hospital is shown a; only h1 is handed b too.
    const prev = hs[3]!.dag.newest("h4")!;
    const a = await h4Block(prev.height + 1, prev.fullName, Date.UTC(2026, 3, 2));
    const b = await h4Block(prev.height + 1, prev.fullName, Date.UTC(2026, 3, 3));
    for (const h of honest) {
      await h.receive(a);
    }
    await h1.receive(b);
    expect(honest.map((h) => h.dag.equivocations.length)).toEqual([1, 0, 0]);
    // The evidence awaits h1's reference even when no block of records does: a quiet ledger spreads it too.
    expect(h1.dag.awaitsReferenceFrom("h1")).toBe(true);
    const [next] = await h1.write(0) as [Data];
    expect(ConsultationBlock.fromContent(next.content).refs.map(showName)).toContain(showName(fullName(b)));
    expect(h1.dag.awaitsReferenceFrom("h1")).toBe(false);
    // h2 and h3 fetch b as a parent of h1's block, and record the same equivocation.
    for (const h of [h2, h3]) {
      await h.receiveFrom(h1, next);
      expect(h.dag.equivocations).toEqual(h1.dag.equivocations);
      expect(h.dag.pendingCount).toBe(0);
    }
    // So they count the same votes, and confirm the same blocks in the same order.
    for (let round = 0; round < 3; ++round) {
      const sent: Array<[Hospital, Data]> = [];
      for (const h of honest) {
        sent.push(...(await h.write(1)).map((blk): [Hospital, Data] => [h, blk]));
      }
      for (const to of honest) {
        for (const [from, blk] of sent) {
          await to.receiveFrom(from, blk);
        }
      }
    }
    expect(h1.order().length).toBeGreaterThan(12);
    expect(h2.order()).toEqual(h1.order());
    expect(h3.order()).toEqual(h1.order());
  });

  test("a forged signature and a broken link are rejected, and the rest goes on", async () => {
    const hs = HOSPITALS.map((h) => new Hospital(h));
    await run(hs, 2);
    const [h1, h2] = [hs[0]!, hs[1]!];
    const next = await h2.write(1);
    // Forged: h2's block signed by h1's doctor.
    const forged = new Data(next[0]!.name, next[0]!.content);
    await doctors.get("h1")!.signer.sign(forged);
    await h1.receive(forged);
    expect(h1.rejected.at(-1)).toMatch(/policy/);
    // Broken link: a block whose Prev is h2's real block, at the wrong height.
    const broken = ConsultationBlock.fromContent(next[0]!.content);
    broken.height = 4;
    const data = new Data(consultationBlockName("c", "h2", 4), broken.toContent());
    await ledgerIds.get("h2")!.signer.sign(data);
    await h1.receive(data);
    expect(h1.rejected.at(-1)).toMatch(/broken link: links to .*, which is not h2's block 3/);
    const before = h1.rejected.length;
    await h1.receive(next[0]!);
    expect(h1.rejected.length).toBe(before);
    expect(h1.dag.newest("h2")!.height).toBe(2);
  });

  test("a block that joins re-reads only the blocks that waited for it, not every waiting block", async () => {
    const [h2, h3] = [new Hospital("h2"), new Hospital("h3")];
    const chain: Data[] = [];
    for (let i = 0; i < 21; ++i) {
      chain.push(...await h2.write(1));
    }
    const [other] = await h3.write(1) as [Data];
    const dag = new ConsultationDag("c", HOSPITALS);
    for (const b of chain.slice(1)) {
      expect(dag.add(b).status).toBe("pending"); // each waits for the one before
    }
    const reads = vi.spyOn(ConsultationBlock, "fromContent");
    try {
      // An unrelated block: read once, itself; the 20 waiting blocks are not touched.
      expect(dag.add(other)).toMatchObject({ status: "accepted", released: [] });
      expect(reads).toHaveBeenCalledTimes(1);
      // The first block of the chain: each waiting block is read once more, as it joins.
      expect(dag.add(chain[0]!).released).toEqual(chain.slice(1));
      expect(reads).toHaveBeenCalledTimes(1 + 21);
    } finally {
      reads.mockRestore();
    }
  });

  test("the DAG remembers at most maxRejected rejected and maxWaiting waiting blocks, the oldest dropped first", async () => {
    const dag = new ConsultationDag("c", HOSPITALS, { maxRejected: 2, maxWaiting: 2 });
    // Four broken links (no link to the previous block): only the newest two are remembered.
    const broken: Data[] = [];
    for (let height = 1; height <= 4; ++height) {
      broken.push(await h4Block(height, undefined, Date.UTC(2026, 3, 2) + height));
      expect(dag.add(broken.at(-1)!).status).toBe("rejected");
    }
    expect(dag.brokenLinks.map((b) => b.block)).toEqual(broken.slice(2).map((b) => showName(fullName(b))));
    // A block on a remembered rejection is rejected at once; one on a forgotten one waits for it.
    expect(dag.add(await h4Block(5, fullName(broken[3]!), Date.UTC(2026, 3, 3))).status).toBe("rejected");
    expect(dag.add(await h4Block(2, fullName(broken[0]!), Date.UTC(2026, 3, 3))).status).toBe("pending");
    // Three blocks waiting for their parents: the oldest is dropped, out of the index too.
    const [h1, h2, h3] = [new Hospital("h1"), new Hospital("h2"), new Hospital("h3")];
    const [a0, a1] = [...await h1.write(1), ...await h1.write(1)] as [Data, Data];
    const [b0, b1] = [...await h2.write(1), ...await h2.write(1)] as [Data, Data];
    const [c0, c1] = [...await h3.write(1), ...await h3.write(1)] as [Data, Data];
    for (const waiting of [a1, b1, c1]) {
      expect(dag.add(waiting).status).toBe("pending");
    }
    expect(dag.waiting().map((w) => w.data)).toEqual([b1, c1]);
    expect(dag.add(a0)).toMatchObject({ status: "accepted", released: [] });
    expect(dag.add(b0)).toMatchObject({ status: "accepted", released: [b1] });
    expect(dag.add(c0)).toMatchObject({ status: "accepted", released: [c1] });
    expect(dag.pendingCount).toBe(0);
  });

  test("references to equivocation evidence count against a block's size: at most MAX_EVIDENCE_REFS a block, the rest in the next, none lost", async () => {
    const hs = HOSPITALS.map((h) => new Hospital(h));
    await run(hs, 1);
    const h1 = hs[0]!;
    // h4 signs 40 versions of its next block; h1 meets them all.
    const prev = hs[3]!.dag.newest("h4")!;
    const versions: Data[] = [];
    for (let i = 0; i < 40; ++i) {
      versions.push(await h4Block(prev.height + 1, prev.fullName, Date.UTC(2026, 3, 2) + i));
      await h1.receive(versions.at(-1)!);
    }
    expect(h1.dag.equivocations).toHaveLength(39);
    // Records for two blocks or more, with the evidence: each block within MAX_CONTENT.
    const records: Data[] = [];
    for (let i = 0; i < 5; ++i) {
      records.push(await writeRecord(doctors.get("h1")!, "c", 100 + i, { kind: RecordKind.Note, patient: patientPrefix("h1", "p1"), text: "x".repeat(2500) }, Date.UTC(2026, 3, 3)));
    }
    const blocks = await h1.chain.commit(records, Date.UTC(2026, 3, 3));
    while (h1.dag.awaitsReferenceFrom("h1")) {
      blocks.push(...await h1.chain.commit([], Date.UTC(2026, 3, 3)));
    }
    const contents = blocks.map((b) => ConsultationBlock.fromContent(b.content));
    for (const [i, b] of blocks.entries()) {
      expect(b.content.length).toBeLessThanOrEqual(MAX_CONTENT);
      expect(contents[i]!.refs.length).toBeLessThanOrEqual(HOSPITALS.length - 1 + MAX_EVIDENCE_REFS);
    }
    expect(contents.flatMap((c) => c.records)).toHaveLength(records.length);
    const referenced = new Set(contents.flatMap((c) => c.refs.map(showName)));
    expect(versions.every((v) => referenced.has(showName(fullName(v))))).toBe(true);
    expect(h1.dag.unreferencedForks("h1")).toEqual([]);
  });

  test("a record too large for any block is refused with its name and size, and nothing of the commit is made", async () => {
    const dag = new ConsultationDag("c", HOSPITALS);
    const chain = new ConsultationChain("h1", dag, ledgerIds.get("h1")!);
    const fields = { kind: RecordKind.Note, patient: patientPrefix("h1", "p1") };
    const small = await writeRecord(doctors.get("h1")!, "c", 1, { ...fields, text: "ok" }, Date.UTC(2026, 3, 3));
    const huge = await writeRecord(doctors.get("h1")!, "c", 2, { ...fields, text: "x".repeat(MAX_CONTENT) }, Date.UTC(2026, 3, 3));
    await expect(chain.commit([small, huge], Date.UTC(2026, 3, 3))).rejects.toThrow(/record \/c\/.*takes \d+ octets in a block, which has room for \d+: nothing committed/);
    expect(dag.size).toBe(0);
    expect(chain["height"]).toBe(0);
  });

  test("a block of its own that would not join is refused before anything changes: the DAG and the chain's height stay as they were", async () => {
    const dag = new ConsultationDag("c", HOSPITALS);
    const chain = new ConsultationChain("h1", dag, ledgerIds.get("h1")!);
    // Another run with h1's keys put its block 0 in this DAG after the chain started.
    const [fork] = await new Hospital("h1").write(1) as [Data];
    expect(dag.add(fork).status).toBe("accepted");
    await expect(chain.commit([], Date.UTC(2026, 3, 2))).rejects.toThrow(/own block 0 .*accepted/);
    expect(dag.size).toBe(1);
    expect(dag.equivocations).toEqual([]);
    expect(chain["height"]).toBe(0);
  });
});
