import { produce } from "@ndn/endpoint";
import { Data, ImplicitDigest, type Name, ValidityPeriod } from "@ndn/packet";
import { SvSync } from "@ndn/svs";
import { expect, test } from "vitest";

import {
  Clinic, ConsultationBlock, ConsultationReplica, type ConsultationReplicaOptions, MAX_RECORD, RecordKind, writeRecord,
} from "../src/consultation/mod.js";
import { fullName } from "../src/ledger/mod.js";
import { consultationBlockName, consultationPrefix, hospitalPrefix, parseName, patientPrefix, showName, staffPrefix } from "../src/naming/mod.js";
import { EmulatedNetwork } from "../src/network/mod.js";
import { VirtualClock } from "../src/sim/virtual-clock.js";
import { parseTopology } from "../src/topology/mod.js";
import { CertificateServer, certifyKeyPair, deriveEcdsaKeyPair, fetchCertificateOverNdn, type Identity, syncCertificateVerifier, TrustVerifier } from "../src/trust/mod.js";

const H = ["h1", "h2", "h3", "h4"];

/** Each hospital's anchor, registrar and doctor. */
interface Identities {
  anchors: Map<string, Identity>;
  registrars: Map<string, Identity>;
  doctors: Map<string, Identity>;
}

async function identities(): Promise<Identities> {
  const validity = new ValidityPeriod(Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1));
  const ids: Identities = { anchors: new Map(), registrars: new Map(), doctors: new Map() };
  for (const h of H) {
    const a = await certifyKeyPair(hospitalPrefix(h), deriveEcdsaKeyPair(4, h), undefined, validity);
    ids.anchors.set(h, a);
    ids.registrars.set(h, await certifyKeyPair(staffPrefix(h, "registrar"), deriveEcdsaKeyPair(4, `${h}r`), a, validity));
    ids.doctors.set(h, await certifyKeyPair(staffPrefix(h, "dr"), deriveEcdsaKeyPair(4, `${h}d`), a, validity));
  }
  return ids;
}

/** A network on a topology; `at` places each hospital on a node, which serves its certificates and announces its prefixes. */
function network(conf: string[], at: ReadonlyArray<[node: string, hospital: string]>, ids: Identities): EmulatedNetwork {
  const net = new EmulatedNetwork(parseTopology(conf.join("\n"), "t.conf"), 4);
  for (const [node, h] of at) {
    const certs = new CertificateServer(net.fw(node));
    for (const id of [ids.anchors.get(h)!, ids.registrars.get(h)!, ids.doctors.get(h)!]) {
      certs.add(id.cert);
    }
    net.announce(node, hospitalPrefix(h));
    net.announce(node, consultationPrefix("c", h));
    net.announce(node, consultationPrefix("c"), "multicast");
  }
  net.computeRoutes();
  return net;
}

function startReplica(net: EmulatedNetwork, node: string, h: string, ids: Identities, options: Partial<ConsultationReplicaOptions> = {}): Promise<ConsultationReplica> {
  return ConsultationReplica.create({
    fw: net.fw(node), consortium: "c", hospital: h, members: H, registrar: ids.registrars.get(h)!,
    verifier: new TrustVerifier({ anchors: [...ids.anchors.values()].map((a) => a.cert), fetchCertificate: fetchCertificateOverNdn(net.fw(node)), importVerifier: syncCertificateVerifier }),
    ...options,
  });
}

/**
 * The four hospitals' replicas on a topology; `at` places each replica on a node (by default, the
 * node of the hospital's name). Every hospital writes a record and commits a block every 2 s,
 * staggered, for 30 s; the clock runs 40 s.
 */
