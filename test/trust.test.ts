import { Forwarder } from "@ndn/fw";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { Certificate, CertNaming, ECDSA, generateSigningKey, KeyChain } from "@ndn/keychain";
import { Component, Data, type Name, ValidityPeriod } from "@ndn/packet";
import { beforeAll, describe, expect, test } from "vitest";

import {
  alarmName, consultationBlockName, consultationRecordName, devicePrefix, hospitalPrefix, ledgerBlockName, monitorPrefix,
  patientPrefix, readingName, staffPrefix,
} from "../src/naming/mod.js";
import {
  CertificateServer, fetchCertificateOverNdn, type Identity, loadOrCreateAnchor, loadOrEnrol, openKeyChain,
  TrustError, type TrustFailure, TrustVerifier,
} from "../src/trust/mod.js";

const DAY = 86_400_000;

interface World {
  h1: Identity;
  p1: Identity;
  p2: Identity;
  d1: Identity;
  d2: Identity;
  dx: Identity;
  staff: Identity;
  monitor: Identity;
  certs: Map<string, Certificate>;
}

let w: World;

async function signed(name: Name, by: Identity): Promise<Data> {
  const data = new Data(name, new Uint8Array([1, 2, 3]));
  await by.signer.sign(data);
  return data;
}

function verifierFetch({ certs }: Pick<World, "certs">) {
  return async (name: Name) => {
    for (const cert of certs.values()) {
      if (name.isPrefixOf(cert.name)) {
        return cert.data;
      }
    }
    throw new Error("no such certificate");
  };
}

function verifierFor(w: World, anchors = [w.h1.cert]): TrustVerifier {
  return new TrustVerifier({ anchors, fetchCertificate: verifierFetch(w) });
}

function publish(w: World, ...ids: Identity[]): void {
  for (const id of ids) {
    w.certs.set(id.cert.name.valueHex, id.cert);
  }
}

async function expectRejected(v: TrustVerifier, data: Data, failure: TrustFailure, text?: RegExp) {
  const err = await v.verify(data).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(TrustError);
  expect((err as TrustError).failure).toBe(failure);
  if (text) {
    expect((err as TrustError).message).toMatch(text);
  }
}

beforeAll(async () => {
  const hospitalKeys = KeyChain.createTemp();
  const h1 = await loadOrCreateAnchor(hospitalKeys, hospitalPrefix("h1"));
  const home1 = KeyChain.createTemp();
  const home2 = KeyChain.createTemp();
  const p1 = await loadOrEnrol(home1, patientPrefix("h1", "p1"), h1);
  const p2 = await loadOrEnrol(home2, patientPrefix("h1", "p2"), h1);
  w = {
    h1, p1, p2,
    d1: await loadOrEnrol(home1, devicePrefix("h1", "p1", "d1"), p1),
    d2: await loadOrEnrol(home1, devicePrefix("h1", "p1", "d2"), p1),
    dx: await loadOrEnrol(home2, devicePrefix("h1", "p2", "dx"), p2),
    staff: await loadOrEnrol(hospitalKeys, staffPrefix("h1", "w1"), h1),
    monitor: await loadOrEnrol(hospitalKeys, monitorPrefix("h1"), h1),
    certs: new Map(),
  };
  publish(w, w.h1, w.p1, w.p2, w.d1, w.d2, w.dx, w.staff, w.monitor);
});

describe("allowed signers are accepted", () => {
  test("a device signs its own reading", async () => {
    await expect(verifierFor(w).verify(await signed(readingName("h1", "p1", "d1", "heart-rate", 0), w.d1))).resolves.toBeUndefined();
  });
  test("a gateway signs its patient's ledger block", async () => {
    await expect(verifierFor(w).verify(await signed(ledgerBlockName("h1", "p1", 3), w.p1))).resolves.toBeUndefined();
  });
  test("the monitor signs an alarm of its hospital", async () => {
    await expect(verifierFor(w).verify(await signed(alarmName("h1", "p1", 0), w.monitor))).resolves.toBeUndefined();
  });
  test("a health worker signs a consultation block of its hospital", async () => {
    await expect(verifierFor(w).verify(await signed(consultationBlockName("c", "h1", 0), w.staff))).resolves.toBeUndefined();
  });
  test("each certificate of the chain verifies, and is cached", async () => {
    const v = verifierFor(w);
    for (const id of [w.p1, w.d1, w.staff, w.monitor]) {
      await expect(v.verify(id.cert.data)).resolves.toBeUndefined();
    }
    expect(v.cachedCertificates).toBe(1); // only the gateway certificate had to be fetched
  });
});

