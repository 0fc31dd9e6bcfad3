import { Certificate, createVerifier, ECDSA, generateSigningKey } from "@ndn/keychain";
import { Data, ValidityPeriod } from "@ndn/packet";
import { expect, test } from "vitest";

import { devicePrefix, hospitalPrefix, patientPrefix, readingName } from "../src/naming/mod.js";
import {
  certifyKeyPair, deriveEcdsaKeyPair, syncCertificateVerifier, syncEcdsaSigner, syncEcdsaVerifier, TrustVerifier,
} from "../src/trust/mod.js";

test("keys derive from seed and label", () => {
  const a = deriveEcdsaKeyPair(1, "/h/KEY");
  expect(Buffer.from(deriveEcdsaKeyPair(1, "/h/KEY").spki)).toEqual(Buffer.from(a.spki));
  expect(Buffer.from(deriveEcdsaKeyPair(2, "/h/KEY").spki)).not.toEqual(Buffer.from(a.spki));
  expect(Buffer.from(deriveEcdsaKeyPair(1, "/g/KEY").spki)).not.toEqual(Buffer.from(a.spki));
});

test("signatures are always 71 octets, and NDNts's own WebCrypto verifier accepts them", async () => {
  const keys = deriveEcdsaKeyPair(3, "x");
  const validity = ValidityPeriod.daysFromNow(1);
  const anchor = await certifyKeyPair(hospitalPrefix("h"), keys, undefined, validity);
  expect(anchor.cert.isSelfSigned).toBe(true);
  const webVerifier = await createVerifier(anchor.cert);
  for (let i = 0; i < 50; ++i) {
    const data = new Data(`/h/x/${i}`, new Uint8Array([i]));
    await anchor.signer.sign(data);
    expect(data.sigValue.length).toBe(71);
    await webVerifier.verify(data);
    await syncEcdsaVerifier(keys.spki).verify(data);
  }
});

test("the sync verifier accepts NDNts-signed packets and refuses tampered ones", async () => {
  const [signer, pub] = await generateSigningKey("/h/KEY/k", ECDSA);
  const data = new Data("/h/y", new Uint8Array([1]));
  await signer.sign(data);
  const verifier = syncEcdsaVerifier(pub.spki!);
  await verifier.verify(data);
  data.content = new Uint8Array([2]);
  await expect(verifier.verify(new Data(data))).rejects.toThrow();
});

test("a chain certified in memory verifies under the trust policy with synchronous crypto", async () => {
  const validity = ValidityPeriod.daysFromNow(10);
  const h = await certifyKeyPair(hospitalPrefix("h"), deriveEcdsaKeyPair(1, "h"), undefined, validity);
  const p = await certifyKeyPair(patientPrefix("h", "p"), deriveEcdsaKeyPair(1, "p"), h, validity);
  const d = await certifyKeyPair(devicePrefix("h", "p", "d"), deriveEcdsaKeyPair(1, "d"), p, validity);
  const certs = [p.cert, d.cert];
  const v = new TrustVerifier({
    anchors: [h.cert],
    importVerifier: syncCertificateVerifier,
    fetchCertificate: async (name) => certs.find((c) => name.isPrefixOf(c.name))!.data,
  });
  const data = new Data(readingName("h", "p", "d", "spo2", 0));
  await d.signer.sign(data);
  await v.verify(data);
  // Same inputs, same names: the certificate names are deterministic.
  const again = await certifyKeyPair(devicePrefix("h", "p", "d"), deriveEcdsaKeyPair(1, "d"), p, validity);
  expect(again.cert.name.equals(d.cert.name)).toBe(true);
  expect(Certificate.fromData(again.cert.data).issuer!.equals(Certificate.fromData(d.cert.data).issuer!)).toBe(true);
  const other = new Data(readingName("h", "p", "d", "spo2", 1));
  await syncEcdsaSigner(d.cert.name.getPrefix(-2), deriveEcdsaKeyPair(1, "wrong").privateKey).sign(other);
  await expect(v.verify(other)).rejects.toThrow(/bad-signature/);
});