async function replicate(conf: string[], at: ReadonlyArray<[node: string, hospital: string]> = H.map((h) => [h, h])) {
  using clock = new VirtualClock({ epoch: Date.UTC(2026, 0, 1), seed: 4 }).install();
  const ids = await identities();
  using net = network(conf, at, ids);
  const replicas: Array<{ node: string; hospital: string; replica: ConsultationReplica }> = [];
  for (const [node, h] of at) {
    replicas.push({ node, hospital: h, replica: await startReplica(net, node, h, ids) });
  }
  let seq = 0;
  replicas.forEach(({ hospital, replica }, i) => {
    const timer = setInterval(async () => {
      const r: Data = await writeRecord(ids.doctors.get(hospital)!, "c", seq++, { kind: RecordKind.Note, patient: patientPrefix(hospital, "p"), text: `from ${hospital}` });
      await replica.commit([r]);
    }, 2000 + 100 * i);
    setTimeout(() => clearInterval(timer), 30_000);
  });
  await clock.advance(40_000);
  for (const { replica } of replicas) {
    replica[Symbol.dispose]();
  }
  return replicas;
}

/** A block of `hospital`'s signed by its registrar, with no records. */
async function signedBlock(registrar: Identity, hospital: string, height: number, prev: Name | undefined, refs: Name[] = []): Promise<Data> {
  const block = new ConsultationBlock();
  block.height = height;
  block.prev = prev;
  block.refs = refs;
  block.time = Date.now();
  const data = new Data(consultationBlockName("c", hospital, height), block.toContent());
  await registrar.signer.sign(data);
  return data;
}

/**
 * A hand-made hospital on the node of its name: announces `heights` blocks of its chain in the sync
 * group, and answers every Interest under its prefix (its DAG hint included) with what `serve` gives
 * for the name, if anything.
 */
async function handMadeHospital(net: EmulatedNetwork, hospital: string, registrar: Identity, heights: number, serve: (name: Name) => Data | undefined): Promise<Disposable> {
  const svs = await SvSync.create({ syncPrefix: consultationPrefix("c"), fw: net.fw(hospital), describe: `hand-made ${hospital}`, signer: registrar.signer, suppressionPeriod: 200 });
  const server = produce(consultationPrefix("c", hospital), async (interest) => serve(interest.name), { fw: net.fw(hospital), announcement: false });
  svs.add(consultationPrefix("c", hospital)).seqNum = heights;
  return { [Symbol.dispose]: () => { server.close(); svs.close(); } };
}

/** Find a block by its name or its full name. */
function byName(blocks: readonly Data[], name: Name): Data | undefined {
  return blocks.find((d) => d.name.equals(name) || fullName(d).equals(name));
}

const order = (r: ConsultationReplica) => r.dag.confirmed().map((b) => showName(b.fullName));

test("four hospitals replicate the consultation ledger with SVS and agree on the confirmed order", async () => {
  const replicas = (await replicate(["[nodes]", "core: _", ...H.map((h) => `${h}: _ role=hospital`), "[links]", ...H.map((h, i) => `${h}:core delay=${5 + 3 * i}ms bw=100`)]))
    .map((x) => x.replica);
  const orders = replicas.map(order);
  for (const o of orders) {
    expect(o).toEqual(orders[0]);
  }
  expect(orders[0]!.length).toBeGreaterThan(40);
  const everyBlock = replicas[0]!.dag.size;
  for (const r of replicas) {
    expect(r.dag.size).toBe(everyBlock); // every block reached every hospital
    // Only the newest blocks, not yet referenced by enough hospitals, wait for confirmation.
    expect(everyBlock - orders[0]!.length).toBeLessThanOrEqual(2 * H.length);
    expect(r.counters.rejected).toBe(0);
    expect(r.counters.syncRejected).toBe(0);
    expect(r.dag.pendingCount).toBe(0);
  }
}, 60_000);