describe("forbidden signers are rejected with their reason", () => {
  test("a device signing another device's stream", async () => {
    await expectRejected(verifierFor(w), await signed(readingName("h1", "p1", "d1", "spo2", 1), w.d2), "policy",
      /device d2 of patient h1\/p1 may not sign .*d1\/spo2.*only by its own device/);
  });
  test("a gateway signing another patient's data", async () => {
    await expectRejected(verifierFor(w), await signed(ledgerBlockName("h1", "p2", 0), w.p1), "policy",
      /gateway of patient h1\/p1 may not sign \/h1\/patient\/p2\/ledger/);
    await expectRejected(verifierFor(w), await signed(readingName("h1", "p2", "dx", "spo2", 0), w.p1), "policy");
  });
  test("a gateway issuing a certificate for another patient's device", async () => {
    const keys = KeyChain.createTemp();
    const rogue = await loadOrEnrol(keys, devicePrefix("h1", "p2", "rogue"), w.p1);
    const v = verifierFor(w);
    publish(w, rogue);
    await expectRejected(v, await signed(readingName("h1", "p2", "rogue", "fall", 0), rogue), "policy",
      /device certificate is issued only by its own patient's gateway/);
  });
  test("a health worker signs only its own consultation records", async () => {
    await expect(verifierFor(w).verify(await signed(consultationRecordName("c", "h1", "w1", 0), w.staff))).resolves.toBeUndefined();
    await expectRejected(verifierFor(w), await signed(consultationRecordName("c", "h1", "w2", 0), w.staff), "policy", /only by its own author/);
  });
  test("a health worker signing a ledger block, and another hospital's consultation", async () => {
    await expectRejected(verifierFor(w), await signed(ledgerBlockName("h1", "p1", 0), w.staff), "policy");
    await expectRejected(verifierFor(w), await signed(consultationBlockName("c", "h2", 0), w.staff), "policy");
  });
  test("an expired certificate", async () => {
    const keys = KeyChain.createTemp();
    const now = Date.now();
    const old = await loadOrEnrol(keys, devicePrefix("h1", "p1", "old"), w.p1, {
      now: now - 30 * DAY, validity: new ValidityPeriod(now - 30 * DAY, now - DAY),
    });
    publish(w, old);
    await expectRejected(verifierFor(w), await signed(readingName("h1", "p1", "old", "heart-rate", 0), old), "expired",
      /certificate \/h1\/patient\/p1\/device\/old\/KEY\/.* expired/);
  });
  test("an unknown anchor", async () => {
    const keys = KeyChain.createTemp();
    const h9 = await loadOrCreateAnchor(keys, hospitalPrefix("h9"));
    const p9 = await loadOrEnrol(keys, patientPrefix("h9", "p9"), h9);
    const d9 = await loadOrEnrol(keys, devicePrefix("h9", "p9", "d9"), p9);
    publish(w, h9, p9, d9);
    await expectRejected(verifierFor(w), await signed(readingName("h9", "p9", "d9", "heart-rate", 0), d9), "unknown-anchor",
      /chain ends at \/h9\/KEY\/.* not a pinned trust anchor/);
  });
  test("a self-signed impostor claiming the hospital's name", async () => {
    const keys = KeyChain.createTemp();
    const fake = await loadOrCreateAnchor(keys, hospitalPrefix("h1"));
    expect(CertNaming.toKeyName(fake.cert.name).equals(CertNaming.toKeyName(w.h1.cert.name))).toBe(false);
    const fakeGateway = await loadOrEnrol(keys, patientPrefix("h1", "p7"), fake);
    publish(w, fake, fakeGateway);
    await expectRejected(verifierFor(w), await signed(ledgerBlockName("h1", "p7", 0), fakeGateway), "impostor-anchor",
      /self-signed in the name of \/h1, but its key is not that hospital's pinned anchor/);
  });
  test("a bad signature", async () => {
    const data = await signed(readingName("h1", "p1", "d1", "heart-rate", 5), w.d1);
    const sig = Uint8Array.from(data.sigValue);
    sig[sig.length - 1]! ^= 0xFF;
    data.sigValue = sig;
    await expectRejected(verifierFor(w), data, "bad-signature");
  });
  test("an unreachable certificate", async () => {
    const v = new TrustVerifier({ anchors: [w.h1.cert], fetchCertificate: () => Promise.reject(new Error("timeout")) });
    await expectRejected(v, await signed(readingName("h1", "p1", "d1", "heart-rate", 0), w.d1), "certificate-unavailable");
  });
  test("an anchor that is not self-signed is refused at once", () => {
    expect(() => new TrustVerifier({ anchors: [w.p1.cert], fetchCertificate: () => Promise.reject(new Error("none")) }))
      .toThrow(/trust anchor \/h1\/patient\/p1\/KEY\/.* is not self-signed/);
  });
  test("a certificate that is not valid yet", async () => {
    const keys = KeyChain.createTemp();
    const now = Date.now();
    const early = await loadOrEnrol(keys, devicePrefix("h1", "p1", "early"), w.p1, {
      validity: new ValidityPeriod(now + DAY, now + 30 * DAY),
    });
    publish(w, early);
    await expectRejected(verifierFor(w), await signed(readingName("h1", "p1", "early", "spo2", 0), early), "not-yet-valid");
  });
  test("an issuer that expires after its certificate was cached", async () => {
    const t0 = Date.now();
    const keys = KeyChain.createTemp();
    const gw = await loadOrEnrol(keys, patientPrefix("h1", "p8"), w.h1, { validity: new ValidityPeriod(t0 - DAY, t0 + DAY) });
    const dev = await loadOrEnrol(keys, devicePrefix("h1", "p8", "d"), gw);
    let now = Date.now() + 1000;
    publish(w, gw, dev);
    const v = new TrustVerifier({ anchors: [w.h1.cert], now: () => now, fetchCertificate: verifierFetch(w) });
    await v.verify(await signed(readingName("h1", "p8", "d", "spo2", 0), dev));
    now += 2 * DAY;
    await expectRejected(v, await signed(readingName("h1", "p8", "d", "spo2", 1), dev), "expired", /\/h1\/patient\/p8\/KEY/);
  });
  test("certificates that certify each other are a loop, not a hang", async () => {
    const keys = KeyChain.createTemp();
    const [s1, p1] = await generateSigningKey(keys, hospitalPrefix("h1").append("KEY", "loop1"), ECDSA);
    const [s2, p2] = await generateSigningKey(keys, hospitalPrefix("h1").append("KEY", "loop2"), ECDSA);
    const validity = ValidityPeriod.daysFromNow(1);
    const c1 = await Certificate.issue({ publicKey: p1, validity, issuerId: Component.from("x"), issuerPrivateKey: s2 });
    const c2 = await Certificate.issue({ publicKey: p2, validity, issuerId: Component.from("x"), issuerPrivateKey: s1 });
    const looped = new Map([[c1.name.valueHex, c1], [c2.name.valueHex, c2]]);
    const v = new TrustVerifier({ anchors: [w.h1.cert], fetchCertificate: verifierFetch({ certs: looped }) });
    const gw = await loadOrEnrol(KeyChain.createTemp(), patientPrefix("h1", "p9"), { subject: hospitalPrefix("h1"), signer: s1, cert: c1 });
    await expectRejected(v, gw.cert.data, "certificate-loop");
  });
});

test("certificates are retrieved over NDN and cached", async () => {
  const fw = Forwarder.create();
  using server = new CertificateServer(fw);
  for (const id of [w.p1, w.d1]) {
    server.add(id.cert);
  }
  let fetched = 0;
  const overNdn = fetchCertificateOverNdn(fw);
  const v = new TrustVerifier({ anchors: [w.h1.cert], fetchCertificate: (name) => (++fetched, overNdn(name)) });
  for (let i = 0; i < 3; ++i) {
    await v.verify(await signed(readingName("h1", "p1", "d1", "heart-rate", i), w.d1));
  }
  expect(fetched).toBe(2); // device and gateway certificates, once each
  fw.close();
});

test("identities persist in a keychain and are loaded back", async () => {
  const keys = KeyChain.createTemp();
  const a = await loadOrCreateAnchor(keys, hospitalPrefix("h5"));
  const again = await loadOrCreateAnchor(keys, hospitalPrefix("h5"));
  expect(again.cert.name.equals(a.cert.name)).toBe(true);
  const g = await loadOrEnrol(keys, patientPrefix("h5", "p"), a);
  const g2 = await loadOrEnrol(keys, patientPrefix("h5", "p"), a);
  expect(g2.cert.name.equals(g.cert.name)).toBe(true);
  expect(Certificate.fromData(g2.cert.data).issuer?.equals(CertNaming.toKeyName(a.cert.name))).toBe(true);
});

test("identities persist under a node's data directory and are loaded back by a new process", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "iomt-keys-"));
  const first = openKeyChain(dir);
  const anchor = await loadOrCreateAnchor(first, hospitalPrefix("h6"));
  const member = await loadOrEnrol(first, staffPrefix("h6", "w"), anchor);
  await new Promise((r) => setTimeout(r, 500)); // the file keychain writes 200 ms after a change
  const second = openKeyChain(dir);
  expect((await loadOrCreateAnchor(second, hospitalPrefix("h6"))).cert.name.equals(anchor.cert.name)).toBe(true);
  const again = await loadOrEnrol(second, staffPrefix("h6", "w"), anchor);
  expect(again.cert.name.equals(member.cert.name)).toBe(true);
  const data = await signed(consultationBlockName("c", "h6", 0), again);
  await new TrustVerifier({ anchors: [anchor.cert], fetchCertificate: async () => member.cert.data }).verify(data);
});
