import { type Data, ValidityPeriod } from "@ndn/packet";
import { expect, test } from "vitest";

import { ConsultationReplica, RecordKind, writeRecord } from "../src/consultation/mod.js";
import { consultationPrefix, hospitalPrefix, patientPrefix, showName, staffPrefix } from "../src/naming/mod.js";
import { EmulatedNetwork } from "../src/network/mod.js";
import { VirtualClock } from "../src/sim/virtual-clock.js";
import { parseTopology } from "../src/topology/mod.js";
import { CertificateServer, certifyKeyPair, deriveEcdsaKeyPair, fetchCertificateOverNdn, type Identity, syncCertificateVerifier, TrustVerifier } from "../src/trust/mod.js";

test("four hospitals replicate the consultation ledger with SVS and agree on the confirmed order", async () => {
  const H = ["h1", "h2", "h3", "h4"];
  const topology = parseTopology(["[nodes]", "core: _", ...H.map((h) => `${h}: _ role=hospital`), "[links]", ...H.map((h, i) => `${h}:core delay=${5 + 3 * i}ms bw=100`)].join("\n"), "t.conf");
  using clock = new VirtualClock({ epoch: Date.UTC(2026, 0, 1), seed: 4 }).install();
  using net = new EmulatedNetwork(topology, 4);
  const validity = new ValidityPeriod(Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1));
  const anchors: Identity[] = [];
  const registrars = new Map<string, Identity>();
  const doctors = new Map<string, Identity>();
  for (const h of H) {
    const a = await certifyKeyPair(hospitalPrefix(h), deriveEcdsaKeyPair(4, h), undefined, validity);
    anchors.push(a);
    registrars.set(h, await certifyKeyPair(staffPrefix(h, "registrar"), deriveEcdsaKeyPair(4, `${h}r`), a, validity));
    doctors.set(h, await certifyKeyPair(staffPrefix(h, "dr"), deriveEcdsaKeyPair(4, `${h}d`), a, validity));
    const certs = new CertificateServer(net.fw(h));
    for (const id of [a, registrars.get(h)!, doctors.get(h)!]) {
      certs.add(id.cert);
    }
    net.announce(h, hospitalPrefix(h));
    net.announce(h, consultationPrefix("c", h));
    net.announce(h, consultationPrefix("c"), "multicast");
  }
  net.computeRoutes();
  const replicas = new Map<string, ConsultationReplica>();
  for (const h of H) {
    replicas.set(h, await ConsultationReplica.create({
      fw: net.fw(h), consortium: "c", hospital: h, members: H, registrar: registrars.get(h)!,
      verifier: new TrustVerifier({ anchors: anchors.map((a) => a.cert), fetchCertificate: fetchCertificateOverNdn(net.fw(h)), importVerifier: syncCertificateVerifier }),
    }));
  }
  // Every hospital writes a record and commits a block every 2 s, staggered, for 30 s.
  let seq = 0;
  H.forEach((h, i) => {
    const timer = setInterval(async () => {
      const r: Data = await writeRecord(doctors.get(h)!, "c", seq++, { kind: RecordKind.Note, patient: patientPrefix(h, "p"), text: `from ${h}` });
      await replicas.get(h)!.commit([r]);
    }, 2000 + 100 * i);
    setTimeout(() => clearInterval(timer), 30_000);
  });
  await clock.advance(40_000);
  const orders = H.map((h) => replicas.get(h)!.dag.confirmed().map((b) => showName(b.fullName)));
  for (const o of orders) {
    expect(o).toEqual(orders[0]);
  }
  expect(orders[0]!.length).toBeGreaterThan(40);
  const everyBlock = replicas.get("h1")!.dag.size;
  for (const r of replicas.values()) {
    expect(r.dag.size).toBe(everyBlock); // every block reached every hospital
    // Only the newest blocks, not yet referenced by enough hospitals, wait for confirmation.
    expect(everyBlock - orders[0]!.length).toBeLessThanOrEqual(2 * H.length);
    expect(r.counters.rejected).toBe(0);
    expect(r.counters.syncRejected).toBe(0);
    expect(r.dag.pendingCount).toBe(0);
    r[Symbol.dispose]();
  }
}, 60_000);