test("a hospital that runs two forks of its chain, each shown to part of the consortium, is caught; the honest ones still confirm", async () => {
  // h4 runs a fork at h4a, near h1 and h2, and another at h4b, near h3: each fetches h4's blocks
  // from the nearer fork, so each sees one version of every h4 block.
  const replicas = await replicate([
    "[nodes]", "core: _", ...["h1", "h2", "h3", "h4a", "h4b"].map((h) => `${h}: _ role=hospital`),
    "[links]", "h1:core delay=10ms bw=100", "h2:core delay=10ms bw=100", "h3:core delay=10ms bw=100",
    "h4a:h1 delay=2ms bw=100", "h4a:h2 delay=2ms bw=100", "h4b:h3 delay=2ms bw=100",
  ], [["h1", "h1"], ["h2", "h2"], ["h3", "h3"], ["h4a", "h4"], ["h4b", "h4"]]);
  const honest = replicas.filter((x) => x.hospital !== "h4").map((x) => x.replica);
  const orders = honest.map(order);
  for (const r of honest) {
    // Each met both versions (the other one as the parent of a block that referenced it).
    expect(r.dag.equivocations.length).toBeGreaterThan(0);
    expect(r.dag.equivocations.every((e) => e.hospital === "h4" && e.blocks[0] !== e.blocks[1])).toBe(true);
    expect(r.dag.pendingCount).toBe(0);
    const tainted = Math.min(...r.dag.equivocations.map((e) => e.height));
    expect(r.dag.confirmed().some((b) => b.hospital === "h4" && b.height >= tainted)).toBe(false);
  }
  for (const o of orders) {
    expect(o).toEqual(orders[0]);
  }
  // The honest three are more than two thirds of four: their blocks are still confirmed.
  for (const h of ["h1", "h2", "h3"]) {
    expect(orders[0]!.filter((n) => n.startsWith(`/c/consultation/${h}/`)).length).toBeGreaterThan(6);
  }
}, 60_000);

/** A network of hospitals on nodes of their names, each linked to h1 (the replica under test). */
function star(ids: Identities, hospitals: string[]): EmulatedNetwork {
  return network(["[nodes]", ...hospitals.map((h) => `${h}: _ role=hospital`), "[links]", ...hospitals.slice(1).map((h) => `h1:${h} delay=5ms bw=100`)],
    hospitals.map((h) => [h, h]), ids);
}

test("a block that waited for its parent is reported through onBlock when it joins, exactly once", async () => {
  using clock = new VirtualClock({ epoch: Date.UTC(2026, 0, 1), seed: 4 }).install();
  const ids = await identities();
  using net = star(ids, ["h1", "h4"]);
  const reported: Data[] = [];
  using h1 = await startReplica(net, "h1", "h1", ids, { onBlock: (b) => reported.push(b) });
  // h4 withholds its block 0 for 20 s: blocks 1 and 2 wait for it, and it is asked for again both
  // as an announced block and as a missing parent.
  const registrar = ids.registrars.get("h4")!;
  const b0 = await signedBlock(registrar, "h4", 0, undefined);
  const b1 = await signedBlock(registrar, "h4", 1, fullName(b0));
  const b2 = await signedBlock(registrar, "h4", 2, fullName(b1));
  const until = Date.now() + 20_000;
  using _h4 = await handMadeHospital(net, "h4", registrar, 3, (name) => (Date.now() < until && name.isPrefixOf(fullName(b0)) ? undefined : byName([b0, b1, b2], name)));
  await clock.advance(15_000);
  expect(h1.dag.waiting().map((w) => w.data)).toEqual([b1, b2]);
  expect(reported).toEqual([]);
  await clock.advance(30_000);
  expect(reported).toEqual([b0, b1, b2]);
}, 60_000);

