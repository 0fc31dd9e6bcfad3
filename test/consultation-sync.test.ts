import { type Data, ValidityPeriod } from "@ndn/packet";
import { expect, test } from "vitest";

import { ConsultationReplica, RecordKind, writeRecord } from "../src/consultation/mod.js";
import { consultationPrefix, hospitalPrefix, patientPrefix, showName, staffPrefix } from "../src/naming/mod.js";
import { EmulatedNetwork } from "../src/network/mod.js";
import { VirtualClock } from "../src/sim/virtual-clock.js";
import { parseTopology } from "../src/topology/mod.js";
import { CertificateServer, certifyKeyPair, deriveEcdsaKeyPair, fetchCertificateOverNdn, type Identity, syncCertificateVerifier, TrustVerifier } from "../src/trust/mod.js";

const H = ["h1", "h2", "h3", "h4"];

/**
 * The four hospitals' replicas on a topology; `at` places each replica on a node (by default, the
 * node of the hospital's name). Every hospital writes a record and commits a block every 2 s,
 * staggered, for 30 s; the clock runs 40 s.
 */
async function replicate(conf: string[], at: ReadonlyArray<[node: string, hospital: string]> = H.map((h) => [h, h])) {
  const topology = parseTopology(conf.join("\n"), "t.conf");
  using clock = new VirtualClock({ epoch: Date.UTC(2026, 0, 1), seed: 4 }).install();
  using net = new EmulatedNetwork(topology, 4);
  const validity = new ValidityPeriod(Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1));
  const anchors = new Map<string, Identity>();
  const registrars = new Map<string, Identity>();
  const doctors = new Map<string, Identity>();
  for (const h of H) {
    const a = await certifyKeyPair(hospitalPrefix(h), deriveEcdsaKeyPair(4, h), undefined, validity);
    anchors.set(h, a);
    registrars.set(h, await certifyKeyPair(staffPrefix(h, "registrar"), deriveEcdsaKeyPair(4, `${h}r`), a, validity));
    doctors.set(h, await certifyKeyPair(staffPrefix(h, "dr"), deriveEcdsaKeyPair(4, `${h}d`), a, validity));
  }
  for (const [node, h] of at) {
    const certs = new CertificateServer(net.fw(node));
    for (const id of [anchors.get(h)!, registrars.get(h)!, doctors.get(h)!]) {
      certs.add(id.cert);
    }
    net.announce(node, hospitalPrefix(h));
    net.announce(node, consultationPrefix("c", h));
    net.announce(node, consultationPrefix("c"), "multicast");
  }
  net.computeRoutes();
  const replicas: Array<{ node: string; hospital: string; replica: ConsultationReplica }> = [];
  for (const [node, h] of at) {
    replicas.push({
      node, hospital: h, replica: await ConsultationReplica.create({
        fw: net.fw(node), consortium: "c", hospital: h, members: H, registrar: registrars.get(h)!,
        verifier: new TrustVerifier({ anchors: [...anchors.values()].map((a) => a.cert), fetchCertificate: fetchCertificateOverNdn(net.fw(node)), importVerifier: syncCertificateVerifier }),
      }),
    });
  }
  let seq = 0;
  replicas.forEach(({ hospital, replica }, i) => {
    const timer = setInterval(async () => {
      const r: Data = await writeRecord(doctors.get(hospital)!, "c", seq++, { kind: RecordKind.Note, patient: patientPrefix(hospital, "p"), text: `from ${hospital}` });
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