test("a waiting block's parents are asked for again from the hospital that sent it, which holds them", async () => {
  using clock = new VirtualClock({ epoch: Date.UTC(2026, 0, 1), seed: 4 }).install();
  const ids = await identities();
  using net = star(ids, ["h1", "h3", "h4"]);
  // One parent fetched at once per block, the rest left to the retry timer.
  const reported: Data[] = [];
  using h1 = await startReplica(net, "h1", "h1", ids, { maxParentFetches: 1, onBlock: (b) => reported.push(b) });
  // h3's block references h4's block 2, which h3 holds with its ancestors; h4 answers no one.
  const [r3, r4] = [ids.registrars.get("h3")!, ids.registrars.get("h4")!];
  const c0 = await signedBlock(r4, "h4", 0, undefined);
  const c1 = await signedBlock(r4, "h4", 1, fullName(c0));
  const c2 = await signedBlock(r4, "h4", 2, fullName(c1));
  const x = await signedBlock(r3, "h3", 0, undefined, [fullName(c2)]);
  using _h3 = await handMadeHospital(net, "h3", r3, 1, (name) => byName([x, c0, c1, c2], name));
  const askedH4: Name[] = [];
  using _h4 = await handMadeHospital(net, "h4", r4, 0, (name) => void askedH4.push(name));
  await clock.advance(30_000);
  // c2, fetched from h3 as x's parent, waits for c1: asked for again from h3, never from h4.
  expect(h1.dag.pendingCount).toBe(0);
  expect(reported).toEqual([c0, c1, c2, x]);
  expect(askedH4).toEqual([]);
}, 60_000);

/** The times each ask began, from the times its Interests were seen: an ask's Interests follow each other within their 2 s lifetime. */
function asksAt(times: readonly number[]): number[] {
  return times.filter((t, i) => i === 0 || t - times[i - 1]! > 2500);
}

/** The gaps between successive times. */
const gaps = (times: readonly number[]) => times.slice(1).map((t, i) => t - times[i]!);

test("blocks that can never join are let go: one on a rejected block is rejected at once; those waiting for a parent no one has are reported abandoned, the parent asked for ever less often", async () => {
  using clock = new VirtualClock({ epoch: Date.UTC(2026, 0, 1), seed: 4 }).install();
  const ids = await identities();
  using net = star(ids, ["h1", "h4"]);
  using h1 = await startReplica(net, "h1", "h1", ids, { abandonAfterAsks: 4 });
  // h4's block 0 references a block no one has; block 1 is built on block 0, so it waits only for
  // a waiting block; block 2 has no link to block 1 (a broken link); block 3 is built on block 2.
  const registrar = ids.registrars.get("h4")!;
  const madeUp = consultationBlockName("c", "h4", 9).append(ImplicitDigest.create(new Uint8Array(32)));
  const b0 = await signedBlock(registrar, "h4", 0, undefined, [madeUp]);
  const b1 = await signedBlock(registrar, "h4", 1, fullName(b0));
  const b2 = await signedBlock(registrar, "h4", 2, undefined);
  const b3 = await signedBlock(registrar, "h4", 3, fullName(b2));
  const askedForMadeUp: number[] = [];
  using _h4 = await handMadeHospital(net, "h4", registrar, 4, (name) => {
    if (name.equals(madeUp)) {
      askedForMadeUp.push(Date.now());
    }
    return byName([b0, b1, b2, b3], name);
  });
  await clock.advance(15_000);
  expect(h1.abandoned()).toEqual([]); // asked 3 times so far
  await clock.advance(285_000);
  // Each rejected block is recorded once, however long the replica runs.
  expect(h1.dag.brokenLinks.map((b) => b.block)).toEqual([showName(fullName(b2)), showName(fullName(b3))]);
  // Blocks 0 and 1 still wait (should the parent ever come), reported abandoned: block 1 too,
  // though it waits only for block 0.
  expect(h1.dag.waiting().map((w) => w.data)).toEqual([b0, b1]);
  expect(h1.abandoned()).toEqual([b0, b1]);
  // The parent was asked for at once for block 0, then for block 1 (back to back: 8 s), then
  // again after each ask's 4 s and a wait twice the last (4, 8, 16, 32 s), up to the 60 s most:
  // never given up.
  const between = gaps(asksAt(askedForMadeUp));
  expect(between.map((ms) => Math.round(ms / 1000))).toEqual([12, 12, 20, 36, 64, 64, 64]);
  expect(h1["retryTimer"]).toBeDefined();
}, 60_000);

test("a parent whose holder is unreachable for 40 s is asked for again once it is back, and the blocks waiting for it join", async () => {
  using clock = new VirtualClock({ epoch: Date.UTC(2026, 0, 1), seed: 4 }).install();
  const ids = await identities();
  using net = star(ids, ["h1", "h3", "h4"]);
  const reported: Data[] = [];
  using h1 = await startReplica(net, "h1", "h1", ids, { onBlock: (b) => reported.push(b) });
  // h3's block references h4's block 1, which h3 holds with block 0; h4 answers no one. When h1
  // first asks h3 for block 0, h3's link goes down for 40 s.
  const [r3, r4] = [ids.registrars.get("h3")!, ids.registrars.get("h4")!];
  const c0 = await signedBlock(r4, "h4", 0, undefined);
  const c1 = await signedBlock(r4, "h4", 1, fullName(c0));
  const x = await signedBlock(r3, "h3", 0, undefined, [fullName(c1)]);
  let downSince: number | undefined;
  using _h3 = await handMadeHospital(net, "h3", r3, 1, (name) => {
    if (downSince === undefined && name.equals(fullName(c0))) {
      downSince = Date.now();
      net.link("h1", "h3").setUp(false);
      setTimeout(() => net.link("h1", "h3").setUp(true), 40_000);
      return undefined;
    }
    return byName([x, c0, c1], name);
  });
  using _h4 = await handMadeHospital(net, "h4", r4, 0, () => undefined);
  await clock.advance(35_000);
  expect(downSince).toBeDefined();
  expect(h1.dag.waiting().map((w) => w.data)).toEqual([x, c1]);
  await clock.advance(65_000); // within the 60 s longest wait of the link's coming back
  expect(reported).toEqual([c0, c1, x]);
  expect(h1.dag.pendingCount).toBe(0);
  expect(h1["retryTimer"]).toBeUndefined(); // nothing left to ask for
}, 60_000);

test("a missing parent is asked for in turn from every hospital that sent a block waiting for it: the first sender withholding it does not stall the rest", async () => {
  using clock = new VirtualClock({ epoch: Date.UTC(2026, 0, 1), seed: 4 }).install();
  const ids = await identities();
  using net = star(ids, ["h1", "h2", "h3", "h4"]);
  const reported: Data[] = [];
  // No parent fetched at once: every one is asked for on retries.
  using h1 = await startReplica(net, "h1", "h1", ids, { maxParentFetches: 0, onBlock: (b) => reported.push(b) });
  // h3 and h2 each send a block referencing h4's block 0; h3, first, never gives it.
  const [r2, r3, r4] = [ids.registrars.get("h2")!, ids.registrars.get("h3")!, ids.registrars.get("h4")!];
  const c0 = await signedBlock(r4, "h4", 0, undefined);
  const x = await signedBlock(r3, "h3", 0, undefined, [fullName(c0)]);
  const y = await signedBlock(r2, "h2", 0, undefined, [fullName(c0)]);
  const askedH3: Name[] = [];
  using _h3 = await handMadeHospital(net, "h3", r3, 1, (name) => (name.equals(x.name) ? x : void askedH3.push(name)));
  await clock.advance(5000);
  expect(h1.dag.waiting().map((w) => w.data)).toEqual([x]);
  using _h2 = await handMadeHospital(net, "h2", r2, 1, (name) => byName([y, c0], name));
  await clock.advance(30_000);
  expect(reported).toEqual([c0, x, y]);
  expect(askedH3.filter((n) => n.equals(fullName(c0))).length).toBeGreaterThan(0); // h3 had its turn
}, 60_000);

test("a block whose parent waits here already has that parent's missing parent fetched from its sender, not the parent again", async () => {
  using clock = new VirtualClock({ epoch: Date.UTC(2026, 0, 1), seed: 4 }).install();
  const ids = await identities();
  using net = star(ids, ["h1", "h2", "h3", "h4"]);
  const reported: Data[] = [];
  using h1 = await startReplica(net, "h1", "h1", ids, { onBlock: (b) => reported.push(b) });
  // h3 sends a block on h4's block 1 and gives block 1, never block 0: block 1 waits here. Then
  // h2 sends a block on h4's block 1 too, and holds both.
  const [r2, r3, r4] = [ids.registrars.get("h2")!, ids.registrars.get("h3")!, ids.registrars.get("h4")!];
  const c0 = await signedBlock(r4, "h4", 0, undefined);
  const c1 = await signedBlock(r4, "h4", 1, fullName(c0));
  const x = await signedBlock(r3, "h3", 0, undefined, [fullName(c1)]);
  const y = await signedBlock(r2, "h2", 0, undefined, [fullName(c1)]);
  using _h3 = await handMadeHospital(net, "h3", r3, 1, (name) => byName([x, c1], name));
  await clock.advance(5000);
  expect(h1.dag.waiting().map((w) => w.data)).toEqual([x, c1]);
  const askedH2: Name[] = [];
  using _h2 = await handMadeHospital(net, "h2", r2, 1, (name) => {
    askedH2.push(name);
    return byName([y, c0, c1], name);
  });
  await clock.advance(1000); // less than a retry's wait: fetched at once
  expect(askedH2.map(showName)).toEqual([showName(y.name), showName(fullName(c0))]);
  expect(reported).toEqual([c0, c1, x, y]);
}, 60_000);

test("an announced block never served is asked for ever less often, and the retry timer stops once nothing is left", async () => {
  using clock = new VirtualClock({ epoch: Date.UTC(2026, 0, 1), seed: 4 }).install();
  const ids = await identities();
  using net = star(ids, ["h1", "h4"]);
  using h1 = await startReplica(net, "h1", "h1", ids);
  // h4 announces its block 0 and serves it only after 150 s.
  const registrar = ids.registrars.get("h4")!;
  const b0 = await signedBlock(registrar, "h4", 0, undefined);
  const servedFrom = Date.now() + 150_000;
  const askedAt: number[] = [];
  using _h4 = await handMadeHospital(net, "h4", registrar, 1, (name) => {
    askedAt.push(Date.now());
    return Date.now() < servedFrom ? undefined : byName([b0], name);
  });
  await clock.advance(150_000);
  // Each ask is 4 Interests over 8 s; the waits after it: 2, 4, 8, 16, 32 s.
  expect(gaps(asksAt(askedAt)).map((ms) => Math.round(ms / 1000))).toEqual([10, 12, 16, 24, 40]);
  await clock.advance(70_000); // the next ask, within the 60 s longest wait
  expect(h1.dag.size).toBe(1);
  expect(h1["retryTimer"]).toBeUndefined();
}, 60_000);

test("an announced block its hospital withholds, had meanwhile as another block's parent, is no longer asked for, and the retry timer stops", async () => {
  using clock = new VirtualClock({ epoch: Date.UTC(2026, 0, 1), seed: 4 }).install();
  const ids = await identities();
  using net = star(ids, ["h1", "h3", "h4"]);
  using h1 = await startReplica(net, "h1", "h1", ids);
  // h4 announces its block 0 and answers no one; h3's block references it, and h3 gives it.
  const [r3, r4] = [ids.registrars.get("h3")!, ids.registrars.get("h4")!];
  const c0 = await signedBlock(r4, "h4", 0, undefined);
  const x = await signedBlock(r3, "h3", 0, undefined, [fullName(c0)]);
  const askedH4: number[] = [];
  using _h4 = await handMadeHospital(net, "h4", r4, 1, () => void askedH4.push(Date.now()));
  using _h3 = await handMadeHospital(net, "h3", r3, 1, (name) => byName([x, c0], name));
  await clock.advance(30_000);
  expect(h1.dag.at("h4", 0)?.data).toBe(c0);
  const asks = askedH4.length;
  expect(asks).toBeGreaterThan(0); // asked for as announced, before or while it came from h3
  await clock.advance(120_000);
  expect(askedH4.length).toBe(asks);
  expect(h1["retryTimer"]).toBeUndefined();
}, 60_000);

test("parents fetched before the fetch cap is reached join at once; only the rest wait for a retry", async () => {
  using clock = new VirtualClock({ epoch: Date.UTC(2026, 0, 1), seed: 4 }).install();
  const ids = await identities();
  using net = star(ids, ["h1", "h2", "h3", "h4"]);
  using h1 = await startReplica(net, "h1", "h1", ids, { maxParentFetches: 1, refetchMs: 20_000 });
  // h3's block references one block of h2 and one of h4, and h3 gives both; h2 and h4 answer no one.
  const [r2, r3, r4] = [ids.registrars.get("h2")!, ids.registrars.get("h3")!, ids.registrars.get("h4")!];
  const b = await signedBlock(r2, "h2", 0, undefined);
  const c = await signedBlock(r4, "h4", 0, undefined);
  const x = await signedBlock(r3, "h3", 0, undefined, [fullName(b), fullName(c)]);
  const askedH3: Name[] = [];
  using _h3 = await handMadeHospital(net, "h3", r3, 1, (name) => {
    askedH3.push(name);
    return byName([x, b, c], name);
  });
  using _h2 = await handMadeHospital(net, "h2", r2, 0, () => undefined);
  using _h4 = await handMadeHospital(net, "h4", r4, 0, () => undefined);
  await clock.advance(10_000); // less than a retry's wait
  expect(h1.dag.size).toBe(1); // the parent fetched at once
  expect(h1.dag.waiting().map((w) => w.data)).toEqual([x]);
  await clock.advance(30_000);
  expect(h1.dag.pendingCount).toBe(0);
  // Each parent asked for once: the first at once, the second on the retry.
  for (const parent of [b, c]) {
    expect(askedH3.filter((n) => n.equals(fullName(parent))).length).toBe(1);
  }
}, 60_000);

test("retry rounds ask for at most asksPerRound things: a sync update that comes meanwhile is fetched between rounds, not after every ask", async () => {
  using clock = new VirtualClock({ epoch: Date.UTC(2026, 0, 1), seed: 4 }).install();
  const ids = await identities();
  using net = star(ids, ["h1", "h2", "h3", "h4"]);
  const reported: Data[] = [];
  using h1 = await startReplica(net, "h1", "h1", ids, { maxParentFetches: 0, asksPerRound: 2, onBlock: (b) => reported.push(b) });
  // h3's block references six blocks no one has: each ask for one takes 4 s in vain.
  const [r2, r3] = [ids.registrars.get("h2")!, ids.registrars.get("h3")!];
  const madeUp = Array.from({ length: 6 }, (_, i) => consultationBlockName("c", "h4", i).append(ImplicitDigest.create(new Uint8Array(32).fill(i))));
  const x = await signedBlock(r3, "h3", 0, undefined, madeUp);
  using _h3 = await handMadeHospital(net, "h3", r3, 1, (name) => byName([x], name));
  await clock.advance(3000); // x waits; the first retry round has begun
  expect(h1.dag.waiting().map((w) => w.data)).toEqual([x]);
  const y = await signedBlock(r2, "h2", 0, undefined);
  using _h2 = await handMadeHospital(net, "h2", r2, 1, (name) => byName([y], name));
  // The round under way ends after its two asks (8 s); then h2's block, before the next round.
  // All six asks in one round would have kept it waiting until about 26 s.
  await clock.advance(10_000);
  expect(reported).toEqual([y]);
}, 60_000);

test("a replica disposed during a retry round asks for nothing more", async () => {
  using clock = new VirtualClock({ epoch: Date.UTC(2026, 0, 1), seed: 4 }).install();
  const ids = await identities();
  using net = star(ids, ["h1", "h3"]);
  const h1 = await startReplica(net, "h1", "h1", ids, { maxParentFetches: 0 });
  // h3's block references a block no one has; h3 is asked for it in every retry round.
  const r3 = ids.registrars.get("h3")!;
  const madeUp = consultationBlockName("c", "h4", 0).append(ImplicitDigest.create(new Uint8Array(32)));
  const x = await signedBlock(r3, "h3", 0, undefined, [madeUp]);
  const askedAt: number[] = [];
  using _h3 = await handMadeHospital(net, "h3", r3, 1, (name) => (name.equals(x.name) ? x : void askedAt.push(Date.now())));
  await clock.advance(3000);
  expect(askedAt.length).toBe(1); // the first retry round's ask is under way
  h1[Symbol.dispose]();
  await clock.advance(300_000);
  expect(askedAt.every((t) => t < Date.now() - 290_000)).toBe(true);
  expect(h1["retryTimer"]).toBeUndefined();
}, 60_000);

test("a clinic refuses a record over MAX_RECORD octets, and keeps the records of a commit that failed for the next round", async () => {
  using clock = new VirtualClock({ epoch: Date.UTC(2026, 0, 1), seed: 4 }).install();
  const ids = await identities();
  using net = star(ids, ["h1", "h2"]);
  using h1 = await startReplica(net, "h1", "h1", ids);
  using clinic = new Clinic({ hospital: "h1", consortium: "c", replica: h1, doctors: [], writeEveryMs: 0, commitEveryMs: 10_000 });
  const doctor = ids.doctors.get("h1")!;
  const fields = { kind: RecordKind.Note, patient: patientPrefix("h1", "p") };
  const huge = await writeRecord(doctor, "c", 0, { ...fields, text: "x".repeat(MAX_RECORD) });
  expect(() => clinic.submit(huge)).toThrow(/record \/c\/.* is \d+ octets; a record may have at most 4096/);
  // Another run with h1's keys put its block 0 in this DAG: the next commit fails, and the record waits.
  const fork = await signedBlock(ids.registrars.get("h1")!, "h1", 0, undefined);
  expect(h1.dag.add(fork).status).toBe("accepted");
  const kept = await writeRecord(doctor, "c", 1, { ...fields, text: "kept" });
  clinic.submit(kept);
  const errors: unknown[] = [];
  const consoleError = console.error;
  console.error = (...args: unknown[]) => void errors.push(args);
  try {
    await clock.advance(10_000);
  } finally {
    console.error = consoleError;
  }
  expect(String(errors[0])).toMatch(/own block 0 would not be accepted/);
  expect(clinic.committed).toBe(0);
  expect(clinic["waiting"]).toEqual([kept]);
}, 60_000);

test("a member announcing a height it never made costs a few asks, not one per height: the group's other blocks still come", async () => {
  using clock = new VirtualClock({ epoch: Date.UTC(2026, 0, 1), seed: 4 }).install();
  const ids = await identities();
  using net = star(ids, ["h1", "h2", "h4"]);
  const reported: Data[] = [];
  using h1 = await startReplica(net, "h1", "h1", ids, { onBlock: (b) => reported.push(b) });
  // h4 announces a billion blocks and has two.
  const [r2, r4] = [ids.registrars.get("h2")!, ids.registrars.get("h4")!];
  const c0 = await signedBlock(r4, "h4", 0, undefined);
  const c1 = await signedBlock(r4, "h4", 1, fullName(c0));
  const askedHeights = new Set<number>();
  using _h4 = await handMadeHospital(net, "h4", r4, 1e9, (name) => {
    const p = parseName(name);
    if (p.kind === "consultation-block") {
      askedHeights.add(p.height);
    }
    return byName([c0, c1], name);
  });
  await clock.advance(1000);
  const y = await signedBlock(r2, "h2", 0, undefined);
  using _h2 = await handMadeHospital(net, "h2", r2, 1, (name) => byName([y], name));
  // Heights 2, 3 and 4 asked for in vain (8 s each), the rest waiting with height 4; then h2's block.
  await clock.advance(40_000);
  expect(reported).toEqual([c0, c1, y]);
  expect([...askedHeights].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4]);
  // Retries ask for the lowest height not had, and the rest waits with it: still only those.
  await clock.advance(300_000);
  expect([...askedHeights].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4]);
  expect(h1.dag.size).toBe(3);
}, 60_000);
